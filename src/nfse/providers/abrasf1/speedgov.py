"""SpeedGov 1.00 (cities of Maranhão, Piauí, Ceará... at ``http://www.speedgov.com.br/
ws<sigla>/Nfes``, plain http only: served under ``NFSE_PERMITIR_HTTP_MUNICIPAL``,
docs/http-municipal.md): Ginfes' v03 documents in SpeedGov's own schemas (ACBr's
``Exemplos/ACBrDFe/Schemas/NFSe/SpeedGov/1.00``, shipped in ``esquemas/speedgov/``): each
request's root in its schema's namespace (``http://ws.speedgov.com.br/enviar_lote_rps_envio_
v1.xsd``...), everything below it unqualified (``elementFormDefault="unqualified"``).

Facts (ACBr ``SpeedGov.Provider.pas``, ``TACBrNFSeProviderSpeedGov``, derived from the ABRASF
1.0 provider): the lot signed by its ``Id``, and the cancellation (``ConfigAssinar.LoteRps``,
``CancelarNFSe``), the RPS not; the cancellation's ``InfPedidoCancelamento`` carries an
``Id`` (``IdAttr``), ``IdentificacaoNfse`` with ``CodigoMunicipio``; no client certificate
(``UseCertificateHTTP := False``); the cabecalho ``<cabecalho xmlns="http://ws.speedgov.com.
br/cabecalho_v1.xsd" versao="1"><versaoDados xmlns="">1</versaoDados></cabecalho>``
(``DadosCabecalho``).

SOAP 1.1 at the one address (``TACBrNFSeXWebserviceSpeedGov``): ``<nfse:<Operação>>`` in
``http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd`` with ``<header>`` (the cabecalho) and
``<parameters>`` (the document), both as CDATA, an empty SOAPAction; the ABRASF operation
names (``RecepcionarLoteRps``, ``ConsultarSituacaoLoteRps``, ``ConsultarLoteRps``,
``ConsultarNfsePorRps``, ``ConsultarNfse``, ``CancelarNfse``); the answer in ``return``."""

from __future__ import annotations

from lxml import etree

from nfse.certs.a1 import A1
from nfse.providers.abrasf1 import esquema
from nfse.providers.abrasf1.conversao import converter
from nfse.xml.sign import c14n, signature
from nfse.xml.validate import validate

BASE = "http://ws.speedgov.com.br/"
SERVICO = "http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd"
PASTA = esquema.PASTA / "speedgov"
ARQUIVOS = {
    "EnviarLoteRpsEnvio": "enviar_lote_rps_envio_v1.xsd",
    "ConsultarSituacaoLoteRpsEnvio": "consultar_situacao_lote_rps_envio_v1.xsd",
    "ConsultarLoteRpsEnvio": "consultar_lote_rps_envio_v1.xsd",
    "ConsultarNfseRpsEnvio": "consultar_nfse_rps_envio_v1.xsd",
    "ConsultarNfseEnvio": "consultar_nfse_envio_v1.xsd",
    "CancelarNfseEnvio": "cancelar_nfse_envio_v1.xsd",
}
CABECALHO = (f'<cabecalho xmlns="{BASE}cabecalho_v1.xsd" versao="1">'
             '<versaoDados xmlns="">1</versaoDados></cabecalho>')


def documento(root: etree._Element, a1: A1, algoritmo: str) -> etree._Element:
    """``root`` (a Ginfes-structured request, unsigned) in SpeedGov's layout; the lot signed
    by its ``Id`` after it, the cancellation's ``Pedido`` over its ``InfPedidoCancelamento``."""
    raiz = etree.QName(root).localname
    doc = converter(root, BASE + ARQUIVOS[raiz], {}, "Id", ns_filhos="")
    lote = doc.find("LoteRps")
    pedido = doc.find("Pedido")
    if lote is not None:
        doc.append(etree.fromstring(signature(c14n(lote), lote.get("Id") or "", a1,
                                              algoritmo)))
    elif pedido is not None:
        inf = pedido.find("InfPedidoCancelamento")
        inf.set("Id", "C" + (inf.findtext("IdentificacaoNfse/Numero") or ""))
        pedido.append(etree.fromstring(signature(c14n(inf), inf.get("Id") or "", a1,
                                                 algoritmo)))
    return _como_a_speedgov(doc)


def _como_a_speedgov(doc: etree._Element) -> etree._Element:
    """``doc`` (built with its namespace under a prefix) written as SpeedGov writes it: the
    namespace as the root's default, undeclared (``xmlns=""``) on each child. The signatures
    are the same: no namespace is in scope below the root either way, so the signed
    elements canonicalise alike; with the prefix, a verifier would render it on them."""
    raiz = etree.QName(doc)
    filhos = []
    for filho in doc:
        copia = etree.fromstring(etree.tostring(filho))
        etree.cleanup_namespaces(copia)  # the root's prefix, declared again on the copy
        texto = etree.tostring(copia, encoding="unicode")
        if etree.QName(filho).namespace is None:
            nome = etree.QName(filho).localname
            texto = texto.replace(f"<{nome}", f'<{nome} xmlns=""', 1)
        filhos.append(texto)
    return etree.fromstring(f'<{raiz.localname} xmlns="{raiz.namespace}">{"".join(filhos)}'
                            f"</{raiz.localname}>")


def problemas(doc: etree._Element) -> list[str]:
    """Every schema error of a SpeedGov request document."""
    nome = etree.QName(doc)
    arquivo = ARQUIVOS.get(nome.localname)
    if arquivo is None or nome.namespace != BASE + arquivo:
        return [f"elemento raiz {nome.text} fora dos esquemas SpeedGov 1.00"]
    return validate(doc, PASTA / arquivo)
