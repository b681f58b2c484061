"""The SOAP wrapping of Ginfes' ``ServiceGinfesImpl``: SOAP 1.1, an empty SOAPAction, the
operation element (``RecepcionarLoteRpsV3``...) in the service's namespace with two
unqualified strings, ``arg0`` (the ``cabecalho``) and ``arg1`` (the request document), as
escaped XML text; the answer comes back as the string ``return`` (ACBr ``Ginfes.Provider.pas``,
``TACBrNFSeXWebserviceGinfes``; ``ACBrProvedorGinfesV3.GetSoapAction``).

The service's namespace is the address's own host (``http://producao.ginfes.com.br``,
``http://homologacao.ginfes.com.br``: ACBr ``GetNameSpace``), unless the profile names one
in ``namespace_servico``. Answers are read by ``nfse.providers.abrasf.soap.resposta``, which
already finds the document in ``return``; ``documento`` opens the one carried as text in an
element named after it (ISSFortaleza's ``EnviarLoteRpsResposta``...).

ISSFortaleza (``Dialeto.argumentos == "documento"``) names the arguments ``Cabecalho`` and
after the document, and cancels with ``CancelarNfse`` and the document alone
(``Dialeto.cancelamento == "v02"``; ACBr ``ISSFortaleza.Provider.pas``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from lxml import etree

from nfse.providers.abrasf.soap import SOAP11, parse_documento
from nfse.providers.abrasf1 import issintel, issnet, publica, salvador, speedgov, tiplan, webiss
from nfse.providers.abrasf1.dialeto import GINFES, Dialeto

OPERACOES = {
    "RecepcionarLoteRps": "RecepcionarLoteRpsV3",
    "ConsultarSituacaoLoteRps": "ConsultarSituacaoLoteRpsV3",
    "ConsultarLoteRps": "ConsultarLoteRpsV3",
    "ConsultarNfsePorRps": "ConsultarNfsePorRpsV3",
    "ConsultarNfse": "ConsultarNfseV3",
    "CancelarNfse": "CancelarNfseV3",
}
"""ABRASF 1.0 operation → Ginfes' WSDL operation."""
CANCELAR_V02 = "CancelarNfse"
"""The operation of the v02 cancellation (one argument, no cabecalho)."""
DOCUMENTOS = {
    "RecepcionarLoteRps": "EnviarLoteRpsEnvio",
    "ConsultarSituacaoLoteRps": "ConsultarSituacaoLoteRpsEnvio",
    "ConsultarLoteRps": "ConsultarLoteRpsEnvio",
    "ConsultarNfsePorRps": "ConsultarNfseRpsEnvio",
    "ConsultarNfse": "ConsultarNfseEnvio",
    "CancelarNfse": "CancelarNfseEnvio",
}
"""ABRASF 1.0 operation → its request document, the argument's name in ISSFortaleza."""


def operacao_ws(operacao: str, dialeto: Dialeto) -> str:
    """The WSDL operation of an ABRASF 1.0 operation in ``dialeto``."""
    if dialeto.argumentos == "tempuri":
        return salvador.OPERACOES[operacao][0]
    if dialeto.argumentos == "publica":
        return publica.OPERACOES.get(operacao, operacao)
    if dialeto.argumentos in ("wcf", "inputxml", "speedgov", "urn"):
        return operacao
    if dialeto.argumentos == "xml":
        return issnet.OPERACOES[operacao]
    if operacao == "CancelarNfse" and dialeto.cancelamento == "v02":
        return CANCELAR_V02
    return OPERACOES[operacao]


def namespace_servico(base_url: str, opcoes: Mapping[str, Any], ambiente: str = "") -> str:
    """The WSDL namespace of the operation element; ``{ambiente}`` in the configured one
    becomes ``producao`` or ``homologacao``."""
    configurado = str(opcoes.get("namespace_servico") or "").strip()
    if opcoes.get("argumentos_v1") == "urn" and not configurado:  # ISSIntel: per city
        return issintel.namespace(base_url)
    if configurado:
        return configurado.replace("{ambiente}", ambiente or "producao")
    return f"http://{urlsplit(base_url).hostname or 'localhost'}"


def _argumentos(operacao: str, cabecalho: str, dados: str, dialeto: Dialeto) -> str:
    """The operation's strings: the cabecalho and the document, or the document alone (the
    v02 cancellation: ``arg0`` in Ginfes, ``CancelarNfseEnvio`` in ISSFortaleza)."""
    if dialeto.argumentos == "documento":
        nomes = ("Cabecalho", DOCUMENTOS[operacao])
    else:
        nomes = ("arg0", "arg1")
    if operacao_ws(operacao, dialeto) == CANCELAR_V02:
        nome = nomes[1] if dialeto.argumentos == "documento" else nomes[0]
        return f"<{nome}>{escape(dados)}</{nome}>"
    return (f"<{nomes[0]}>{escape(cabecalho)}</{nomes[0]}>"
            f"<{nomes[1]}>{escape(dados)}</{nomes[1]}>")


