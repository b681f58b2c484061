"""The SOAP side of Ginfes' ``ServiceGinfesImpl`` as the sandbox reads it: SOAP 1.1, the
operation is the first element of the body (``RecepcionarLoteRpsV3``...; any namespace, as the
service's own is its host's), its strings ``arg0`` (cabecalho) and ``arg1`` (the document) as
escaped text or CDATA. The answer is ``<Op>Response/return`` in the same namespace.

ISSFortaleza's way is read too (ACBr ``ISSFortaleza.Provider.pas``): the strings named
``Cabecalho`` and after the document (``EnviarLoteRpsEnvio``...), answered in an element named
after the answer (``EnviarLoteRpsResposta``...); and Ginfes' v02 cancellation, ``CancelarNfse``
with the document alone (``arg0``, or ``CancelarNfseEnvio``)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from nfse.sandbox.abrasf.soap import SOAP11, FalhaSoap, falha, parser

__all__ = ["CONTENT_TYPE", "Chamada", "FalhaSoap", "falha", "ler", "resposta"]

CONTENT_TYPE = "text/xml; charset=utf-8"
DOCUMENTOS = {
    "RecepcionarLoteRpsV3": "EnviarLoteRpsEnvio",
    "ConsultarSituacaoLoteRpsV3": "ConsultarSituacaoLoteRpsEnvio",
    "ConsultarLoteRpsV3": "ConsultarLoteRpsEnvio",
    "ConsultarNfsePorRpsV3": "ConsultarNfseRpsEnvio",
    "ConsultarNfseV3": "ConsultarNfseEnvio",
    "CancelarNfseV3": "CancelarNfseEnvio",
    "CancelarNfse": "CancelarNfseEnvio",
}
"""Operation → the argument that carries its document in ISSFortaleza's way."""
OPERACOES = tuple(DOCUMENTOS)


@dataclass(frozen=True)
class Chamada:
    operacao: str
    namespace: str
    cabecalho: str | None
    dados: str
    por_documento: bool = False
    """Arguments named after the documents (ISSFortaleza), answered the same way."""


def _argumento(elemento: etree._Element, nome: str) -> str | None:
    for filho in elemento:
        if isinstance(filho.tag, str) and etree.QName(filho).localname == nome:
            conteudo = [c for c in filho if isinstance(c.tag, str)]
            if conteudo and not (filho.text or "").strip():
                return etree.tostring(conteudo[0], encoding="unicode")
            return (filho.text or "").strip()
    return None


def ler(corpo: bytes) -> Chamada:
    """Read one call; ``FalhaSoap`` for anything that is not one."""
    try:
        envelope = etree.fromstring(corpo, parser())
    except etree.XMLSyntaxError as exc:
        raise FalhaSoap(f"Envelope SOAP mal formado: {exc}") from exc
    if etree.QName(envelope).text != f"{{{SOAP11}}}Envelope":
        raise FalhaSoap("O documento não é um envelope SOAP 1.1")
    body = envelope.find(f"{{{SOAP11}}}Body")
    elementos = [e for e in body if isinstance(e.tag, str)] if body is not None else []
    if not elementos:
        raise FalhaSoap("Envelope SOAP sem corpo (Body) ou sem operação")
    nome = etree.QName(elementos[0])
    if nome.localname not in OPERACOES:
        raise FalhaSoap(f"Operação desconhecida: {nome.localname} (esperada uma de "
                        f"{', '.join(OPERACOES)})")
    operacao = elementos[0]
    documento = DOCUMENTOS[nome.localname]
    por_documento = _argumento(operacao, documento) is not None
    if por_documento:
        dados, cabecalho = _argumento(operacao, documento), _argumento(operacao, "Cabecalho")
    elif nome.localname == "CancelarNfse":
        dados, cabecalho = _argumento(operacao, "arg0"), None
    else:
        dados, cabecalho = _argumento(operacao, "arg1"), _argumento(operacao, "arg0")
    if not dados:
        raise FalhaSoap(f"Documento ({documento}, ou arg1) ausente ou vazio em "
                        f"{nome.localname}")
    return Chamada(nome.localname, nome.namespace or "", cabecalho, dados, por_documento)


def resposta(chamada: Chamada, documento: bytes) -> bytes:
    """``<Op>Response/return`` (or ``<Op>Response/<Resposta>``, the answer's own name, for a
    call by document) holding ``documento`` as escaped text."""
    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"soap": SOAP11})
    body = etree.SubElement(envelope, f"{{{SOAP11}}}Body")
    operacao = etree.SubElement(body, f"{{{chamada.namespace}}}{chamada.operacao}Response"
                                if chamada.namespace else f"{chamada.operacao}Response",
                                nsmap={"ns1": chamada.namespace} if chamada.namespace else None)
    nome = etree.QName(etree.fromstring(documento)).localname if chamada.por_documento \
        else "return"
    etree.SubElement(operacao, nome).text = documento.decode("utf-8")
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
