"""The SOAP wrapping of the ABRASF 2.x WSDLs: the body element ``<Op>Request`` (in the
provider's service namespace) carries two strings, ``nfseCabecMsg`` (the ``cabecalho``) and
``nfseDadosMsg`` (the request document), as escaped XML text; the answer comes back as one
string (``outputXML``, ``return``, ``<Op>Result``...) to be parsed again.

Reading answers is tolerant because the providers are: CDATA or escaped text, the answer
inline as elements, a BOM or an XML declaration with another encoding inside the string,
any namespace on the wrapper."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from xml.sax.saxutils import escape

from lxml import etree

from nfse.providers.abrasf.variante import Variante

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
ANSWER_NAMES = ("outputXML", "return", "Result", "RetornoXML", "xml")
"""Names of the string child that carries the answer, in order of preference (plus
``<Op>Result``, the .NET convention)."""
PARAMETROS = {"cabecalho_dados": ("nfseCabecMsg", "nfseDadosMsg"),
              "cabecalho_xml": ("cabecalho", "xml")}
"""The two string parameters of each ``forma_documento`` that carries them (fintelISS names
them ``cabecalho`` and ``xml``)."""
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
CLIENT_FAULTS = ("Client", "Sender", "VersionMismatch", "MustUnderstand")
"""Fault codes meaning the request was refused as a message: nothing was processed."""

_local = threading.local()


def parser() -> etree.XMLParser:
    """One parser per thread (an lxml parser must not be shared); no entities, no network."""
    found = getattr(_local, "parser", None)
    if found is None:
        found = _local.parser = etree.XMLParser(resolve_entities=False, no_network=True,
                                                huge_tree=False)
    return found


def envelope(operacao: str, cabecalho: str, dados: bytes, variante: Variante,
             cabecalho_soap: str = "",
             parametros: tuple[str, str] = PARAMETROS["cabecalho_dados"],
             ) -> tuple[bytes, dict[str, str]]:
    """The SOAP request and its HTTP headers (Content-Type and the action);
    ``cabecalho_soap``: the content of a SOAP ``Header`` (WS-Security), none when empty."""
    soap = SOAP12 if variante.versao_soap == "1.2" else SOAP11
    prefix = "ws:" if variante.parametros_qualificados else ""
    nome = variante.nome(operacao)
    element = f"ws:{nome}{variante.sufixo_requisicao}"
    namespace = f' xmlns:ws="{escape(variante.namespace_servico, {chr(34): "&quot;"})}"'
    cabec, dados_msg = (f"{prefix}{nome}" for nome in parametros)
    pedido = (f"<{element}{'' if variante.envolver_operacao else namespace}>"
              f"<{cabec}>{escape(cabecalho)}</{cabec}>"
              f"<{dados_msg}>{escape(dados.decode('utf-8'))}</{dados_msg}>"
              f"</{element}>")
    if variante.envolver_operacao:
        pedido = f"<ws:{nome}{namespace}>{pedido}</ws:{nome}>"
    text = (f'<?xml version="1.0" encoding="utf-8"?>'
            f'<soap:Envelope xmlns:soap="{soap}">'
            f'{f"<soap:Header>{cabecalho_soap}</soap:Header>" if cabecalho_soap else ""}'
            f"<soap:Body>{pedido}</soap:Body></soap:Envelope>")
    action = variante.acao(operacao)
    if variante.versao_soap == "1.2":
        headers = {"Content-Type": f'application/soap+xml; charset=utf-8; action="{action}"',
                   "Accept": "application/soap+xml, text/xml"}
    else:
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"',
                   "Accept": "text/xml"}
    return text.encode("utf-8"), headers


@dataclass(frozen=True)
class Falha:
    """A SOAP Fault: ``codigo`` is the local part of the fault code (Client, Server,
    Sender, Receiver...)."""

    codigo: str
    mensagem: str

    @property
    def do_cliente(self) -> bool:
        """The message itself was refused (malformed, wrong action, not authorised): the
        operation did not run."""
        return self.codigo.split(".")[0] in CLIENT_FAULTS


def _local_name(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _text(element: etree._Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _fault(fault: etree._Element) -> Falha:
    code = ""
    message = ""
    for child in _children(fault):
        name = _local_name(child)
        if name == "faultcode":  # SOAP 1.1
            code = _text(child)
        elif name == "faultstring":
            message = _text(child)
        elif name == "Code":  # SOAP 1.2: Code/Value (+ Subcode/Value)
            value = next((c for c in _children(child) if _local_name(c) == "Value"), None)
            code = _text(value)
        elif name == "Reason":
            message = " ".join(_text(c) for c in _children(child)) or _text(child)
    return Falha(codigo=code.rsplit(":", 1)[-1] or "Server", mensagem=message)


def parse_documento(text: str) -> etree._Element | None:
    """An XML document carried as a string (declaration and BOM dropped: the string is
    already decoded, whatever encoding the declaration names)."""
    text = _DECLARATION.sub("", text.lstrip("\ufeff"), count=1).strip()
    if not text.startswith("<"):
        return None
    try:
        return etree.fromstring(text, parser())
    except (etree.XMLSyntaxError, ValueError):
        return None


def _payload(wrapper: etree._Element, operacao: str, depth: int = 0) -> etree._Element | None:
    """The answer document inside the response wrapper element."""
    children = _children(wrapper)
    if not children:
        return parse_documento(wrapper.text or "")
    names = {_local_name(c): c for c in children}
    for name in (*ANSWER_NAMES, f"{operacao}Result"):
        if name in names:
            chosen = names[name]
            break
    else:
        if len(children) != 1:
            return None
        chosen = children[0]
    if _local_name(chosen).endswith("Resposta"):  # the answer inline, as elements
        return chosen
    if depth < 2 and _children(chosen):
        return _payload(chosen, operacao, depth + 1)
    return parse_documento(_text(chosen))


def resposta(body: bytes, operacao: str) -> etree._Element | Falha | None:
    """The ABRASF answer document of a SOAP response, its Fault, or None when the body is
    no readable answer."""
    try:
        root = etree.fromstring(body, parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    if _local_name(root).endswith("Resposta"):  # a bare answer, without envelope
        return root
    if _local_name(root) != "Envelope":
        return None
    soap_body = next((c for c in _children(root) if _local_name(c) == "Body"), None)
    content = _children(soap_body) if soap_body is not None else []
    if not content:
        return None
    first = content[0]
    if _local_name(first) == "Fault":
        return _fault(first)
    if _local_name(first).endswith("Resposta"):
        return first
    return _payload(first, operacao)
