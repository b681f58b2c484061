"""ISSNet's ABRASF 1.0 web service (Barcarena/PA, at
``https://abrasf.issnetonline.com.br/webserviceabrasf/barcarena/servicos.asmx``): the ABRASF 1.0
documents in ISSNet's own namespaces (nfselib-legacy ``ISSNET``: ``servico_*_envio.xsd`` in
``http://www.issnetonline.com.br/webserviceabrasf/vsd/<arquivo>``, the types in
``.../tipos_complexos.xsd``; shipped in ``esquemas/issnet/``). Built in Ginfes' structure, each
element moved from Ginfes' namespace to ISSNet's matching one, then reshaped where ISSNet's
types differ (``ISSNet.Provider.pas``, ``TACBrNFSeProviderISSNet``; the schemas): the
prestador's and the lot's ``Cnpj`` inside ``CpfCnpj``, ``Cidade``/``Estado`` in addresses,
``MunicipioPrestacaoServico`` in the service, ``ContrucaoCivil``, the item of the service
list without dot nor leading zero (``107``: ``TNFSeW_ISSNet``,
``filsSemFormatacaoSemZeroEsquerda``; ``tsItemListaServico`` has at most 4 characters); no
identifying attribute (``Identificador := ''``). The lot and the cancellation are signed as
a whole (``URI=""``; ``ConfigAssinar.LoteRps``, ``CancelarNFSe``), the cancellation's
signature inside ``Pedido``.

SOAP 1.1 at the city's address: ``<Operação xmlns="http://www.issnetonline.com.br/webservice/nfd">``
with the document, its XML declaration included, as escaped text in ``<xml>``; SOAPAction
``http://www.issnetonline.com.br/webservice/nfd/<Operação>``; the answer in
``<Operação>Result``. Two operations have ISSNet's own names: ``ConsultaSituacaoLoteRPS`` and
``ConsultarNFSePorRPS`` (``TACBrNFSeXWebserviceISSNet``)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from lxml import etree

from nfse.providers.abrasf.soap import SOAP11
from nfse.providers.abrasf1 import esquema
from nfse.xml.validate import validate

VSD = "http://www.issnetonline.com.br/webserviceabrasf/vsd/"
TIPOS = VSD + "tipos_complexos.xsd"
NFD = "http://www.issnetonline.com.br/webservice/nfd"
PASTA = esquema.PASTA / "issnet"
OPERACOES = {
    "RecepcionarLoteRps": "RecepcionarLoteRps",
    "ConsultarSituacaoLoteRps": "ConsultaSituacaoLoteRPS",
    "ConsultarLoteRps": "ConsultarLoteRps",
    "ConsultarNfsePorRps": "ConsultarNFSePorRPS",
    "ConsultarNfse": "ConsultarNfse",
    "CancelarNfse": "CancelarNfse",
}
"""ABRASF 1.0 operation → ISSNet's."""
CPF_CNPJ = frozenset({"LoteRps", "Prestador", "IdentificacaoPrestador"})
"""The elements whose ``Cnpj`` ISSNet writes inside ``CpfCnpj`` (``tcLoteRps``,
``tcIdentificacaoPrestador``)."""
RENOMEADOS = {("Endereco", "CodigoMunicipio"): "Cidade", ("Endereco", "Uf"): "Estado",
              ("Servico", "CodigoMunicipio"): "MunicipioPrestacaoServico",
              (None, "ConstrucaoCivil"): "ContrucaoCivil"}
"""(parent, Ginfes' name) → ISSNet's name; ``None`` for any parent."""


def arquivo(raiz: str) -> str:
    """The schema file of a document (``EnviarLoteRpsEnvio`` →
    ``servico_enviar_lote_rps_envio.xsd``); its namespace is ``VSD`` + the file name."""
    return esquema.SERVICOS[raiz].removesuffix("_v03.xsd") + ".xsd"


def problemas(doc: etree._Element) -> list[str]:
    """Every schema error of an ISSNet 1.0 document."""
    nome = etree.QName(doc)
    try:
        ns = VSD + arquivo(nome.localname)
    except KeyError:
        ns = None
    if nome.namespace != ns:
        return [f"elemento raiz {nome.text} fora dos esquemas ABRASF 1.0 do ISSNet"]
    return validate(doc, PASTA / arquivo(nome.localname))


def renomear(elemento: etree._Element, de_para: dict[tuple[str | None, str], str]) -> str:
    """The local name ``elemento`` takes under ``de_para`` (by its parent's name, or any)."""
    nome = etree.QName(elemento).localname
    pai = elemento.getparent()
    chave_pai = etree.QName(pai).localname if pai is not None else None
    return de_para.get((chave_pai, nome)) or de_para.get((None, nome)) or nome


def _filho(destino: etree._Element, ns: str | None, nome: str) -> etree._Element:
    """A child in ``ns``, declared as the default namespace where it changes: no prefix may
    be in scope of a signature (the inclusive C14N of its ``SignedInfo`` would carry it)."""
    if ns is None:
        return etree.SubElement(destino, nome)
    if etree.QName(destino).namespace == ns:
        return etree.SubElement(destino, f"{{{ns}}}{nome}")
    return etree.SubElement(destino, f"{{{ns}}}{nome}", nsmap={None: ns})


def converter(root: etree._Element) -> etree._Element:
    """A Ginfes-structured request (unsigned) in ISSNet's namespaces and shapes."""
    servico = VSD + arquivo(etree.QName(root).localname)

    def ns_de(origem: etree._Element) -> str | None:
        ns = etree.QName(origem).namespace
        if ns is None:
            return None
        return TIPOS if ns.endswith("tipos_v03.xsd") else servico

    def copia(origem: etree._Element, destino: etree._Element) -> None:
        nome = renomear(origem, RENOMEADOS)
        if nome == "Cnpj" and etree.QName(destino).localname in CPF_CNPJ:
            destino = _filho(destino, TIPOS, "CpfCnpj")
        novo = _filho(destino, ns_de(origem), nome)
        novo.text = origem.text
        if nome == "ItemListaServico" and novo.text:  # 0107 → 107
            novo.text = novo.text.lstrip("0")
        for filho in origem:
            if isinstance(filho.tag, str):
                copia(filho, novo)

    doc = etree.Element(f"{{{servico}}}{etree.QName(root).localname}", nsmap={None: servico})
    for filho in root:
        if isinstance(filho.tag, str):
            copia(filho, doc)
    # lxml would leave the cancellation's unqualified Pedido in the root's default
    # namespace when serialised: undeclare it in the text
    texto = etree.tostring(doc, encoding="unicode").replace("<Pedido>", '<Pedido xmlns="">', 1)
    return etree.fromstring(texto)


def envelope(operacao: str, dados: str) -> tuple[bytes, dict[str, str]]:
    """The call of ``operacao`` with the document (and its declaration) in ``<xml>``, and its
    SOAPAction."""
    if not dados.startswith("<?xml"):
        dados = '<?xml version="1.0" encoding="UTF-8"?>' + dados
    nome = OPERACOES[operacao]
    texto = (f'<?xml version="1.0" encoding="utf-8"?>'
             f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>'
             f'<{nome} xmlns="{NFD}"><xml>{escape(dados)}</xml></{nome}>'
             "</soap:Body></soap:Envelope>")
    return texto.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8",
                                   "SOAPAction": f'"{NFD}/{nome}"', "Accept": "text/xml"}
