"""The ABRASF 1.0 request documents in the Ginfes v03 schemas, built from the normalised note,
signed, and checked against the shipped schemas before they may leave.

Ginfes signs every message (ACBr ``Ginfes.Provider.pas``, ``ConfigAssinar``: lot, queries and
cancellation) with one enveloped signature, the last child of the root (of ``Pedido`` in a
cancellation, where ``CancelarNfseEnvio`` has no room before it). The lot's references its
``LoteRps`` by ``Id="Lote_<número>"`` (ACBr ``ACBrNFSeXProviderABRASFv1.PrepararEmitir``);
the other documents have no ``Id`` and are signed as a whole, ``Reference URI=""``
(``ACBrProvedorGinfesV3.GetURI``: "No provedor Ginfes a URI não é informada"). The RPS
itself is not signed (``AssinaRPS := False``).

Values in Ginfes' dialect (ACBr ``Ginfes.GravarXml.pas``): the rate as a fraction
(``DivAliq100``: 5 % → ``0.05``), the withholdings always present (zero included), the
cancellation code in four digits (``FormatFloat('0000')``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.digitos import so_digitos
from nfse.model.errors import Problema
from nfse.model.nota import Endereco, Nota, Pessoa
from nfse.providers.abrasf.pedidos import DocumentoInvalido, item_lista, optante_simples
from nfse.providers.abrasf.soap import parser
from nfse.providers.abrasf.variante import Variante
from nfse.providers.abrasf1 import (
    esquema,
    issintel,
    issnet,
    publica,
    salvador,
    speedgov,
    tiplan,
    webiss,
)
from nfse.providers.abrasf1.conversao import converter
from nfse.providers.abrasf1.dialeto import dialeto_de
from nfse.providers.base import Emissor, Erro, Rps
from nfse.xml.sign import c14n, sign, signature

TIPOS = esquema.TIPOS
VERSAO = "3"
CABECALHO = (f'<ns2:cabecalho versao="{VERSAO}" xmlns:ns2="{esquema.CABECALHO}">'
             f"<versaoDados>{VERSAO}</versaoDados></ns2:cabecalho>")
"""The ``arg0`` of every operation but the v2 cancellation (``Ginfes.Provider.pas``,
``DadosCabecalho``)."""
TIPO_RPS = "1"
STATUS_NORMAL = "1"
_DIGITOS = re.compile(r"\D")

__all__ = ["CABECALHO", "DocumentoInvalido", "problemas"]


# -- checks at POST ---------------------------------------------------------------------------

def _problema(campo: str, correcao: str, ausente: bool = False) -> Problema:
    return Problema(campo, f'Parâmetro "{campo}" {"não informado" if ausente else "inválido"}',
                    correcao)


def problemas(nota: Nota) -> list[Problema]:
    """What the ABRASF 1.0 layout (Ginfes v03 schemas) needs beyond the contract."""
    found: list[Problema] = []
    prestador = nota.prestador
    if not prestador.cnpj:
        found.append(_problema("prestador.cnpj", "No padrão ABRASF 1.0 (Ginfes) o prestador é "
                               "identificado pelo CNPJ; CPF não é aceito", ausente=True))
    if not prestador.inscricao_municipal:
        found.append(_problema("prestador.inscricao_municipal", "O lote ABRASF 1.0 exige a "
                               "inscrição municipal do prestador", ausente=True))
    elif len(prestador.inscricao_municipal) > 15:
        found.append(_problema("prestador.inscricao_municipal",
                               "No padrão ABRASF a inscrição municipal tem até 15 caracteres"))
    s = nota.servico
    if len(s.discriminacao) > 2000:
        found.append(_problema("servico.discriminacao",
                               "No padrão ABRASF a discriminação tem até 2000 caracteres"))
    if s.aliquota is not None and s.aliquota != s.aliquota.quantize(Decimal("0.01")):
        found.append(_problema("servico.aliquota", "No padrão ABRASF 1.0 a alíquota vai como "
                               "fração com até 4 casas (5% = 0.05): informe o percentual com "
                               "até 2 casas decimais"))
    for papel, pessoa in (("tomador", nota.tomador), ("intermediario", nota.intermediario)):
        if pessoa is None:
            continue
        if len(pessoa.razao_social or "") > 115:
            found.append(_problema(f"{papel}.razao_social", "No padrão ABRASF 1.0 a razão "
                                   "social tem até 115 caracteres"))
        if len(pessoa.inscricao_municipal or "") > 15:
            found.append(_problema(f"{papel}.inscricao_municipal", "No padrão ABRASF a "
                                   "inscrição municipal tem até 15 caracteres"))
    inter = nota.intermediario
    if inter is not None:
        if not (inter.cnpj or inter.cpf):
            found.append(_problema("intermediario.cnpj", "O padrão ABRASF 1.0 identifica o "
                                   "intermediário por CPF ou CNPJ", ausente=True))
        if not inter.razao_social:
            found.append(_problema("intermediario.razao_social", "O padrão ABRASF 1.0 exige o "
                                   "nome do intermediário", ausente=True))
    if bool(nota.codigo_obra) != bool(nota.art):
        found.append(_problema("art" if nota.codigo_obra else "codigo_obra", "No padrão ABRASF "
                               "1.0 a construção civil leva o código da obra e a ART juntos",
                               ausente=True))
    return found


# -- building ---------------------------------------------------------------------------------

def _el(parent: etree._Element, tag: str, text: str | None = None,
        ns: str | None = TIPOS) -> etree._Element:
    """A child in ``ns``; the first of a ``tipos`` subtree declares it as its default
    namespace. No prefix is declared on the root: inclusive C14N would carry it into the
    SignedInfo, whose bytes are fixed (``nfse.xml.sign``)."""
    if ns is None:
        child = etree.SubElement(parent, tag)
    elif ns == TIPOS and etree.QName(parent).namespace != TIPOS:
        child = etree.SubElement(parent, f"{{{ns}}}{tag}", nsmap={None: ns})
    else:
        child = etree.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        child.text = text
    return child


def _raiz(nome: str) -> etree._Element:
    return etree.Element(f"{{{esquema.namespace(nome)}}}{nome}",
                         nsmap={None: esquema.namespace(nome)})


def _valor(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


def _fracao(percentual: Decimal) -> str:
    """A percentage as Ginfes' fraction (``tsAliquota``: 5 digits, 4 after the point)."""
    return f"{(percentual / 100).quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):.4f}"


