"""The documents of Agili's own layout (``nfse_v_1.00.xsd``, namespace
``http://www.agili.com.br/nfse_v_1.00.xsd``), built from the normalised note and checked
against that schema before they leave.

Facts (element names, order, codes) from the schema Agili publishes (shipped by the ACBr
project, ``Schemas/NFSe/Agili/1.00``) and ACBr's ``Agili.GravarXml.pas`` and
``Agili.Provider.pas`` (commit 7be4dac, 2026-06):

- Every request starts with ``UnidadeGestora``, the CNPJ of the Prefeitura (one Agili
  service answers many cities), and names the prestador by ``IdentificacaoPrestador``:
  ``ChaveDigital`` (the company's 32-character key, issued by the Prefeitura), ``CpfCnpj``,
  ``InscricaoMunicipal``.
- Emission: ``GerarNfseEnvio`` with one ``DeclaracaoPrestacaoServico``.
- Query: ``ConsultarNfseRpsEnvio`` by the RPS's number, series and type.
- Cancellation: ``CancelarNfseEnvio`` with a ``PedidoCancelamento``.

Agili's codes are negative numbers: RPS type ``-2``; ``ExigibilidadeISSQN`` ``-1`` exigível
... ``-7`` suspended by an administrative case; ``ResponsavelISSQN`` ``-1`` the tomador;
regimes ``-2`` estimativa, ``-4`` cooperativa, ``-5`` MEI, ``-6`` ME/EPP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.errors import Problema
from nfse.model.nota import Nota, Pessoa
from nfse.municipios import registry
from nfse.municipios.servicos import formatar, normalizar_item
from nfse.providers.base import Erro, Rps
from nfse.xml.validate import validate

NS = "http://www.agili.com.br/nfse_v_1.00.xsd"
VERSAO = "1.00"
ESQUEMA = Path(__file__).parent / "esquemas" / "nfse_v_1.00.xsd"
TIPO_RPS = "-2"
PAIS_BRASIL = "1058"
TAMANHO_CHAVE = 32
EXIGIBILIDADE = {1: "-1", 2: "-1", 3: "-3", 4: "-5", 5: "-6", 6: "-7"}
"""natureza_operacao (Focus) → ExigibilidadeISSQN: taxed here or elsewhere (the place goes in
MunicipioIncidencia), isenção, imunidade, suspended by a court, by an administrative case."""
REGIMES = {2: "-2", 4: "-4", 5: "-5", 6: "-6"}
"""regime_especial_tributacao (ABRASF) → Agili's RegimeEspecialTributacao; the others have
no Agili code and the element is left out (as ACBr does)."""
ATIVIDADE_CNAE = "cnae"
"""``atividade_economica`` of a city that names the activity by CNAE
(``CodigoCnaeAtividadeEconomica``, the item of LC 116 going in each ``DadosServico``); the
default names it by the item (``ItemLei116AtividadeEconomica``)."""


class DocumentoInvalido(ValueError):
    """The note cannot become an Agili document; ``erros`` say why, in Portuguese."""

    def __init__(self, erros: Sequence[Erro]):
        super().__init__("; ".join(e.mensagem for e in erros))
        self.erros = tuple(erros)


def _digitos(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def valor(value: Decimal | None) -> str:
    """``1234.50``."""
    return f"{(value or Decimal(0)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


def problemas(nota: Nota) -> list[Problema]:
    """What Agili's layout needs beyond the contract: a Brazilian tomador with an address
    (``DadosTomador`` and its ``Endereco`` are required), the item of the service list."""
    found: list[Problema] = []
    tomador = nota.tomador
    if tomador is None or not (tomador.cnpj or tomador.cpf) or not tomador.razao_social:
        found.append(Problema("tomador", 'Parâmetro "tomador" não informado',
                              "A Agili exige o tomador com CPF ou CNPJ e razão social"))
    elif tomador.endereco is None or not tomador.endereco.logradouro \
            or not tomador.endereco.codigo_municipio or not _digitos(tomador.endereco.cep):
        found.append(Problema("tomador.endereco", 'Parâmetro "tomador.endereco" não informado',
                              "A Agili exige o endereço do tomador (logradouro, código do "
                              "município e CEP)"))
    if not _digitos(nota.servico.item_lista_servico):
        found.append(Problema("servico.item_lista_servico",
                              'Parâmetro "servico.item_lista_servico" não informado',
                              "Informe o item da lista de serviços da LC 116 (por exemplo "
                              "01.07)"))
    return found


def unidade_gestora(opcoes: Mapping[str, Any]) -> str:
    """The Prefeitura's CNPJ the registry gives the municipality (``unidade_gestora``)."""
    cnpj = _digitos(str(opcoes.get("unidade_gestora") or ""))
    if len(cnpj) != 14:
        raise DocumentoInvalido([Erro(
            "unidade_gestora_ausente",
            "O município não tem a unidade gestora da Agili (o CNPJ da prefeitura) no "
            "cadastro de municípios do gateway",
            'Defina unidade_gestora = "<CNPJ da prefeitura>" em [municipios."<IBGE>"] de um '
            "arquivo NFSE_MUNICIPIOS_FILE (docs/agili.md)")])
    return cnpj


