"""Publica (ABRASF 1.0 derived; Santa Catarina, Paraná and Rio Grande do Norte towns at
``https://nfse[12].publica.inf.br/<cidade>_nfse_integracao/Services``): the 1.0 documents in
the one namespace ``http://www.publica.inf.br`` (nfselib-legacy ``PUBLICA/schema_nfse_v03.xsd``,
shipped in ``esquemas/publica/``), built in Ginfes' structure and converted.

Facts (ACBr ``Publica.Provider.pas``, ``TACBrNFSeProviderPublica``; the schema):

- the identifying attribute written ``id`` (``Identificador := 'id'``); ``LoteRps`` carries
  ``versao`` (``AtribVerLote := 'versao'``; ``1.00`` here, not confirmed against the service);
- the service has no ``CodigoCnae``, ``CodigoTributacaoMunicipio``,
  ``RegimeEspecialTributacao`` nor ``ConstrucaoCivil`` (the schema has no room for them; they
  are left out);
- every request signed (``ConfigAssinar``: the lot, both lot queries, the RPS query and the
  cancellation): the lot by its ``id``; the queries as a whole, the signature between
  ``Prestador`` and ``Protocolo`` in the two lot queries and last in the RPS query (the
  schema's order); the cancellation's ``Pedido`` over ``InfPedidoCancelamento id="CANC<n>"``;
- the note's number in 15 digits (``tsNumeroNfse``);
- no client certificate on the connection (``UseCertificateHTTP := False``).

SOAP 1.1 at the one address: ``<ns2:<Operação> xmlns:ns2="http://service.nfse.integracao.ws.
publica/">`` with the document in ``<XML>`` (CDATA), an empty SOAPAction, the answer in
``return`` (``TACBrNFSeXWebservicePublica``; the WSDL of nfselib-legacy
``WSDL/Producao/PItajaiSC-PUBLICA.wsdl``). The operations keep the ABRASF names
(``RecepcionarLoteRps``, ``ConsultarSituacaoLoteRps``, ``ConsultarLoteRps``,
``ConsultarNfsePorRps``, ``CancelarNfse``); the query by number is ``ConsultarNfseFaixa``
with ``ConsultarNfseFaixaEnvio`` (``ConsultarNFSe.DocElemento := 'ConsultarNfseFaixaEnvio'``):
``Prestador``, the signature, ``Faixa`` from and to the one number (``consulta_faixa``)."""

from __future__ import annotations

from lxml import etree

from nfse.certs.a1 import A1
from nfse.providers.abrasf1 import esquema
from nfse.providers.abrasf1.conversao import converter
from nfse.xml.sign import c14n, signature
from nfse.xml.validate import validate

NS = "http://www.publica.inf.br"
SERVICO = "http://service.nfse.integracao.ws.publica/"
XSD = esquema.PASTA / "publica" / "schema_nfse_v03.xsd"
ID = "id"
VERSAO_LOTE = "1.00"
SEM_LUGAR = ("CodigoCnae", "CodigoTributacaoMunicipio", "RegimeEspecialTributacao",
             "ConstrucaoCivil")
"""Ginfes elements the Publica schema has no room for."""
ASSINATURA_NO_MEIO = ("ConsultarSituacaoLoteRpsEnvio", "ConsultarLoteRpsEnvio")
"""Documents whose signature sits between ``Prestador`` and ``Protocolo``."""


def _q(nome: str) -> str:
    return f"{{{NS}}}{nome}"


def _assinatura(alvo: etree._Element, id_: str, a1: A1, algoritmo: str) -> etree._Element:
    return etree.fromstring(signature(c14n(alvo), id_, a1, algoritmo))


def documento(root: etree._Element, a1: A1, algoritmo: str) -> etree._Element:
    """``root`` (a Ginfes-structured request, unsigned) in Publica's layout, signed."""
    doc = converter(root, NS, {}, ID)
    for nome in SEM_LUGAR:
        for elemento in list(doc.iter(_q(nome))):
            elemento.getparent().remove(elemento)
    for numero in doc.iter(_q("IdentificacaoNfse")):
        campo = numero.find(_q("Numero"))
        if campo is not None and (campo.text or "").isdigit():
            campo.text = campo.text.zfill(15)
    raiz = etree.QName(doc).localname
    if raiz == "ConsultarNfseEnvio":
        return consulta_faixa(root, a1, algoritmo)
    lote = doc.find(_q("LoteRps"))
    pedido = doc.find(_q("Pedido"))
    if lote is not None:
        lote.set("versao", VERSAO_LOTE)
        doc.append(_assinatura(lote, lote.get(ID) or "", a1, algoritmo))
    elif pedido is not None:
        inf = pedido.find(_q("InfPedidoCancelamento"))
        inf.set(ID, "CANC" + (inf.findtext(f"{_q('IdentificacaoNfse')}/{_q('Numero')}") or ""))
        pedido.append(_assinatura(inf, inf.get(ID) or "", a1, algoritmo))
    elif raiz in ASSINATURA_NO_MEIO:
        doc.insert(1, _assinatura(doc, "", a1, algoritmo))
    else:
        doc.append(_assinatura(doc, "", a1, algoritmo))
    return doc


def problemas(doc: etree._Element) -> list[str]:
    """Every schema error of a Publica document."""
    if etree.QName(doc).namespace != NS:
        return [f"elemento raiz {etree.QName(doc).text} fora do esquema da Publica"]
    return validate(doc, XSD)


OPERACOES = {"ConsultarNfse": "ConsultarNfseFaixa"}
"""ABRASF 1.0 operation → Publica's name, where it differs."""


def consulta_faixa(root: etree._Element, a1: A1, algoritmo: str) -> etree._Element:
    """A Ginfes ``ConsultarNfseEnvio`` by number (unsigned) as Publica's
    ``ConsultarNfseFaixaEnvio`` from and to that number, signed."""
    doc = etree.Element(_q("ConsultarNfseFaixaEnvio"), nsmap={None: NS})
    prestador = etree.SubElement(doc, _q("Prestador"))
    for campo in ("Cnpj", "InscricaoMunicipal"):
        valor = root.findtext(f"{{*}}Prestador/{{*}}{campo}")
        if valor:
            etree.SubElement(prestador, _q(campo)).text = valor
    faixa = etree.SubElement(doc, _q("Faixa"))
    numero = (root.findtext("{*}NumeroNfse") or "").zfill(15)
    etree.SubElement(faixa, _q("NumeroNfseInicial")).text = numero
    etree.SubElement(faixa, _q("NumeroNfseFinal")).text = numero
    doc.insert(1, _assinatura(doc, "", a1, algoritmo))
    return doc