def _sim_nao(value: bool) -> str:
    return "1" if value else "2"


def _prestador(parent: etree._Element, nota: Nota, ns: str | None = TIPOS) -> None:
    node = _el(parent, "Prestador", ns=ns)
    _el(node, "Cnpj", nota.prestador.cnpj or "")
    if nota.prestador.inscricao_municipal:
        _el(node, "InscricaoMunicipal", nota.prestador.inscricao_municipal)


def _cpf_cnpj(parent: etree._Element, pessoa: Pessoa) -> None:
    node = _el(parent, "CpfCnpj")
    if pessoa.cnpj:
        _el(node, "Cnpj", pessoa.cnpj)
    else:
        _el(node, "Cpf", pessoa.cpf)


def _endereco(parent: etree._Element, end: Endereco) -> None:
    node = _el(parent, "Endereco")
    for tag, value in (("Endereco", end.logradouro), ("Numero", end.numero),
                       ("Complemento", end.complemento), ("Bairro", end.bairro),
                       ("CodigoMunicipio", end.codigo_municipio), ("Uf", end.uf),
                       ("Cep", _DIGITOS.sub("", end.cep or "") or None)):
        if value:
            _el(node, tag, value)


def _tomador(parent: etree._Element, tomador: Pessoa | None) -> None:
    """``Tomador`` is required by the schema, empty when the note has none."""
    node = _el(parent, "Tomador")
    if tomador is None:
        return
    if tomador.cnpj or tomador.cpf or tomador.inscricao_municipal:
        ident = _el(node, "IdentificacaoTomador")
        if tomador.cnpj or tomador.cpf:
            _cpf_cnpj(ident, tomador)
        if tomador.inscricao_municipal:
            _el(ident, "InscricaoMunicipal", tomador.inscricao_municipal)
    if tomador.razao_social:
        _el(node, "RazaoSocial", tomador.razao_social)
    if tomador.endereco is not None and tomador.endereco.codigo_pais in (None, "", "1058",
                                                                         "BR"):
        _endereco(node, tomador.endereco)
    telefone = _DIGITOS.sub("", tomador.telefone or "")
    email = tomador.email if tomador.email and len(tomador.email) <= 80 else None
    if (telefone and len(telefone) <= 11) or email:
        contato = _el(node, "Contato")
        if telefone and len(telefone) <= 11:
            _el(contato, "Telefone", telefone)
        if email:
            _el(contato, "Email", email)