def chave_digital(senha: str | None) -> str:
    chave = (senha or "").strip()
    if len(chave) != TAMANHO_CHAVE:
        raise DocumentoInvalido([Erro(
            "chave_digital_invalida",
            f"A chave digital da Agili tem {TAMANHO_CHAVE} caracteres; a cadastrada em "
            f"senha_responsavel tem {len(chave)}",
            "Informe em senha_responsavel (PUT /v2/empresas/ID) a chave digital que a "
            "prefeitura emitiu para a empresa")])
    return chave


class _No:
    """Builds elements in Agili's namespace."""

    def __init__(self, element: etree._Element):
        self.element = element

    def filho(self, tag: str, text: str | None = None) -> _No:
        child = etree.SubElement(self.element, f"{{{NS}}}{tag}")
        if text is not None:
            child.text = text
        return _No(child)

    def talvez(self, tag: str, text: str | None) -> None:
        if text:
            self.filho(tag, text)


def _raiz(tag: str, unidade: str) -> _No:
    root = _No(etree.Element(f"{{{NS}}}{tag}", nsmap={None: NS}))
    root.filho("UnidadeGestora", unidade)
    return root


def _cpf_cnpj(parent: _No, cnpj: str | None, cpf: str | None) -> None:
    node = parent.filho("CpfCnpj")
    if cnpj:
        node.filho("Cnpj", _digitos(cnpj))
    else:
        node.filho("Cpf", _digitos(cpf))


def _prestador(parent: _No, nota: Nota, chave: str) -> None:
    node = parent.filho("IdentificacaoPrestador")
    node.filho("ChaveDigital", chave)
    _cpf_cnpj(node, nota.prestador.cnpj, nota.prestador.cpf)
    node.talvez("InscricaoMunicipal", _digitos(nota.prestador.inscricao_municipal)[:15])


def _identificacao_rps(parent: _No, rps: Rps) -> None:
    node = parent.filho("IdentificacaoRps")
    node.filho("Numero", str(rps.numero))
    node.filho("Serie", rps.serie[:5])
    node.filho("Tipo", TIPO_RPS)


