"""The SOAP side of Ginfes' ``ServiceGinfesImpl`` as the sandbox reads it: SOAP 1.1, the
operation is the first element of the body (``RecepcionarLoteRpsV3``...; any namespace, as the
service's own is its host's), its strings ``arg0`` (cabecalho) and ``arg1`` (the document) as
escaped text or CDATA. The answer is ``<Op>Response/return`` in the same namespace."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from nfse.sandbox.abrasf.soap import SOAP11, FalhaSoap, falha, parser

__all__ = ["CONTENT_TYPE", "Chamada", "FalhaSoap", "falha", "ler", "resposta"]

CONTENT_TYPE = "text/xml; charset=utf-8"
OPERACOES = ("RecepcionarLoteRpsV3", "ConsultarSituacaoLoteRpsV3", "ConsultarLoteRpsV3",
             "ConsultarNfsePorRpsV3", "ConsultarNfseV3", "CancelarNfseV3")


@dataclass(frozen=True)
class Chamada:
    operacao: str
    namespace: str
    cabecalho: str | None
    dados: str


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
    dados = _argumento(elementos[0], "arg1")
    if not dados:
        raise FalhaSoap(f"Parâmetro arg1 ausente ou vazio em {nome.localname}")
    return Chamada(nome.localname, nome.namespace or "", _argumento(elementos[0], "arg0"),
                   dados)


def resposta(chamada: Chamada, documento: bytes) -> bytes:
    """``<Op>Response/return`` holding ``documento`` as escaped text."""
    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"soap": SOAP11})
    body = etree.SubElement(envelope, f"{{{SOAP11}}}Body")
    operacao = etree.SubElement(body, f"{{{chamada.namespace}}}{chamada.operacao}Response"
                                if chamada.namespace else f"{chamada.operacao}Response",
                                nsmap={"ns1": chamada.namespace} if chamada.namespace else None)
    etree.SubElement(operacao, "return").text = documento.decode("utf-8")
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
