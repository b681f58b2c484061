"""The API reference: the OpenAPI document FastAPI generates, completed with what the routes
cannot declare (they read their bodies and query parameters by hand): request bodies from
``nfse.api.esquemas``, examples, every status code with its ``codigo``, HTTP Basic, tags,
descriptions in Portuguese. ``install`` also serves Swagger UI and ReDoc from the package
(``nfse.api.docs_routes``), so the reference works on a server without internet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from nfse.api import docs_routes
from nfse.api.esquemas import nota_nfse, nota_nfsen, recursos

Esquema = dict[str, Any]

ESQUEMAS: dict[str, Esquema] = {
    "NotaNfse": nota_nfse.NOTA_NFSE, "NotaNfsen": nota_nfsen.NOTA_NFSEN,
    "Cancelamento": recursos.CANCELAMENTO, "Email": recursos.EMAIL, "Hook": recursos.HOOK,
    "Empresa": recursos.EMPRESA, "Erro": recursos.ERRO, "NotaAceita": recursos.NOTA_ACEITA,
    "Nota": recursos.NOTA, "CancelamentoResposta": recursos.CANCELAMENTO_RESPOSTA,
    "Simulacao": recursos.SIMULACAO, "HookResposta": recursos.HOOK_RESPOSTA,
    "EmpresaResposta": recursos.EMPRESA_RESPOSTA,
}

MENSAGENS = {
    "requisicao_invalida": 'Parâmetro "servico.valor_servicos" não informado',
    "empresa_nao_habilitada": "Emitente ainda não habilitado para emissão de NFSe",
    "certificado_vencido": "O certificado do emitente está vencido",
    "nao_encontrado": "Nota fiscal não encontrada",
    "nfe_cancelada": "Nota Fiscal já cancelada",
    "nfe_nao_autorizada": "Nota fiscal não autorizada não pode ser cancelada",
    "nfe_autorizada": "Nota fiscal já autorizada",
    "em_processamento": "Nota fiscal em processamento",
    "nao_autorizado": "Token de acesso ausente ou inválido",
    "permissao_negada": "Este token não tem permissão para administrar empresas; use o "
                        "token de administrador",
    "erro_validacao": "Senha do certificado incorreta",
    "limite_excedido": "Limite de 100 requisições por minuto excedido",
    "requisicao_muito_grande": "Corpo da requisição maior que o limite de 1048576 bytes",
}
"""An example ``mensagem`` for each ``codigo`` the reference shows."""

TAGS = [
    {"name": "NFS-e", "description": "Notas no modelo municipal unificado da Focus "
                                     "(/v2/nfse): qualquer município, padrão nacional ou "
                                     "ABRASF."},
    {"name": "NFS-e Nacional", "description": "Notas no modelo plano da NFS-e Nacional "
                                              "(/v2/nfsen), sempre enviadas à Sefin."},
    {"name": "E-mail", "description": "Envio da nota por e-mail e lista de bloqueio."},
    {"name": "Gatilhos", "description": "Webhooks: um POST com o JSON da nota a cada estado "
                                        "final."},
    {"name": "Empresas", "description": "Cadastro de empresas e certificados; só com token "
                                        "de administrador."},
    {"name": "Municípios", "description": "Os 5.571 municípios do IBGE, o provedor de cada "
                                          "um e suas tabelas de serviços."},
    {"name": "Documentos públicos", "description": "XML, PDF e visualização de uma nota, "
                                                   "por URL de capacidade, sem token."},
    {"name": "NFS-e recebidas", "description": "Notas em que a empresa é tomadora ou "
                                               "intermediária, lidas da distribuição do ADN "
                                               "e do sistema do município."},
    {"name": "Administração", "description": "(ext) As notas de todas as empresas, para "
                                             "operadores; só com token de administrador."},
    {"name": "Operação", "description": "Saúde, prontidão e métricas do servidor."},
]


@dataclass(frozen=True)
class Operacao:
    tag: str
    resumo: str
    descricao: str = ""
    corpo: str | None = None
    exemplos: dict[str, Esquema] = field(default_factory=dict)
    respostas: dict[str, Esquema] = field(default_factory=dict)
    parametros: tuple[Esquema, ...] = ()
    publica: bool = False


def _parametro(nome: str, onde: str, descricao: str, esquema: Esquema | None = None,
               obrigatorio: bool = False) -> Esquema:
    return {"name": nome, "in": onde, "required": obrigatorio or onde == "path",
            "description": descricao, "schema": esquema or {"type": "string"}}


REF_PATH = _parametro("ref", "path", "Referência da nota, dada no POST.",
                      {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,100}$", "maxLength": 100})
REF_QUERY = _parametro("ref", "query", "Referência única da nota para este token: letras, "
                       "dígitos, - e _, até 100 caracteres. Pode ser reusada depois de "
                       "erro_autorizacao; nunca depois de autorizada.",
                       {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,100}$",
                        "maxLength": 100}, obrigatorio=True)
DRY_RUN = _parametro("dry_run", "query", "(ext) 1: só validar. Monta o documento com o "
                     "próximo número, assina, confere no esquema oficial e responde 200 sem "
                     "guardar, numerar ou enviar nada.",
                     {"type": "string", "enum": ["0", "1", "true", "false"], "default": "0"})
COMPLETA = _parametro("completa", "query", "1: acrescenta requisicao_nfse (o JSON enviado), "
                      "mensagem_prefeitura, o histórico de estados e os avisos.",
                      {"type": "string", "enum": ["0", "1"], "default": "0"})
OFFSET = _parametro("offset", "query", "Quantos itens pular (paginação).",
                    {"type": "integer", "minimum": 0, "default": 0})
CODIGO_MUNICIPIO = _parametro("codigo", "path", "Código IBGE do município (7 dígitos).",
                              {"type": "string", "pattern": "^[0-9]{7}$"})
EMPRESA_ID = _parametro("empresa_id", "path", "Identificador da empresa.",
                        {"type": "integer"})
ENDERECO = _parametro("endereco", "path", "Endereço de e-mail.")
HOOK_ID = _parametro("hook_id", "path", "Identificador do gatilho.")
CAPACIDADE = _parametro("capability", "path", "Parte aleatória da URL da nota (192 bits).")


def json_ok(descricao: str, esquema: str | Esquema | None = None) -> Esquema:
    conteudo: Esquema = {"schema": {"$ref": f"#/components/schemas/{esquema}"}
                         if isinstance(esquema, str) else esquema or {}}
    return {"description": descricao, "content": {"application/json": conteudo}}


def erro(descricao: str, *codigos: str) -> Esquema:
    exemplos = {codigo: {"summary": codigo, "value": {"codigo": codigo,
                                                      "mensagem": MENSAGENS[codigo]}}
                for codigo in codigos}
    return {"description": descricao + " (codigo: " + ", ".join(codigos) + ")",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Erro"},
                                              "examples": exemplos}}}


def binario(descricao: str, *tipos: str) -> Esquema:
    return {"description": descricao,
            "content": {tipo: {"schema": {"type": "string", "format": "binary"}}
                        for tipo in tipos}}


LISTA = {"type": "array", "items": {"type": "object"}}
TOTAL = {"X-Total-Count": {"description": "Total de itens do filtro.",
                           "schema": {"type": "integer"}}}
NAO_ENCONTRADO = erro("Não encontrado", "nao_encontrado")
INVALIDO = erro("Requisição inválida", "requisicao_invalida")
E415 = erro("O corpo não é JSON", "requisicao_invalida")


def _nota(modelo: str, tag: str, corpo: str, exemplos: dict[str, Esquema]) -> dict[
        tuple[str, str], Operacao]:
    base = f"/v2/{modelo}"
    return {
        ("POST", base): Operacao(
            tag, "Emitir uma nota",
            "Valida o corpo, guarda a nota e a põe na fila: a resposta vem já, com status "
            "processando_autorizacao; consulte o GET (ou espere o gatilho) até o estado "
            "final. Com dry_run=1 só valida (200).", corpo, exemplos, {
                "202": json_ok("Nota aceita e na fila de emissão", "NotaAceita"),
                "200": json_ok("(ext) Resultado do dry_run=1", "Simulacao"),
                "400": erro("Corpo inválido ou empresa sem permissão", "requisicao_invalida",
                            "empresa_nao_habilitada", "certificado_vencido"),
                "415": E415,
                "422": erro("A referência já tem uma nota", "nfe_autorizada",
                            "em_processamento"),
            }, (REF_QUERY, DRY_RUN)),
        ("GET", base + "/{ref}"): Operacao(
            tag, "Consultar uma nota",
            "O estado atual da nota. Autorizada, traz número, código de verificação e as URLs "
            "públicas do XML, do DANFSe e da visualização.", respostas={
                "200": json_ok("A nota", "Nota"),
                "404": NAO_ENCONTRADO,
            }, parametros=(REF_PATH, COMPLETA)),
        ("DELETE", base + "/{ref}"): Operacao(
            tag, "Cancelar uma nota",
            "Síncrono: fala com a autoridade durante a requisição. Sem resposta dela a tempo, "
            "devolve erro_cancelamento e a nota continua autorizada.", "Cancelamento",
            {"cancelamento": {"summary": "Cancelamento",
                              "value": recursos.EXEMPLO_CANCELAMENTO}}, {
                "200": json_ok("cancelado ou erro_cancelamento", "CancelamentoResposta"),
                "400": erro("Justificativa inválida ou nota não cancelável",
                            "requisicao_invalida", "nfe_cancelada", "nfe_nao_autorizada"),
                "404": NAO_ENCONTRADO,
                "415": E415,
                "422": erro("A nota ainda está em processamento", "em_processamento"),
            }, (REF_PATH,)),
        ("POST", base + "/{ref}/hook"): Operacao(
            "Gatilhos", "Disparar de novo os gatilhos da nota",
            "Envia o JSON atual da nota aos gatilhos que lhe correspondem; responde a lista "
            "dos disparados (pode ser vazia).", respostas={
                "200": json_ok("Os gatilhos disparados", LISTA),
                "404": NAO_ENCONTRADO,
            }, parametros=(REF_PATH,)),
    }


OPERACOES: dict[tuple[str, str], Operacao] = {
    **_nota("nfse", "NFS-e", "NotaNfse", nota_nfse.EXEMPLOS),
    **_nota("nfsen", "NFS-e Nacional", "NotaNfsen", nota_nfsen.EXEMPLOS),
    ("POST", "/v2/nfse/{ref}/email"): Operacao(
        "E-mail", "Enviar a nota por e-mail",
        "Põe os e-mails na fila e responde já. Endereços bloqueados voltam em bloqueados.",
        "Email", {"emails": {"summary": "Dois destinatários", "value": recursos.EXEMPLO_EMAIL}},
        {"200": json_ok("Os endereços aceitos", {"type": "object", "properties": {
            "emails": {"type": "array", "items": {"type": "string"}},
            "bloqueados": {"type": "array", "items": {"type": "string"}}}}),
         "400": erro("Endereços inválidos ou nota não autorizada", "requisicao_invalida",
                     "nfe_nao_autorizada"),
         "404": NAO_ENCONTRADO, "415": E415}, (REF_PATH,)),
    ("GET", "/v2/blocked_emails/{endereco}"): Operacao(
        "E-mail", "Consultar um e-mail bloqueado",
        "Endereços que recusaram uma entrega de forma permanente.", respostas={
            "200": json_ok("O bloqueio", {"type": "object"}),
            "404": erro("O e-mail não está bloqueado", "nao_encontrado")},
        parametros=(ENDERECO,)),
    ("DELETE", "/v2/blocked_emails/{endereco}"): Operacao(
        "E-mail", "Desbloquear um e-mail", respostas={
            "200": json_ok("Desbloqueado", {"type": "object"}),
            "404": erro("O e-mail não está bloqueado", "nao_encontrado")},
        parametros=(ENDERECO,)),
    ("GET", "/v2/hooks"): Operacao("Gatilhos", "Listar os gatilhos", respostas={
        "200": json_ok("Os gatilhos da empresa e do ambiente do token",
                       {"type": "array", "items": {"$ref": "#/components/schemas/HookResposta"}})
    }),
    ("POST", "/v2/hooks"): Operacao(
        "Gatilhos", "Criar um gatilho", "No máximo 5 por empresa e evento.", "Hook",
        {"assinado": {"summary": "Gatilho com cabeçalho próprio e assinatura",
                      "value": recursos.EXEMPLO_HOOK}},
        {"201": json_ok("O gatilho criado", "HookResposta"), "400": INVALIDO, "415": E415}),
    ("GET", "/v2/hooks/{hook_id}"): Operacao("Gatilhos", "Consultar um gatilho", respostas={
        "200": json_ok("O gatilho", "HookResposta"),
        "404": erro("Gatilho não encontrado", "nao_encontrado")}, parametros=(HOOK_ID,)),
    ("DELETE", "/v2/hooks/{hook_id}"): Operacao("Gatilhos", "Apagar um gatilho", respostas={
        "200": json_ok("O gatilho apagado, com deleted: true", "HookResposta"),
        "404": erro("Gatilho não encontrado", "nao_encontrado")}, parametros=(HOOK_ID,)),
    ("GET", "/v2/empresas"): Operacao(
        "Empresas", "Listar as empresas", "50 por página.", respostas={
            "200": {**json_ok("As empresas", {"type": "array", "items": {
                "$ref": "#/components/schemas/EmpresaResposta"}}), "headers": TOTAL},
            "400": INVALIDO},
        parametros=(_parametro("cnpj", "query", "Filtra pelo CNPJ."),
                    _parametro("cpf", "query", "Filtra pelo CPF."), OFFSET)),
    ("POST", "/v2/empresas"): Operacao(
        "Empresas", "Criar uma empresa",
        "Confere o certificado (senha, raiz do CNPJ, validade) e responde os dois tokens.",
        "Empresa", {"com_certificado": {"summary": "Empresa com certificado A1",
                                        "value": recursos.EXEMPLO_EMPRESA}},
        {"201": json_ok("A empresa criada, com token_producao e token_homologacao",
                        "EmpresaResposta"),
         "200": json_ok("(ext) dry_run=1: validada, nada guardado", "EmpresaResposta"),
         "400": INVALIDO, "415": E415,
         "422": erro("Certificado inutilizável: senha errada, não é PKCS#12, de outro CNPJ ou "
                     "vencido", "erro_validacao")},
        (_parametro("dry_run", "query", "(ext) 1: só validar, sem guardar.",
                    {"type": "string", "enum": ["0", "1", "true", "false"]}),)),
    ("GET", "/v2/empresas/{empresa_id}"): Operacao("Empresas", "Consultar uma empresa",
                                                   respostas={
        "200": json_ok("A empresa", "EmpresaResposta"),
        "404": erro("Empresa não encontrada", "nao_encontrado")}, parametros=(EMPRESA_ID,)),
    ("PUT", "/v2/empresas/{empresa_id}"): Operacao(
        "Empresas", "Alterar uma empresa", "Só os campos enviados mudam.", "Empresa",
        {"email": {"summary": "Trocar o e-mail", "value": {"email": "novo@example.com"}}},
        {"200": json_ok("A empresa alterada", "EmpresaResposta"), "400": INVALIDO,
         "404": erro("Empresa não encontrada", "nao_encontrado"), "415": E415,
         "422": erro("Certificado inutilizável", "erro_validacao")},
        (EMPRESA_ID, _parametro("dry_run", "query", "(ext) 1: só validar, sem guardar.",
                                {"type": "string", "enum": ["0", "1", "true", "false"]}))),
    ("DELETE", "/v2/empresas/{empresa_id}"): Operacao(
        "Empresas", "Excluir uma empresa",
        "Revoga os tokens; as notas e os XML ficam guardados.", respostas={
            "200": json_ok("A empresa excluída", "EmpresaResposta"),
            "404": erro("Empresa não encontrada", "nao_encontrado")},
        parametros=(EMPRESA_ID,)),
    ("POST", "/v2/empresas/{empresa_id}/tokens"): Operacao(
        "Empresas", "(ext) Trocar os tokens da empresa",
        "Gera dois tokens novos; os antigos deixam de valer.", respostas={
            "200": json_ok("Os tokens novos", "EmpresaResposta"),
            "404": erro("Empresa não encontrada", "nao_encontrado")},
        parametros=(EMPRESA_ID,)),
    ("GET", "/v2/empresas/{empresa_id}/export"): Operacao(
        "Empresas", "(ext) Exportar os XML da empresa",
        "Um zip com o XML de cada nota da empresa (também depois de excluída).", respostas={
            "200": binario("O zip", "application/zip"),
            "404": erro("Empresa não encontrada", "nao_encontrado")},
        parametros=(EMPRESA_ID,)),
    ("GET", "/v2/municipios"): Operacao(
        "Municípios", "Listar os municípios", "100 por página; filtros sem distinção de "
        "maiúsculas nem acentos.", respostas={
            "200": {**json_ok("Os municípios", LISTA), "headers": TOTAL}, "400": INVALIDO},
        parametros=(_parametro("sigla_uf", "query", "Sigla da UF, como SP."),
                    _parametro("nome_municipio", "query", "Nome exato do município."),
                    _parametro("nome", "query", "Parte do nome do município."),
                    _parametro("status_nfse", "query", "Situação da emissão no município.",
                               {"type": "string", "enum": ["ativo", "inativo", "fora_do_ar"]}),
                    OFFSET)),
    ("GET", "/v2/municipios/{codigo}"): Operacao("Municípios", "Consultar um município",
                                                 respostas={
        "200": json_ok("O município, seu provedor e as exigências de cada campo",
                       {"type": "object"}),
        "404": erro("Município não encontrado", "nao_encontrado")},
        parametros=(CODIGO_MUNICIPIO,)),
    ("GET", "/v2/municipios/{codigo}/itens_lista_servico"): Operacao(
        "Municípios", "Listar os itens da LC 116 do município", respostas={
            "200": {**json_ok("Os itens", LISTA), "headers": TOTAL},
            "404": erro("Município não encontrado", "nao_encontrado")},
        parametros=(CODIGO_MUNICIPIO, OFFSET)),
    ("GET", "/v2/municipios/{codigo}/itens_lista_servico/{codigo_item}"): Operacao(
        "Municípios", "Consultar um item da LC 116", respostas={
            "200": json_ok("O item", {"type": "object"}),
            "404": erro("Município ou item não encontrado", "nao_encontrado")},
        parametros=(CODIGO_MUNICIPIO, _parametro("codigo_item", "path",
                                                 "Item, como 0107 ou 01.07."))),
    ("GET", "/v2/municipios/{codigo}/codigos_tributarios_municipio"): Operacao(
        "Municípios", "Listar os códigos tributários do município", respostas={
            "200": {**json_ok("Os códigos", LISTA), "headers": TOTAL},
            "404": erro("Município não encontrado", "nao_encontrado")},
        parametros=(CODIGO_MUNICIPIO, OFFSET)),
    ("GET", "/v2/municipios/{codigo}/codigos_tributarios_municipio/{codigo_tributario}"):
        Operacao("Municípios", "Consultar um código tributário do município", respostas={
            "200": json_ok("O código", {"type": "object"}),
            "404": erro("Município ou código não encontrado", "nao_encontrado")},
            parametros=(CODIGO_MUNICIPIO, _parametro("codigo_tributario", "path",
                                                     "Código tributário municipal."))),
    ("GET", "/v2/municipios/{codigo}/codigos_tributacao_nacional"): Operacao(
        "Municípios", "(ext) Listar os códigos de tributação nacional aceitos", respostas={
            "200": {**json_ok("Os códigos (cTribNac)", LISTA), "headers": TOTAL},
            "404": erro("Município não encontrado", "nao_encontrado")},
        parametros=(CODIGO_MUNICIPIO, OFFSET)),
    ("GET", "/v2/municipios/{codigo}/codigos_tributacao_nacional/{ctribnac}"): Operacao(
        "Municípios", "(ext) Consultar um código de tributação nacional", respostas={
            "200": json_ok("O código", {"type": "object"}),
            "404": erro("Município ou código não encontrado", "nao_encontrado")},
        parametros=(CODIGO_MUNICIPIO, _parametro("ctribnac", "path",
                                                 "Código de tributação nacional (6 dígitos)."))),
    ("GET", "/notas_fiscais_servico/{capability}/{name}"): Operacao(
        "Documentos públicos", "Baixar o XML ou o DANFSe de uma nota",
        "As URLs vêm no GET da nota (url_danfse, caminho_xml_nota_fiscal).", respostas={
            "200": binario("O documento", "application/xml", "application/pdf"),
            "404": erro("Documento não encontrado", "nao_encontrado")},
        parametros=(CAPACIDADE, _parametro("name", "path", "danfse.pdf, nfse.xml ou "
                                           "cancelamento.xml.")), publica=True),
    ("GET", "/notas_fiscais_servico/{capability}"): Operacao(
        "Documentos públicos", "Visualizar uma nota", "Página HTML com os dados da nota e um "
        "QR code para a consulta pública nacional.", respostas={
            "200": {"description": "A página", "content": {"text/html": {
                "schema": {"type": "string"}}}},
            "404": NAO_ENCONTRADO}, parametros=(CAPACIDADE,), publica=True),
    ("GET", "/v2/nfses_recebidas"): Operacao(
        "NFS-e recebidas", "Listar as notas recebidas",
        "Até 100 notas em que o CNPJ é tomador ou intermediário, com versao maior que a "
        "informada, em ordem crescente de versao. A primeira consulta da empresa inicia a "
        "leitura da sua distribuição no ambiente do token.", respostas={
            "200": {**json_ok("As notas", LISTA), "headers": TOTAL},
            "400": INVALIDO, "403": erro("CNPJ de outra empresa", "permissao_negada")},
        parametros=(_parametro("cnpj", "query", "CNPJ (ou cpf) da empresa do token.",
                               obrigatorio=True),
                    _parametro("versao", "query", "Só as notas com versao maior que esta.",
                               {"type": "integer", "minimum": 0}),
                    _parametro("completa", "query", "1: inclui os XML da nota e do "
                               "cancelamento.", {"type": "integer", "enum": [0, 1]}))),
    ("GET", "/v2/nfses_recebidas/{chave}"): Operacao(
        "NFS-e recebidas", "Consultar uma nota recebida",
        "CHAVE, CHAVE.json (com os XML) ou CHAVE.xml (o XML da NFS-e).", respostas={
            "200": json_ok("A nota", {"type": "object"}), "404": NAO_ENCONTRADO},
        parametros=(_parametro("chave", "path", "Chave de acesso (50 dígitos), ou a chave "
                               "que o gateway dá a uma nota ABRASF, com .json ou .xml."),)),
    ("POST", "/v2/nfses_recebidas/sincronizar"): Operacao(
        "NFS-e recebidas", "(ext) Ler a distribuição agora",
        "Antecipa a próxima leitura das notas recebidas da empresa no ambiente do token.",
        respostas={"202": json_ok("Agendada", {"type": "object"})}),
    ("GET", "/v2/admin/notas"): Operacao(
        "Administração", "(ext) Listar as notas de todas as empresas",
        "50 por página, das mais novas; a próxima página vem no cabeçalho Link. O texto é "
        "procurado em 5.000 notas por página (a página pode ter menos de 50 e ter próxima).",
        respostas={
            "200": {**json_ok("As notas", LISTA), "headers": {"X-Total-Count": {
                "description": "Total de notas do filtro, quando são até 1.000 e não há "
                               "filtro de texto (senão, ausente).",
                "schema": {"type": "integer"}}}},
            "403": erro("Token que não é de administrador", "permissao_negada")},
        parametros=tuple(_parametro(nome, "query", descricao) for nome, descricao in (
            ("empresa", "Id da empresa."), ("status", "Status da nota."),
            ("ambiente", "homologacao ou producao."), ("ref", "A ref exata."),
            ("desde", "Aceitas a partir do dia (AAAA-MM-DD)."),
            ("ate", "Aceitas até o dia (AAAA-MM-DD)."),
            ("texto", "Na ref, no número, na chave ou nos dados da nota."),
            ("antes", "Cursor da próxima página (do cabeçalho Link).")))),
    ("GET", "/v2/admin/notas/{nota_id}"): Operacao(
        "Administração", "(ext) Consultar uma nota com tudo o que aconteceu a ela",
        "Histórico, documentos trocados, e-mails e entregas de webhook.", respostas={
            "200": json_ok("A nota", {"type": "object"}), "404": NAO_ENCONTRADO},
        parametros=(_parametro("nota_id", "path", "Id da nota.", {"type": "integer"}),)),
    ("GET", "/healthz"): Operacao("Operação", "Saúde", "200 com API, banco e um worker "
                                  "ativos (batimento nos últimos 30 s); senão 503.", respostas={
        "200": json_ok("Tudo de pé", {"type": "object"}),
        "503": json_ok("Algo fora", {"type": "object"})}, publica=True),
    ("GET", "/readyz"): Operacao("Operação", "Prontidão", "200 quando o banco responde.",
                                 respostas={"200": json_ok("Pronto", {"type": "object"}),
                                            "503": json_ok("O banco não responde",
                                                           {"type": "object"})}, publica=True),
    ("GET", "/metrics"): Operacao("Operação", "Métricas Prometheus", respostas={
        "200": {"description": "Texto no formato Prometheus", "content": {
            "text/plain": {"schema": {"type": "string"}}}}}, publica=True),
}
"""Every operation of the API. A route missing here is listed untagged and undocumented:
the tests refuse that."""

SEM_CORPO = {("POST", "/v2/nfse/{ref}/hook"), ("POST", "/v2/nfsen/{ref}/hook"),
             ("POST", "/v2/empresas/{empresa_id}/tokens"),
             ("DELETE", "/v2/blocked_emails/{endereco}"), ("DELETE", "/v2/hooks/{hook_id}"),
             ("DELETE", "/v2/empresas/{empresa_id}"),
             ("POST", "/v2/nfses_recebidas/sincronizar")}
"""Operations that change something and take no body."""

COMUNS = {
    "401": erro("Token ausente ou desconhecido", "nao_autorizado"),
    "429": {**erro("Limite de requisições excedido", "limite_excedido"),
            "headers": {"Rate-Limit-Reset": {"description": "Segundos até liberar.",
                                             "schema": {"type": "integer"}}}},
}
URL_INVALIDA = erro("Endereço inválido: caractere de controle no caminho, NUL na query ou "
                    "parâmetro fora do tipo", "requisicao_invalida")
"""What any route answers to such a URL (``api/guarda.py``, the parameters' own checks)."""
E413 = erro("Corpo maior que NFSE_MAX_BODY", "requisicao_muito_grande")
SEGURANCA = {
    "basic": {"type": "http", "scheme": "basic",
              "description": "O token como usuário e a senha vazia (curl -u \"TOKEN:\"). O "
                             "token escolhe a empresa e o ambiente (produção ou homologação). "
                             "/v2/empresas exige um token de administrador."},
    "token": {"type": "apiKey", "in": "query", "name": "token",
              "description": "O token no parâmetro ?token=, como alternativa."},
}
DESCRICAO = """API de NFS-e compatível com a Focus NFe v2: um modelo JSON para qualquer
município, pelo padrão nacional (DPS) ou ABRASF 2.04.

- Autenticação: HTTP Basic com o token como usuário e senha vazia.
- Erros: `{"codigo", "mensagem", "erros"}`, sempre em português.
- Toda resposta traz `Rate-Limit-Limit`, `Rate-Limit-Remaining` e `Rate-Limit-Reset`.
- (ext) marca o que vai além da API da Focus sem quebrar um cliente dela.
"""


def _completar(caminho: str, metodo: str, op: Esquema, definida: Operacao) -> None:
    op["tags"] = [definida.tag]
    op["summary"] = definida.resumo
    if definida.descricao:
        op["description"] = definida.descricao
    if definida.parametros:
        op["parameters"] = [dict(p) for p in definida.parametros]
    else:
        op.pop("parameters", None)
    if definida.corpo:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{definida.corpo}"},
            "examples": definida.exemplos}}}
    respostas = {"400": URL_INVALIDA, **definida.respostas}
    if definida.corpo:
        respostas["413"] = E413
    if definida.publica:
        op["security"] = []
    else:
        respostas.update(COMUNS)
        if caminho.startswith("/v2/empresas"):
            respostas["403"] = erro("Token de empresa, não de administrador",
                                    "permissao_negada")
    op["responses"] = dict(sorted(respostas.items()))


def gerar(app: FastAPI) -> Esquema:
    spec = get_openapi(title="nfse-gateway", version=app.version, description=DESCRICAO,
                       routes=app.routes, tags=TAGS)
    for caminho, operacoes in spec.get("paths", {}).items():
        for metodo, op in operacoes.items():
            definida = OPERACOES.get((metodo.upper(), caminho))
            if definida is not None:
                _completar(caminho, metodo, op, definida)
    componentes = spec.setdefault("components", {})
    esquemas = componentes.setdefault("schemas", {})
    for gerado in ("HTTPValidationError", "ValidationError"):
        esquemas.pop(gerado, None)
    esquemas.update(ESQUEMAS)
    componentes["securitySchemes"] = SEGURANCA
    spec["security"] = [{"basic": []}, {"token": []}]
    return spec


def install(app: FastAPI) -> None:
    """The completed OpenAPI at /openapi.json, Swagger UI at /docs, ReDoc at /redoc."""
    def openapi() -> Esquema:
        if app.openapi_schema is None:
            app.openapi_schema = gerar(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    docs_routes.install(app)