def envelope(operacao: str, cabecalho: str, dados: bytes, namespace: str,
             dialeto: Dialeto = GINFES) -> tuple[bytes, dict[str, str]]:
    """The SOAP request of ``operacao`` (an ABRASF name: ``RecepcionarLoteRps``...) and its
    HTTP headers."""
    if dialeto.argumentos == "tempuri":
        return _tempuri(operacao, dados.decode("utf-8"))
    if dialeto.argumentos == "wcf":
        return _wcf(operacao, dados.decode("utf-8"))
    if dialeto.argumentos == "publica":
        return _publica(operacao_ws(operacao, dialeto), dados.decode("utf-8"))
    if dialeto.argumentos == "inputxml":
        return tiplan.envelope(operacao, dados.decode("utf-8"))
    if dialeto.argumentos == "speedgov":
        return _speedgov(operacao, dados.decode("utf-8"))
    if dialeto.argumentos == "urn":
        return issintel.envelope(operacao, dados.decode("utf-8"), namespace)
    if dialeto.argumentos == "xml":
        return issnet.envelope(operacao, dados.decode("utf-8"))
    elemento = operacao_ws(operacao, dialeto)
    texto = (f'<?xml version="1.0" encoding="utf-8"?>'
             f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>'
             f'<ns1:{elemento} xmlns:ns1="{escape(namespace, {chr(34): "&quot;"})}">'
             + _argumentos(operacao, cabecalho, dados.decode("utf-8"), dialeto)
             + f"</ns1:{elemento}></soap:Body></soap:Envelope>")
    return texto.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8",
                                   "SOAPAction": '""', "Accept": "text/xml"}


def _tempuri(operacao: str, dados: str) -> tuple[bytes, dict[str, str]]:
    """ISSSalvador's .NET call: ``tem:<Operação>/tem:<argumento>`` with the document in
    CDATA (escaped text if it could not be), and its SOAPAction."""
    elemento, argumento, _, _ = salvador.OPERACOES[operacao]
    conteudo = _cdata(dados)
    texto = (f'<?xml version="1.0" encoding="utf-8"?>'
             f'<soap:Envelope xmlns:soap="{SOAP11}" xmlns:tem="{salvador.TEMPURI}"><soap:Body>'
             f"<tem:{elemento}><tem:{argumento}>{conteudo}</tem:{argumento}></tem:{elemento}>"
             "</soap:Body></soap:Envelope>")
    return texto.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8",
                                   "SOAPAction": f'"{salvador.acao(operacao)}"',
                                   "Accept": "text/xml"}


def _wcf(operacao: str, dados: str) -> tuple[bytes, dict[str, str]]:
    """WebISS 1.00's WCF call: ``<Operação xmlns="http://tempuri.org/">`` with ``cabec`` and
    ``msg`` as escaped text, and its SOAPAction."""
    texto = (f'<?xml version="1.0" encoding="utf-8"?>'
             f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>'
             f'<{operacao} xmlns="{webiss.TEMPURI}"><cabec>{escape(webiss.CABECALHO)}</cabec>'
             f"<msg>{escape(dados)}</msg></{operacao}></soap:Body></soap:Envelope>")
    return texto.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8",
                                   "SOAPAction": f'"{webiss.acao(operacao)}"',
                                   "Accept": "text/xml"}


def _publica(operacao: str, dados: str) -> tuple[bytes, dict[str, str]]:
    """Publica's call: ``<ns2:<Operação>>`` in its service namespace with the document in
    ``<XML>`` as CDATA (escaped text if it could not be), an empty SOAPAction."""
    conteudo = _cdata(dados)
    texto = (f'<?xml version="1.0" encoding="utf-8"?>'
             f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>'
             f'<ns2:{operacao} xmlns:ns2="{publica.SERVICO}"><XML>{conteudo}</XML>'
             f"</ns2:{operacao}></soap:Body></soap:Envelope>")
    return texto.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8",
                                   "SOAPAction": '""', "Accept": "text/xml"}


def _cdata(texto: str) -> str:
    """``texto`` as CDATA (escaped text if it could not be)."""
    return escape(texto) if "]]>" in texto else f"<![CDATA[{texto}]]>"


def _speedgov(operacao: str, dados: str) -> tuple[bytes, dict[str, str]]:
    """SpeedGov's call: ``<nfse:<Operação>>`` with its cabecalho in ``header`` and the
    document in ``parameters``, both CDATA; an empty SOAPAction."""
    texto = (f'<?xml version="1.0" encoding="utf-8"?>'
             f'<soap:Envelope xmlns:soap="{SOAP11}" xmlns:nfse="{speedgov.SERVICO}">'
             f"<soap:Body><nfse:{operacao}><header>{_cdata(speedgov.CABECALHO)}</header>"
             f"<parameters>{_cdata(dados)}</parameters></nfse:{operacao}></soap:Body>"
             "</soap:Envelope>")
    return texto.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8",
                                   "SOAPAction": '""', "Accept": "text/xml"}


def endereco(base_url: str, operacao: str, dialeto: Dialeto) -> str:
    """Where ``operacao`` is sent: the system's one address, or (ISSSalvador) the
    operation's own service beside it."""
    if dialeto.argumentos == "tempuri":
        return salvador.endereco(base_url, operacao)
    return base_url


def documento(parsed: etree._Element) -> etree._Element:
    """The answer document: ``parsed`` itself, or the one it carries as text when it is the
    element named after the answer (``<EnviarLoteRpsResposta>&lt;EnviarLoteRpsResposta
    ...``)."""
    if len(parsed) == 0 and (parsed.text or "").strip().startswith("<"):
        dentro = parse_documento(parsed.text or "")
        if dentro is not None:
            return dentro
    return parsed