def _valores(parent: etree._Element, nota: Nota) -> None:
    s = nota.servico
    v = _el(parent, "Valores")
    _el(v, "ValorServicos", _valor(s.valor_servicos))
    if s.valor_deducoes:
        _el(v, "ValorDeducoes", _valor(s.valor_deducoes))
    for tag, value in (("ValorPis", s.valor_pis), ("ValorCofins", s.valor_cofins),
                       ("ValorInss", s.valor_inss), ("ValorIr", s.valor_ir),
                       ("ValorCsll", s.valor_csll)):
        _el(v, tag, _valor(value))
    _el(v, "IssRetido", _sim_nao(s.iss_retido))
    if s.valor_iss is not None:
        _el(v, "ValorIss", _valor(s.valor_iss))
    if s.iss_retido and (s.valor_iss_retido or s.valor_iss):
        _el(v, "ValorIssRetido", _valor(s.valor_iss_retido or s.valor_iss or Decimal(0)))
    if s.outras_retencoes:
        _el(v, "OutrasRetencoes", _valor(s.outras_retencoes))
    _el(v, "BaseCalculo", _valor(s.base_calculo))
    if s.aliquota:
        _el(v, "Aliquota", _fracao(s.aliquota))
    _el(v, "ValorLiquidoNfse", _valor(s.valor_liquido))
    if s.desconto_incondicionado:
        _el(v, "DescontoIncondicionado", _valor(s.desconto_incondicionado))
    if s.desconto_condicionado:
        _el(v, "DescontoCondicionado", _valor(s.desconto_condicionado))


def _identificacao_rps(parent: etree._Element, numero: str, serie: str, tipo: str,
                       ns: str | None = TIPOS) -> None:
    node = _el(parent, "IdentificacaoRps", ns=ns)
    _el(node, "Numero", numero)
    _el(node, "Serie", serie)
    _el(node, "Tipo", tipo)


def _inf_rps(parent: etree._Element, nota: Nota, rps: Rps, emissor: Emissor,
             variante: Variante) -> None:
    inf = _el(_el(parent, "Rps"), "InfRps")
    _identificacao_rps(inf, str(rps.numero), rps.serie, TIPO_RPS)
    momento = nota.data_emissao.astimezone(SAO_PAULO) if nota.data_emissao.tzinfo \
        else nota.data_emissao
    agora = datetime.now(SAO_PAULO).replace(tzinfo=None)
    _el(inf, "DataEmissao", min(momento.replace(tzinfo=None, microsecond=0),
                                agora.replace(microsecond=0)).isoformat())
    _el(inf, "NaturezaOperacao", str(nota.natureza_operacao))
    if nota.regime_especial_tributacao:
        _el(inf, "RegimeEspecialTributacao", str(nota.regime_especial_tributacao))
    _el(inf, "OptanteSimplesNacional", _sim_nao(optante_simples(nota, emissor)))
    _el(inf, "IncentivadorCultural", _sim_nao(nota.incentivador_cultural))
    _el(inf, "Status", STATUS_NORMAL)
    s = nota.servico
    servico = _el(inf, "Servico")
    _valores(servico, nota)
    _el(servico, "ItemListaServico", item_lista(nota, variante))
    if s.codigo_cnae:
        _el(servico, "CodigoCnae", s.codigo_cnae)
    if s.codigo_tributario_municipio:
        _el(servico, "CodigoTributacaoMunicipio", s.codigo_tributario_municipio)
    _el(servico, "Discriminacao", s.discriminacao)
    _el(servico, "CodigoMunicipio", s.codigo_municipio)
    _prestador(inf, nota)
    _tomador(inf, nota.tomador)
    inter = nota.intermediario
    if inter is not None:
        node = _el(inf, "IntermediarioServico")
        _el(node, "RazaoSocial", inter.razao_social)
        _cpf_cnpj(node, inter)
        if inter.inscricao_municipal:
            _el(node, "InscricaoMunicipal", inter.inscricao_municipal)
    if nota.codigo_obra and nota.art:
        obra = _el(inf, "ConstrucaoCivil")
        _el(obra, "CodigoObra", nota.codigo_obra)
        _el(obra, "Art", nota.art)