def _tomador(parent: _No, tomador: Pessoa) -> None:
    endereco = tomador.endereco
    assert endereco is not None  # problemas() refuses a tomador without one
    node = parent.filho("DadosTomador")
    identificacao = node.filho("IdentificacaoTomador")
    _cpf_cnpj(identificacao, tomador.cnpj, tomador.cpf)
    identificacao.talvez("InscricaoMunicipal", _digitos(tomador.inscricao_municipal)[:15])
    node.filho("RazaoSocial", (tomador.razao_social or "")[:115])
    node.filho("LocalEndereco", "1")
    local = node.filho("Endereco")
    local.filho("TipoLogradouro", (endereco.tipo_logradouro or "")[:120])
    local.filho("Logradouro", (endereco.logradouro or "")[:120])
    local.talvez("Numero", (endereco.numero or "")[:10])
    local.talvez("Complemento", (endereco.complemento or "")[:300])
    local.talvez("Bairro", (endereco.bairro or "")[:120])
    municipio = local.filho("Municipio")
    codigo = _digitos(endereco.codigo_municipio)
    municipio.filho("CodigoMunicipioIBGE", codigo)
    conhecido = registry.get(codigo)
    if conhecido is not None:
        municipio.filho("Descricao", conhecido.nome[:300])
        municipio.filho("Uf", conhecido.uf)
    local.filho("Pais").filho("CodigoPaisBacen", PAIS_BRASIL)
    local.filho("Cep", _digitos(endereco.cep)[:8])
    if tomador.telefone or tomador.email:
        contato = node.filho("Contato")
        contato.talvez("Telefone", _digitos(tomador.telefone)[:14])
        contato.talvez("Email", (tomador.email or "")[:300])


def _cnae(codigo: str | None) -> str:
    """``62.0.1-5.01`` (Agili's mask of a 7-digit CNAE, as ACBr writes it)."""
    d = _digitos(codigo)
    return f"{d[:2]}.{d[2]}.{d[3]}-{d[4]}.{d[5:]}" if len(d) == 7 else d


def _item(codigo: str, formato: str) -> str:
    """The item of LC 116 in ``formato`` (``formato_item_lista``)."""
    normal = normalizar_item(codigo)
    return formatar(normal, formato) if normal else codigo.strip()


def _declaracao(parent: _No, nota: Nota, rps: Rps, chave: str,
                opcoes: Mapping[str, Any]) -> None:
    s = nota.servico
    node = parent.filho("DeclaracaoPrestacaoServico")
    _prestador(node, nota, chave)
    rps_node = node.filho("Rps")
    _identificacao_rps(rps_node, rps)
    rps_node.filho("DataEmissao", f"{nota.data_emissao.astimezone(SAO_PAULO):%Y-%m-%d}")
    assert nota.tomador is not None  # problemas() refuses a note without one
    _tomador(node, nota.tomador)
    regime = REGIMES.get(nota.regime_especial_tributacao or 0)
    if regime:
        node.filho("RegimeEspecialTributacao").filho("Codigo", regime)
    mei = nota.regime_especial_tributacao == 5
    simples = bool(nota.optante_simples_nacional)
    node.filho("OptanteSimplesNacional", "1" if simples else "0")
    node.filho("OptanteMEISimei", "1" if mei else "0")
    node.filho("ISSQNRetido", "1" if s.iss_retido else "0")
    if s.iss_retido:
        node.filho("ResponsavelISSQN").filho("Codigo", "-1")
    por_cnae = opcoes.get("atividade_economica") == ATIVIDADE_CNAE
    if por_cnae:
        node.talvez("CodigoCnaeAtividadeEconomica", _cnae(s.codigo_cnae))
    else:
        formato = str(opcoes.get("formato_item_lista") or "01.07")
        node.filho("ItemLei116AtividadeEconomica", _item(s.item_lista_servico, formato))
    exigibilidade = EXIGIBILIDADE.get(nota.natureza_operacao, "-1")
    node.filho("ExigibilidadeISSQN").filho("Codigo", exigibilidade)
    processo = nota.numero_processo_suspensao if exigibilidade in ("-6", "-7") else None
    node.talvez("BeneficioProcesso", (processo or "")[:30])
    if not mei and exigibilidade != "-3":
        node.filho("MunicipioIncidencia").filho("CodigoMunicipioIBGE", s.codigo_municipio)
    node.filho("ValorServicos", valor(s.valor_servicos))
    for tag, quantia in (("ValorDescontos", s.desconto_incondicionado),
                         ("ValorPis", s.valor_pis), ("ValorCofins", s.valor_cofins),
                         ("ValorInss", s.valor_inss), ("ValorIrrf", s.valor_ir),
                         ("ValorCsll", s.valor_csll),
                         ("ValorOutrasRetencoes", s.outras_retencoes)):
        node.filho(tag, valor(quantia))
    node.filho("ValorBaseCalculoISSQN", valor(s.base_calculo))
    if s.aliquota is not None:
        node.filho("AliquotaISSQN", valor(s.aliquota))
    if s.valor_iss is not None:
        node.filho("ValorISSQNCalculado", valor(s.valor_iss))
        if not simples and not mei:
            node.filho("ValorISSQNRecolher", valor(s.valor_iss))
    node.filho("ValorDeducaoConstCivil", valor(s.valor_deducoes))
    node.filho("ValorLiquido", valor(s.valor_liquido))
    node.talvez("Observacao", (nota.informacoes_complementares or "")[:4000])
    dados = node.filho("ListaServico").filho("DadosServico")
    dados.filho("Discriminacao", s.discriminacao[:2000])
    if por_cnae:
        dados.filho("ItemLei116", _item(s.item_lista_servico, "1.07"))
    dados.filho("Quantidade", "1")
    dados.filho("ValorServico", valor(s.valor_servicos))
    dados.filho("ValorDesconto", valor(s.desconto_incondicionado))
    node.filho("Versao", VERSAO)


