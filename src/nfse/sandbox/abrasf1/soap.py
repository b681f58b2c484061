"""The SOAP side of Ginfes' ``ServiceGinfesImpl`` as the sandbox reads it: SOAP 1.1, the
operation is the first element of the body (``RecepcionarLoteRpsV3``...; any namespace, as the
service's own is its host's), its strings ``arg0`` (cabecalho) and ``arg1`` (the document) as
escaped text or CDATA. The answer is ``<Op>Response/return`` in the same namespace.

ISSFortaleza's way is read too (ACBr ``ISSFortaleza.Provider.pas``): the strings named
``Cabecalho`` and after the document (``EnviarLoteRpsEnvio``...), answered in an element named
after the answer (``EnviarLoteRpsResposta``...); and Ginfes' v02 cancellation, ``CancelarNfse``
with the document alone (``arg0``, or ``CancelarNfseEnvio``); and ISSSalvador's .NET calls
(``tem:EnviarLoteRPS/tem:loteXML``..., ``nfse.sandbox.abrasf1.salvador``), answered with
``<Operação>Result``; and WebISS 1.00's WCF calls (``<Operação xmlns="http://tempuri.org/">``
with ``cabec`` and ``msg``, ``nfse.sandbox.abrasf1.webiss``), answered the same way; and
Tiplan 1.0's (``<Operação>Request`` in ``http://www.nfe.com.br/`` with ``inputXML``,
``nfse.sandbox.abrasf1.tiplan``), answered in ``outputXML``; and SpeedGov's (``<Operação>``
with ``header`` and ``parameters``, ``nfse.sandbox.abrasf1.speedgov``), answered in
``return``; and ISSIntel's (the document as
elements inside ``<urn:<Operação>>``, ``nfse.sandbox.abrasf1.issintel``), answered the same
way; and ISSNet's 1.0 (``<Operação>`` in ``http://www.issnetonline.com.br/webservice/nfd``
with ``<xml>``, ``nfse.sandbox.abrasf1.issnet``), answered in ``<Operação>Result``."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from nfse.sandbox.abrasf.soap import SOAP11, FalhaSoap, falha, parser
from nfse.sandbox.abrasf1 import issintel, issnet, publica, salvador, speedgov, tiplan, webiss

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
ARGUMENTOS_TEMPURI = ("loteXML", "consultaxml")


@dataclass(frozen=True)
class Chamada:
    operacao: str
    """As it came (``RecepcionarLoteRpsV3``, ``EnviarLoteRPS``...)."""
    namespace: str
    cabecalho: str | None
    dados: str
    estilo: str = "arg"
    """``arg`` (Ginfes), ``documento`` (arguments named after the documents: ISSFortaleza)
    ``tempuri`` (ISSSalvador's .NET services) or ``wcf`` (WebISS 1.00's ``cabec``/``msg``);
    answered the same way."""

    @property
    def interna(self) -> str:
        """The Ginfes operation the call plays."""
        if self.estilo == "tempuri":
            return salvador.SERVICOS[self.operacao][0]
        if self.estilo == "wcf":
            return webiss.OPERACOES[self.operacao]
        if self.estilo == "publica":
            return publica.OPERACOES[self.operacao]
        if self.estilo == "inputxml":
            return tiplan.OPERACOES[self.operacao]
        if self.estilo == "speedgov":
            return speedgov.OPERACOES[self.operacao]
        if self.estilo == "urn":
            return issintel.OPERACOES[self.operacao]
        if self.estilo == "xml":
            return issnet.OPERACOES[self.operacao]
        return self.operacao


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
    conteudo = [e for e in elementos[0] if isinstance(e.tag, str)]
    if nome.localname in issintel.OPERACOES and conteudo \
            and etree.QName(conteudo[0]).namespace == issintel.NS:  # ISSIntel: as elements
        documento = etree.fromstring(etree.tostring(conteudo[0]))
        etree.cleanup_namespaces(documento)  # the envelope's, which the signer never saw
        return Chamada(nome.localname, nome.namespace or "", None,
                       etree.tostring(documento, encoding="unicode"), "urn")
    xml_issnet = _argumento(elementos[0], "xml")
    if nome.namespace == issnet.NFD and nome.localname in issnet.OPERACOES and xml_issnet:
        return Chamada(nome.localname, nome.namespace, None, xml_issnet, "xml")
    msg = _argumento(elementos[0], "msg")
    if nome.namespace == webiss.TEMPURI and nome.localname in webiss.OPERACOES and msg:
        return Chamada(nome.localname, nome.namespace, _argumento(elementos[0], "cabec"), msg,
                       "wcf")
    entrada = _argumento(elementos[0], "inputXML")
    operacao_tiplan = nome.localname.removesuffix("Request")
    if nome.namespace == tiplan.SERVICO and operacao_tiplan in tiplan.OPERACOES and entrada:
        return Chamada(operacao_tiplan, nome.namespace, None, entrada, "inputxml")
    parametros = _argumento(elementos[0], "parameters")
    if nome.namespace == speedgov.SERVICO and nome.localname in speedgov.OPERACOES \
            and parametros:
        return Chamada(nome.localname, nome.namespace, _argumento(elementos[0], "header"),
                       parametros, "speedgov")
    xml = _argumento(elementos[0], "XML")
    if nome.namespace == publica.SERVICO and nome.localname in publica.OPERACOES and xml:
        return Chamada(nome.localname, nome.namespace, None, xml, "publica")
    if nome.namespace == salvador.TEMPURI and nome.localname in salvador.SERVICOS:
        dados = next((d for d in (_argumento(elementos[0], a) for a in ARGUMENTOS_TEMPURI)
                      if d), None)
        if not dados:
            raise FalhaSoap(f"Parâmetro loteXML (ou consultaxml) ausente em {nome.localname}")
        return Chamada(nome.localname, nome.namespace, None, dados, "tempuri")
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
    return Chamada(nome.localname, nome.namespace or "", cabecalho, dados,
                   "documento" if por_documento else "arg")


def resposta(chamada: Chamada, documento: bytes) -> bytes:
    """``<Op>Response/return`` (``<Op>Response/<Resposta>``, the answer's own name, for a
    call by document; ``<Op>Response/<Op>Result`` for a .NET one) holding ``documento`` as
    escaped text."""
    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"soap": SOAP11})
    body = etree.SubElement(envelope, f"{{{SOAP11}}}Body")
    operacao = etree.SubElement(body, f"{{{chamada.namespace}}}{chamada.operacao}Response"
                                if chamada.namespace else f"{chamada.operacao}Response",
                                nsmap={"ns1": chamada.namespace} if chamada.namespace else None)
    if chamada.estilo == "documento":
        nome = etree.QName(etree.fromstring(documento)).localname
    elif chamada.estilo == "xml":
        nome = f"{{{chamada.namespace}}}{chamada.operacao}Result"
    elif chamada.estilo in ("tempuri", "wcf"):
        nome = f"{{{salvador.TEMPURI}}}{chamada.operacao}Result"
    elif chamada.estilo == "inputxml":
        nome = f"{{{chamada.namespace}}}outputXML"
    elif chamada.estilo == "urn":  # the answer as elements
        operacao.append(etree.fromstring(documento))
        return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    else:
        nome = "return"
    etree.SubElement(operacao, nome).text = documento.decode("utf-8")
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