# -- signing and checking ---------------------------------------------------------------------

def _assinado(root: etree._Element, emissor: Emissor, variante: Variante,
              dentro: etree._Element | None = None) -> etree._Element:
    """Sign the whole document (``URI=""``); the Signature goes last in ``dentro`` (default:
    the root). The enveloped transform drops it wherever it sits, so the digest is the
    root's C14N before it is added."""
    if dentro is None:
        sign(root, root, emissor.a1, variante.assinatura)
    else:
        dentro.append(etree.fromstring(signature(c14n(root), "", emissor.a1,
                                                 variante.assinatura)))
    return root


def _verificado(root: etree._Element, checar: Callable[[etree._Element], list[str]]
                = esquema.problemas, nome: str = "Ginfes v03") -> bytes:
    """The document as bytes after the schema check of those very bytes (read again: a tree
    built by hand may serialise otherwise); a failure is our bug."""
    documento = etree.tostring(root, encoding="UTF-8")
    found = checar(etree.fromstring(documento, parser()))
    if found:
        raise DocumentoInvalido([
            Erro("erro_schema", f"Documento fora do leiaute ABRASF 1.0 ({nome}): {p}",
                 "Erro do gateway ao montar o XML; informe o suporte") for p in found[:10]])
    return documento


def _assinar_id(parent: etree._Element, alvo: etree._Element, emissor: Emissor,
                variante: Variante) -> None:
    """Sign ``alvo`` by its ``id`` (Salvador's spelling); the Signature goes last in
    ``parent``."""
    parent.append(etree.fromstring(signature(c14n(alvo), alvo.get(salvador.ID) or "",
                                             emissor.a1, variante.assinatura)))


def _fechar(root: etree._Element, emissor: Emissor, variante: Variante,
            lote: etree._Element | None = None) -> bytes:
    """Sign and check a document built in Ginfes' structure, in the system's layout: Ginfes
    signs the lot by its Id and every other document as a whole; WebISS 1.00's documents are
    converted to its namespace, the lot alone signed; Salvador's converted
    (``conversao.converter``), each RPS and the lot signed by their ``id``, the queries left
    unsigned; Tiplan 1.0's converted, the lot signed as a whole (``URI=""``); ISSIntel's
    converted, the lot and the cancellation signed by their ``Id`` (``issintel.assinar``);
    ISSNet's reshaped (``issnet.converter``), the lot and the cancellation signed as a whole,
    the latter inside ``Pedido``."""
    leiaute = dialeto_de(emissor.opcoes).leiaute
    if leiaute == "publica":
        return _verificado(publica.documento(root, emissor.a1, variante.assinatura),
                           publica.problemas, "Publica")
    if leiaute == "speedgov":
        return _verificado(speedgov.documento(root, emissor.a1, variante.assinatura),
                           speedgov.problemas, "SpeedGov")
    if leiaute == "abrasf_nfse":
        doc = converter(root, webiss.NS, {}, "Id")
        alvo = doc.find(f"{{{webiss.NS}}}LoteRps") if lote is not None else None
        if alvo is not None:
            sign(doc, alvo, emissor.a1, variante.assinatura)
        return _verificado(doc, webiss.problemas, "WebISS 1.00")
    if leiaute == "issnet":
        doc = issnet.converter(root)
        pedido = doc.find("Pedido")
        if lote is not None:
            _assinado(doc, emissor, variante)
        elif pedido is not None:
            _assinado(doc, emissor, variante, dentro=pedido)
        return _verificado(doc, issnet.problemas, "ISSNet")
    if leiaute == "issintel":
        doc = converter(root, issintel.NS, {}, "Id")
        issintel.assinar(doc, emissor.a1, variante.assinatura)
        return _verificado(doc, issintel.problemas, "ISSIntel")
    if leiaute == "tiplan":
        doc = converter(root, tiplan.NS, {}, "Id")
        if lote is not None:
            sign(doc, doc, emissor.a1, variante.assinatura)
        return _verificado(doc, tiplan.problemas, "Tiplan 1.0")
    if leiaute != "salvador":
        if lote is not None:
            sign(root, lote, emissor.a1, variante.assinatura)
        else:
            _assinado(root, emissor, variante)
        return _verificado(root)
    doc = converter(root, salvador.NS, salvador.RENOMEADOS, salvador.ID)
    if lote is not None:
        for rps in doc.iter(f"{{{salvador.NS}}}Rps"):
            inf = rps.find(f"{{{salvador.NS}}}InfRps")
            numero = inf.findtext(f"{{{salvador.NS}}}IdentificacaoRps/{{{salvador.NS}}}Numero")
            inf.set(salvador.ID, f"Rps_{numero}")
            _assinar_id(rps, inf, emissor, variante)
        _assinar_id(doc, doc.find(f"{{{salvador.NS}}}LoteRps"), emissor, variante)
    return _verificado(doc, salvador.problemas, "Salvador")


