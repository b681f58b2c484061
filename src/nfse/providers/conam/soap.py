"""Conam's GeneXus SOAP service (``aws_nfe.aspx``): SOAP 1.1, the operation element
``nfe:ws_nfe.<OPERAÇÃO>`` in the namespace ``NFe`` with the request document as its child
(elements without namespace), SOAPAction ``NFeaction/AWS_NFE.<OPERAÇÃO>``; the answer is the
output document of each operation (``Sdt_processarpsout``...) somewhere in the Body, as
elements or as escaped text (ACBr ``Conam.Provider.pas``, ``TACBrNFSeXWebserviceConam``)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from lxml import etree

from nfse.providers.abrasf import soap as abrasf_soap
from nfse.providers.abrasf.soap import SOAP11, Falha, parse_documento

NAMESPACE = "NFe"
PROCESSAR = "PROCESSARPS"
SITUACAO = "CONSULTAPROTOCOLO"
NOTAS = "CONSULTANOTASPROTOCOLO"
CANCELAR = "CANCELANOTAELETRONICA"
SAIDAS = {PROCESSAR: "Sdt_processarpsout", SITUACAO: "Sdt_consultaprotocoloout",
          NOTAS: "Sdt_consultanotasprotocoloout", CANCELAR: "Sdt_retornocancelanfe"}
"""Each operation's output document."""


def endereco(base_url: str) -> str:
    """The service's address without the ``?wsdl`` some registry entries carry (Ferraz de
    Vasconcelos)."""
    partes = urlsplit(base_url)
    return urlunsplit(partes._replace(query="")) if partes.query.lower() == "wsdl" \
        else base_url


def envelope(operacao: str, documento: bytes) -> tuple[bytes, dict[str, str]]:
    """The SOAP request of ``operacao`` carrying ``documento`` and its HTTP headers."""
    texto = (f'<?xml version="1.0" encoding="utf-8"?>'
             f'<soapenv:Envelope xmlns:soapenv="{SOAP11}" xmlns:nfe="{NAMESPACE}">'
             f"<soapenv:Header/><soapenv:Body><nfe:ws_nfe.{operacao}>"
             + documento.decode("utf-8")
             + f"</nfe:ws_nfe.{operacao}></soapenv:Body></soapenv:Envelope>")
    return texto.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8",
                                   "SOAPAction": f'"{NAMESPACE}action/AWS_NFE.{operacao}"',
                                   "Accept": "text/xml"}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def resposta(body: bytes, operacao: str) -> etree._Element | Falha | None:
    """The output document of ``operacao`` in a SOAP response, its Fault, or None when the
    body carries neither."""
    falha = abrasf_soap.resposta(body, operacao)
    if isinstance(falha, Falha):
        return falha
    try:
        root = etree.fromstring(body, abrasf_soap.parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    saida = SAIDAS[operacao]
    for element in root.iter():
        if _local(element) != saida:
            continue
        if len(element) == 0 and (element.text or "").strip().startswith("<"):
            dentro = parse_documento(element.text or "")
            return dentro if dentro is not None and _local(dentro) == saida else None
        return element
    for element in root.iter():  # the document as text inside the operation's answer
        texto = (element.text or "").strip()
        if len(element) == 0 and texto.startswith("<") and saida in texto:
            dentro = parse_documento(texto)
            if dentro is not None:
                return dentro if _local(dentro) == saida else dentro.find(f".//{saida}")
    return None
