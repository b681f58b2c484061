"""The SOAP wrapping of Ginfes' ``ServiceGinfesImpl``: SOAP 1.1, an empty SOAPAction, the
operation element (``RecepcionarLoteRpsV3``...) in the service's namespace with two
unqualified strings, ``arg0`` (the ``cabecalho``) and ``arg1`` (the request document), as
escaped XML text; the answer comes back as the string ``return`` (ACBr ``Ginfes.Provider.pas``,
``TACBrNFSeXWebserviceGinfes``; ``ACBrProvedorGinfesV3.GetSoapAction``).

The service's namespace is the address's own host (``http://producao.ginfes.com.br``,
``http://homologacao.ginfes.com.br``: ACBr ``GetNameSpace``), unless the profile names one
in ``namespace_servico``. Answers are read by ``nfse.providers.abrasf.soap.resposta``, which
already finds the document in ``return``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from nfse.providers.abrasf.soap import SOAP11

OPERACOES = {
    "RecepcionarLoteRps": "RecepcionarLoteRpsV3",
    "ConsultarSituacaoLoteRps": "ConsultarSituacaoLoteRpsV3",
    "ConsultarLoteRps": "ConsultarLoteRpsV3",
    "ConsultarNfsePorRps": "ConsultarNfsePorRpsV3",
    "ConsultarNfse": "ConsultarNfseV3",
    "CancelarNfse": "CancelarNfseV3",
}
"""ABRASF 1.0 operation → Ginfes' WSDL operation."""


def namespace_servico(base_url: str, opcoes: Mapping[str, Any]) -> str:
    """The WSDL namespace of the operation element."""
    configurado = str(opcoes.get("namespace_servico") or "").strip()
    if configurado:
        return configurado
    return f"http://{urlsplit(base_url).hostname or 'localhost'}"


def envelope(operacao: str, cabecalho: str, dados: bytes,
             namespace: str) -> tuple[bytes, dict[str, str]]:
    """The SOAP request of ``operacao`` (an ABRASF name: ``RecepcionarLoteRps``...) and its
    HTTP headers."""
    elemento = OPERACOES[operacao]
    texto = (f'<?xml version="1.0" encoding="utf-8"?>'
             f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>'
             f'<ns1:{elemento} xmlns:ns1="{escape(namespace, {chr(34): "&quot;"})}">'
             f"<arg0>{escape(cabecalho)}</arg0>"
             f"<arg1>{escape(dados.decode('utf-8'))}</arg1>"
             f"</ns1:{elemento}></soap:Body></soap:Envelope>")
    return texto.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8",
                                   "SOAPAction": '""', "Accept": "text/xml"}