def _exigir(nota: Nota) -> None:
    missing = problemas(nota)
    if missing:
        raise DocumentoInvalido([Erro(p.codigo, p.mensagem, p.correcao) for p in missing])


def lote_rps(nota: Nota, rps: Rps, emissor: Emissor, variante: Variante) -> bytes:
    """``EnviarLoteRpsEnvio``: a lot of one RPS, signed. The lot number is the RPS number:
    allocated once, so a resend after NOT_FOUND repeats it."""
    _exigir(nota)
    root = _raiz("EnviarLoteRpsEnvio")
    lote = _el(root, "LoteRps", ns=esquema.namespace("EnviarLoteRpsEnvio"))
    lote.set("Id", f"Lote_{rps.numero}")
    _el(lote, "NumeroLote", str(rps.numero))
    _el(lote, "Cnpj", nota.prestador.cnpj or "")
    _el(lote, "InscricaoMunicipal", nota.prestador.inscricao_municipal)
    _el(lote, "QuantidadeRps", "1")
    try:
        _inf_rps(_el(lote, "ListaRps"), nota, rps, emissor, variante)
    except ValueError as exc:  # lxml refuses text XML cannot carry (control characters)
        raise DocumentoInvalido([Erro("requisicao_invalida", "A nota contém caracteres não "
                                      f"permitidos em XML: {exc}")]) from exc
    dialeto = dialeto_de(emissor.opcoes)
    if dialeto.leiaute == "issintel":
        issintel.acrescentar(lote, nota)
    if dialeto.aliquota == "percentual":  # ACBr's NaoDividir100
        for aliquota in lote.iter(f"{{{TIPOS}}}Aliquota"):
            aliquota.text = f"{Decimal(aliquota.text) * 100:.4f}"
    return _fechar(root, emissor, variante, lote)


def _com_prestador(raiz: str, nota: Nota) -> etree._Element:
    root = _raiz(raiz)
    _prestador(root, nota, ns=esquema.namespace(raiz))
    return root


def consultar_situacao(nota: Nota, protocolo: str, emissor: Emissor,
                       variante: Variante) -> bytes:
    """``ConsultarSituacaoLoteRpsEnvio``: 1 não recebido, 2 não processado, 3 processado com
    erro, 4 processado com sucesso."""
    root = _com_prestador("ConsultarSituacaoLoteRpsEnvio", nota)
    _el(root, "Protocolo", protocolo, ns=esquema.namespace("ConsultarSituacaoLoteRpsEnvio"))
    return _fechar(root, emissor, variante)


def consultar_lote(nota: Nota, protocolo: str, emissor: Emissor, variante: Variante) -> bytes:
    """``ConsultarLoteRpsEnvio``: the notes (or the messages) of a processed lot."""
    root = _com_prestador("ConsultarLoteRpsEnvio", nota)
    _el(root, "Protocolo", protocolo, ns=esquema.namespace("ConsultarLoteRpsEnvio"))
    return _fechar(root, emissor, variante)


def consultar_nfse_rps(nota: Nota, rps: Rps, emissor: Emissor, variante: Variante) -> bytes:
    """``ConsultarNfseRpsEnvio``: the reconciliation query."""
    raiz = "ConsultarNfseRpsEnvio"
    root = _raiz(raiz)
    _identificacao_rps(root, str(rps.numero), rps.serie, TIPO_RPS, ns=esquema.namespace(raiz))
    _prestador(root, nota, ns=esquema.namespace(raiz))
    return _fechar(root, emissor, variante)