def _conferido(root: _No) -> bytes:
    """The document, once the schema accepts it (a refusal here is the gateway's bug or a
    field the note carries outside Agili's limits: nothing is sent)."""
    falhas = validate(root.element, ESQUEMA)
    if falhas:
        raise DocumentoInvalido([Erro("fora_do_leiaute", "O documento não segue o esquema da "
                                      "Agili (nfse_v_1.00.xsd): " + "; ".join(falhas[:3]))])
    return etree.tostring(root.element, xml_declaration=True, encoding="UTF-8")


def emissao(nota: Nota, rps: Rps, senha: str | None, opcoes: Mapping[str, Any]) -> bytes:
    """``GerarNfseEnvio`` of the note of ``rps``."""
    missing = problemas(nota)
    if missing:
        raise DocumentoInvalido([Erro(p.codigo, p.mensagem, p.correcao) for p in missing])
    root = _raiz("GerarNfseEnvio", unidade_gestora(opcoes))
    _declaracao(root, nota, rps, chave_digital(senha), opcoes)
    return _conferido(root)


def consulta_rps(nota: Nota, rps: Rps, senha: str | None, opcoes: Mapping[str, Any]) -> bytes:
    """``ConsultarNfseRpsEnvio``: the note of ``rps``, if Agili issued one."""
    root = _raiz("ConsultarNfseRpsEnvio", unidade_gestora(opcoes))
    _identificacao_rps(root, rps)
    _prestador(root, nota, chave_digital(senha))
    root.filho("Versao", VERSAO)
    return _conferido(root)


def cancelamento(nota: Nota, numero: str, justificativa: str, senha: str | None,
                 opcoes: Mapping[str, Any]) -> bytes:
    """``CancelarNfseEnvio`` of NFS-e ``numero``."""
    if not numero.isdigit():
        raise DocumentoInvalido([Erro("numero_invalido", f"Número de NFS-e inválido: {numero}")])
    root = _raiz("CancelarNfseEnvio", unidade_gestora(opcoes))
    pedido = root.filho("PedidoCancelamento")
    identificacao = pedido.filho("IdentificacaoNfse")
    identificacao.filho("Numero", numero)
    _prestador(identificacao, nota, chave_digital(senha))
    pedido.filho("CodigoCancelamento", str(opcoes.get("codigo_cancelamento") or "1"))
    pedido.filho("JustificativaCancelamento", justificativa.strip()[:1000])
    pedido.filho("Versao", VERSAO)
    return _conferido(root)
