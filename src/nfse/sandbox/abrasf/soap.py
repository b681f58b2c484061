"""The SOAP side of the ABRASF 2.x web service, read with the sandbox's own parser.

One endpoint for every operation. A call is SOAP 1.1 (``text/xml`` + ``SOAPAction``) or SOAP
1.2 (``application/soap+xml; action=...``); the operation is the first element of the body
(``GerarNfseRequest`` or ``GerarNfse`` in ``http://nfse.abrasf.org.br``) or, failing that,
the last segment of the action. The two parameters ``nfseCabecMsg`` and ``nfseDadosMsg``
come qualified or not, their XML as escaped text or CDATA (or, tolerated, as child
elements). The answer goes back in the same SOAP version as ``<Op>Response/outputXML``."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from lxml import etree

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WS = "http://nfse.abrasf.org.br"
CONTENT_TYPES = {SOAP11: "text/xml; charset=utf-8",
                 SOAP12: "application/soap+xml; charset=utf-8"}
OPERACOES = ("RecepcionarLoteRps", "RecepcionarLoteRpsSincrono", "GerarNfse", "CancelarNfse",
             "SubstituirNfse", "ConsultarLoteRps", "ConsultarNfsePorRps",
             "ConsultarNfseServicoPrestado", "ConsultarNfseServicoTomado",
             "ConsultarNfsePorFaixa")
NOMES_ABRASF_1 = {"ConsultarNfseRps": "ConsultarNfsePorRps",
                  "ConsultarNfseFaixa": "ConsultarNfsePorFaixa"}
"""Operations some 2.0x systems still call by their ABRASF 1.0 name (Sintese)."""
_parsers = threading.local()


def parser() -> etree.XMLParser:
    """A parser that resolves no entity and fetches nothing (one per thread: lxml parsers
    are not meant to be shared between threads)."""
    if not hasattr(_parsers, "parser"):
        _parsers.parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return _parsers.parser


class FalhaSoap(Exception):
    """A call that cannot be read as an ABRASF SOAP call: answered with a SOAP Fault."""

    def __init__(self, mensagem: str, soap: str = SOAP11, cliente: bool = True):
        super().__init__(mensagem)
        self.soap = soap
        self.cliente = cliente


@dataclass(frozen=True)
class Chamada:
    soap: str
    """The envelope namespace (SOAP 1.1 or 1.2): the answer uses the same."""
    operacao: str
    cabecalho: str | None
    dados: str
    qualificado: bool
    """Whether the parameters came in the service namespace (the answer's ``outputXML``
    follows)."""


def _versao_provavel(content_type: str) -> str:
    return SOAP12 if "application/soap+xml" in content_type.lower() else SOAP11


def _acao(content_type: str, soap_action: str | None) -> str:
    """The SOAP action: the ``SOAPAction`` header (1.1) or the ``action`` parameter of the
    content type (1.2)."""
    if soap_action:
        return soap_action.strip().strip('"')
    match = re.search(r'action\s*=\s*"?([^";]*)"?', content_type, re.IGNORECASE)
    return match.group(1).strip() if match else ""


def _operacao_da_acao(acao: str) -> str | None:
    nome = re.split(r"[/#:]", acao.rstrip("/"))[-1] if acao else ""
    nome = NOMES_ABRASF_1.get(nome.removesuffix("Request"), nome.removesuffix("Request"))
    return nome if nome in OPERACOES else None


def _parametro(elemento: etree._Element, nome: str) -> tuple[str | None, bool]:
    """The XML text of parameter ``nome`` and whether it came qualified."""
    for filho in elemento:
        if not isinstance(filho.tag, str):
            continue
        tag = etree.QName(filho)
        if tag.localname != nome or tag.namespace not in (None, WS, etree.QName(elemento)
                                                          .namespace):
            continue
        conteudo = [c for c in filho if isinstance(c.tag, str)]
        if conteudo and not (filho.text or "").strip():
            return etree.tostring(conteudo[0], encoding="unicode"), tag.namespace is not None
        return (filho.text or "").strip(), tag.namespace is not None
    return None, False


def ler(corpo: bytes, content_type: str, soap_action: str | None) -> Chamada:
    """Read one call; raises ``FalhaSoap`` for anything that is not one."""
    provavel = _versao_provavel(content_type)
    try:
        envelope = etree.fromstring(corpo, parser())
    except etree.XMLSyntaxError as exc:
        raise FalhaSoap(f"Envelope SOAP mal formado: {exc}", provavel) from exc
    tag = etree.QName(envelope)
    if tag.localname != "Envelope" or tag.namespace not in (SOAP11, SOAP12):
        raise FalhaSoap("O documento não é um envelope SOAP 1.1 nem 1.2", provavel)
    soap = tag.namespace
    body = envelope.find(f"{{{soap}}}Body")
    elementos = [e for e in body if isinstance(e.tag, str)] if body is not None else []
    if not elementos:
        raise FalhaSoap("Envelope SOAP sem corpo (Body) ou sem operação", soap)
    pedido = elementos[0]
    nome = etree.QName(pedido)
    operacao = nome.localname.removesuffix("Request")
    if nome.namespace != WS or operacao not in OPERACOES:
        operacao = _operacao_da_acao(_acao(content_type, soap_action)) or ""
    if not operacao:
        raise FalhaSoap(f"Operação desconhecida: {{{nome.namespace or ''}}}{nome.localname}"
                        f" (esperada uma de {', '.join(OPERACOES)} em {WS})", soap)
    interno = [e for e in pedido if isinstance(e.tag, str)
               and etree.QName(e).localname == f"{nome.localname}Request"]
    if _parametro(pedido, "nfseDadosMsg")[0] is None and len(interno) == 1:
        pedido = interno[0]  # <Op><OpRequest>...</OpRequest></Op> (EL)
    cabecalho, _ = _parametro(pedido, "nfseCabecMsg")
    dados, qualificado = _parametro(pedido, "nfseDadosMsg")
    if not dados:
        raise FalhaSoap(f"Parâmetro nfseDadosMsg ausente ou vazio em {nome.localname}", soap)
    return Chamada(soap=soap, operacao=operacao, cabecalho=cabecalho or None, dados=dados,
                   qualificado=qualificado)


def resposta(chamada: Chamada, documento: bytes) -> bytes:
    """``<Op>Response/outputXML`` holding ``documento`` as escaped text."""
    envelope = etree.Element(f"{{{chamada.soap}}}Envelope", nsmap={"soap": chamada.soap})
    body = etree.SubElement(envelope, f"{{{chamada.soap}}}Body")
    operacao = etree.SubElement(body, f"{{{WS}}}{chamada.operacao}Response",
                                nsmap={"ns2": WS})
    saida = etree.SubElement(operacao, f"{{{WS}}}outputXML" if chamada.qualificado
                             else "outputXML")
    saida.text = documento.decode("utf-8")
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def falha(soap: str, mensagem: str, cliente: bool = True) -> bytes:
    """A SOAP Fault in the given version (sent with HTTP 500, as SOAP does)."""
    envelope = etree.Element(f"{{{soap}}}Envelope", nsmap={"soap": soap})
    body = etree.SubElement(envelope, f"{{{soap}}}Body")
    fault = etree.SubElement(body, f"{{{soap}}}Fault")
    if soap == SOAP12:
        code = etree.SubElement(fault, f"{{{soap}}}Code")
        etree.SubElement(code, f"{{{soap}}}Value").text = \
            f"soap:{'Sender' if cliente else 'Receiver'}"
        reason = etree.SubElement(fault, f"{{{soap}}}Reason")
        text = etree.SubElement(reason, f"{{{soap}}}Text")
        text.set("{http://www.w3.org/XML/1998/namespace}lang", "pt-BR")
        text.text = mensagem
    else:
        etree.SubElement(fault, "faultcode").text = f"soap:{'Client' if cliente else 'Server'}"
        etree.SubElement(fault, "faultstring").text = mensagem
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
