// The labels of Swagger UI (/docs) and ReDoc (/redoc) in Portuguese. Neither bundle has
// translations: the page's text nodes and labelling attributes are swapped as they appear.
(function () {
  "use strict";
  var TEXTOS = {
    "Authorize": "Autorizar", "Authorized": "Autorizado", "Logout": "Sair", "Close": "Fechar",
    "Available authorizations": "Autorizações disponíveis", "Username:": "Usuário:",
    "Password:": "Senha:", "Try it out": "Experimentar", "Cancel": "Cancelar",
    "Execute": "Executar", "Clear": "Limpar", "Parameters": "Parâmetros",
    "No parameters": "Sem parâmetros", "Request body": "Corpo da requisição",
    "Responses": "Respostas", "Response body": "Corpo da resposta",
    "Response headers": "Cabeçalhos da resposta", "Request URL": "URL da requisição",
    "Server response": "Resposta do servidor", "Media type": "Tipo de mídia",
    "Controls Accept header.": "Define o cabeçalho Accept.", "Code": "Código",
    "Controls": "Define o cabeçalho", "header.": ".", "Type": "Tipo",
    "Description": "Descrição", "No links": "Sem links",
    "Example Value": "Exemplo", "Examples": "Exemplos", "Schema": "Esquema",
    "Schemas": "Esquemas", "Details": "Detalhes", "Undocumented": "Não documentado",
    "Name": "Nome", "required": "obrigatório", "Loading...": "Carregando...",
    "Send empty value": "Enviar valor vazio", "Download": "Baixar",
    "Filter by tag": "Filtrar por grupo", "Copy to clipboard": "Copiar",
    "Expand operation": "Abrir operação", "Collapse operation": "Fechar operação",
    "Request Body schema:": "Esquema do corpo da requisição:",
    "Response Schema:": "Esquema da resposta:", "Response samples": "Exemplos de resposta",
    "Request samples": "Exemplos de requisição", "Authorizations:": "Autorizações:",
    "query Parameters": "Parâmetros da consulta", "path Parameters": "Parâmetros do caminho",
    "header Parameters": "Parâmetros do cabeçalho",
    "Download OpenAPI specification": "Baixar a especificação OpenAPI",
    "Download OpenAPI specification:": "Baixar a especificação OpenAPI:",
    "Copy": "Copiar", "Expand all": "Abrir tudo", "Collapse all": "Fechar tudo",
    "Example": "Exemplo", "Default:": "Padrão:", "Enum:": "Valores:", "Value:": "Valor:",
    "Content type": "Tipo de conteúdo", "HTTP Authorization Scheme:": "Esquema de autorização HTTP:",
    "Search...": "Buscar...", "No results found": "Nada encontrado",
    "Items:": "Itens:", "Array": "Lista", "Array [": "Lista ["
  };
  var ATRIBUTOS = ["aria-label", "title", "placeholder", "value"];

  function trocar(texto) {
    var limpo = texto.trim();
    var novo = TEXTOS[limpo];
    // null when nothing changes: setting a node to its own text would notify the observer again
    if (novo === undefined || novo === limpo) { return null; }
    var trocado = texto.replace(limpo, novo);
    return /^[.,:;]/.test(novo) ? trocado.replace(/^\s+/, "") : trocado;
  }

  function traduzir(no) {
    if (no.nodeType === 3) {
      var novo = trocar(no.nodeValue);
      if (novo !== null) { no.nodeValue = novo; }
      return;
    }
    if (no.nodeType !== 1 || no.tagName === "SCRIPT" || no.tagName === "TEXTAREA" ||
        no.tagName === "CODE" || no.tagName === "PRE") { return; }
    ATRIBUTOS.forEach(function (nome) {
      var valor = no.getAttribute(nome);
      if (valor && (nome !== "value" || no.tagName === "BUTTON")) {
        var troca = trocar(valor);
        if (troca !== null) { no.setAttribute(nome, troca); }
      }
    });
    for (var filho = no.firstChild; filho; filho = filho.nextSibling) { traduzir(filho); }
  }

  function iniciar() {
    traduzir(document.body);
    new MutationObserver(function (mudancas) {
      mudancas.forEach(function (m) {
        if (m.type === "characterData") { traduzir(m.target); }
        m.addedNodes.forEach(traduzir);
      });
    }).observe(document.body, {childList: true, subtree: true, characterData: true});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", iniciar);
  } else { iniciar(); }
})();
