"""The SOAP 1.2 wrapping of the Paulistana web service (``lotenfe.asmx``): the body element
``<Op>Request`` in ``http://www.prefeitura.sp.gov.br/nfe`` carries ``VersaoSchema`` and
``MensagemXML`` (the request document as escaped text); the answer's
``<Op>Response/RetornoXML`` carries the ``Retorno...`` document the same way. The action is
``http://www.prefeitura.sp.gov.br/nfe/ws/<op>`` with the operation's first letter in lower
case, as the WSDL writes it (``envioRPS``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from xml.sax.saxutils import escape

from lxml import etree

NS = "http://www.prefeitura.sp.gov.br/nfe"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
ACAO = "http://www.prefeitura.sp.gov.br/nfe/ws/"
_local = threading.local()


def parser() -> etree.XMLParser:
    """One parser per thread; no entities, no network."""
    found = getattr(_local, "parser", None)
    if found is None:
        found = _local.parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return found


ACOES = {"TesteEnvioLoteRPS": "testeenvio"}
"""The WSDL's actions that are not the operation's name with a lower-case first letter."""


def acao(operacao: str) -> str:
    return ACAO + ACOES.get(operacao, operacao[0].lower() + operacao[1:])


def envelope(operacao: str, versao: int, mensagem: bytes) -> tuple[bytes, dict[str, str]]:
    """The SOAP 1.2 request and its headers."""
    text = (f'<?xml version="1.0" encoding="utf-8"?>'
            f'<soap12:Envelope xmlns:soap12="{SOAP12}"><soap12:Body>'
            f'<{operacao}Request xmlns="{NS}"><VersaoSchema>{versao}</VersaoSchema>'
            f"<MensagemXML>{escape(mensagem.decode('utf-8'))}</MensagemXML>"
            f"</{operacao}Request></soap12:Body></soap12:Envelope>")
    if versao == 1:
        headers = {"Content-Type": f'application/soap+xml; charset=utf-8; '
                                   f'action="{acao(operacao)}"'}
    else:
        headers = {"Content-Type": "application/soap+xml; charset=utf-8",
                   "SOAPAction": acao(operacao)}
    headers["Accept"] = "application/soap+xml"
    return text.encode("utf-8"), headers


@dataclass(frozen=True)
class Falha:
    """A SOAP Fault; ``do_cliente`` when the message itself was refused (nothing ran)."""

    codigo: str
    mensagem: str

    @property
    def do_cliente(self) -> bool:
        return self.codigo in ("Sender", "Client", "VersionMismatch", "MustUnderstand")


def _local_name(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _elements(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _fault(fault: etree._Element) -> Falha:
    code = message = ""
    for node in fault.iter():
        name = _local_name(node)
        if name in ("Value", "faultcode") and not code:
            code = (node.text or "").strip()
        elif name in ("Text", "faultstring") and not message:
            message = (node.text or "").strip()
    return Falha(code.rsplit(":", 1)[-1] or "Receiver", message)


def resposta(body: bytes) -> etree._Element | Falha | None:
    """The ``Retorno...`` document of a SOAP answer, its Fault, or None when unreadable."""
    try:
        root = etree.fromstring(body, parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    if _local_name(root).startswith("Retorno"):
        return root
    corpo = next((c for c in _elements(root) if _local_name(c) == "Body"), None) \
        if _local_name(root) == "Envelope" else None
    conteudo = _elements(corpo) if corpo is not None else []
    if not conteudo:
        return None
    if _local_name(conteudo[0]) == "Fault":
        return _fault(conteudo[0])
    retorno = next((c for c in _elements(conteudo[0]) if _local_name(c) == "RetornoXML"), None)
    if retorno is None:
        return None
    inline = _elements(retorno)
    if inline:
        return inline[0]
    text = (retorno.text or "").strip()
    if text.startswith("<?xml"):
        text = text[text.find("?>") + 2:].strip()
    try:
        return etree.fromstring(text.encode("utf-8"), parser()) if text else None
    except etree.XMLSyntaxError:
        return None