def numero_nfse(numero: str) -> str:
    if not so_digitos(numero) or len(numero) > 15:
        raise DocumentoInvalido([Erro("requisicao_invalida",
                                      f"Número de NFS-e inválido para o padrão ABRASF: "
                                      f"{numero!r}")])
    return str(int(numero))


def consultar_nfse(nota: Nota, numero: str, emissor: Emissor, variante: Variante) -> bytes:
    """``ConsultarNfseEnvio`` by number: the note as the municipality holds it now (with
    ``NfseCancelamento`` once cancelled)."""
    raiz = "ConsultarNfseEnvio"
    root = _com_prestador(raiz, nota)
    _el(root, "NumeroNfse", numero_nfse(numero), ns=esquema.namespace(raiz))
    return _fechar(root, emissor, variante)


def cancelar_nfse(nota: Nota, numero: str, emissor: Emissor, variante: Variante) -> bytes:
    """``CancelarNfseEnvio`` (v03): the signed request to cancel NFS-e ``numero``. The
    schema leaves ``Pedido`` unqualified; its content is in the ``tipos`` namespace."""
    # Written as text: ``Pedido`` must undeclare the default namespace (xmlns=""), which a
    # tree built by lxml would drop when serialised.
    ident = _raiz("CancelarNfseEnvio")
    _el(ident, "Numero", numero_nfse(numero))
    _el(ident, "Cnpj", nota.prestador.cnpj or "")
    if nota.prestador.inscricao_municipal:
        _el(ident, "InscricaoMunicipal", nota.prestador.inscricao_municipal)
    _el(ident, "CodigoMunicipio", nota.prestador.codigo_municipio)
    campos = "".join(etree.tostring(c, encoding="unicode").replace(f' xmlns="{TIPOS}"', "")
                     for c in ident)
    codigo = f"{int(variante.codigo_cancelamento):04d}"
    if dialeto_de(emissor.opcoes).leiaute in ("abrasf_nfse", "tiplan", "issintel", "issnet"):
        codigo = str(int(variante.codigo_cancelamento))  # Pedido qualified
    root = etree.fromstring(
        f'<CancelarNfseEnvio xmlns="{esquema.namespace("CancelarNfseEnvio")}"><Pedido xmlns="">'
        f'<InfPedidoCancelamento xmlns="{TIPOS}"><IdentificacaoNfse>{campos}'
        f"</IdentificacaoNfse><CodigoCancelamento>{codigo}</CodigoCancelamento>"
        "</InfPedidoCancelamento></Pedido></CancelarNfseEnvio>", parser())
    if dialeto_de(emissor.opcoes).leiaute in ("abrasf_nfse", "publica", "tiplan", "speedgov",
                                              "issintel", "issnet"):
        return _fechar(root, emissor, variante)
    return _verificado(_assinado(root, emissor, variante, dentro=root[0]))


def cancelar_nfse_v02(nota: Nota, numero: str, emissor: Emissor, variante: Variante) -> bytes:
    """Ginfes' v02 ``CancelarNfseEnvio`` (ISSFortaleza: ACBr ``ISSFortaleza.Provider.pas``,
    ``PrepararCancelaNFSe``): the prestador and the note's number, signed as a whole; no
    coded reason."""
    root = etree.Element(f"{{{esquema.CANCELAR_V02}}}CancelarNfseEnvio",
                         nsmap={None: esquema.CANCELAR_V02})
    prestador = _el(root, "Prestador", ns=esquema.CANCELAR_V02)
    etree.SubElement(prestador, f"{{{esquema.TIPOS_V02}}}Cnpj",
                     nsmap={None: esquema.TIPOS_V02}).text = nota.prestador.cnpj or ""
    if nota.prestador.inscricao_municipal:
        etree.SubElement(prestador, f"{{{esquema.TIPOS_V02}}}InscricaoMunicipal",
                         nsmap={None: esquema.TIPOS_V02}).text = \
            nota.prestador.inscricao_municipal
    _el(root, "NumeroNfse", numero_nfse(numero), ns=esquema.CANCELAR_V02)
    return _verificado(_assinado(root, emissor, variante))
