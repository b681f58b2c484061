"""Equiplano's SOAP 1.1 service (``.../services/Enfs``; facts from ACBr's
``TACBrNFSeXWebserviceEquiplano``): the operation ``ser:<operação>`` in
``http://services.enfsws.es`` with ``ser:nrVersaoXml`` (``1``) and ``ser:xml`` (the document
as text), SOAPAction ``urn:<operação>``; the answer document as text in ``return``."""

from __future__ import annotations

from xml.sax.saxutils import escape

from lxml import etree

from nfse.providers.abrasf.soap import SOAP11, Falha, resposta

NS_SERVICO = "http://services.enfsws.es"
OPERACOES = {
    "emissao": "esRecepcionarLoteRps",
    "situacao_lote": "esConsultarSituacaoLoteRps",
    "consulta_lote": "esConsultarLoteRps",
    "consulta_rps": "esConsultarNfsePorRps",
    "cancelamento": "esCancelarNfse",
}
"""The service's operation of each of our requests."""


def envelope(operacao: str, documento: bytes, versao: str) -> tuple[bytes, dict[str, str]]:
    """The SOAP request of ``documento`` and its HTTP headers."""
    nome = OPERACOES[operacao]
    texto = (f'<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="{SOAP11}"'
             f' xmlns:ser="{NS_SERVICO}"><soapenv:Body><ser:{nome}>'
             f"<ser:nrVersaoXml>{versao}</ser:nrVersaoXml>"
             f"<ser:xml>{escape(documento.decode('utf-8'))}</ser:xml>"
             f"</ser:{nome}></soapenv:Body></soapenv:Envelope>")
    return texto.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8",
                                   "SOAPAction": f'"urn:{nome}"', "Accept": "text/xml"}


def documento(body: bytes, operacao: str) -> etree._Element | Falha | None:
    """The answer document of a SOAP response, its Fault, or None."""
    return resposta(body, OPERACOES[operacao])
