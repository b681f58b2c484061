"""Tiplan 1.0 (Itaguaí, Mangaratiba and Piraí, RJ, at ``https://<host>/nfse/WSNacional/
nfse.asmx``): the ABRASF 1.0 documents in the association's one namespace
(``http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd``; nfselib-legacy
``TIPLAN/Tipos_NFSe_v01.xsd``, shipped in ``esquemas/tiplan/``), Ginfes' structure with
``Id``, built in Ginfes' structure and converted. Only the lot is signed, as a whole
(``URI=""``: ACBr ``Tiplan.Provider.pas``, ``TACBrNFSeProviderTiplan``: ``ConfigAssinar.LoteRps``,
``IncluirURI := False``); the item of the service list without its dot (``0107``:
``TNFSeW_Tiplan``, ``filsSemFormatacao``).

SOAP 1.1 at the one address: ``<Operação>Request xmlns="http://www.nfe.com.br/"`` with the
document in ``<inputXML>`` as escaped text, SOAPAction ``http://www.nfe.com.br/<Operação>``,
the answer in ``outputXML`` (``TACBrNFSeXWebserviceTiplan``). The operations keep the ABRASF
names (``RecepcionarLoteRps``, ``ConsultarSituacaoLoteRps``, ``ConsultarLoteRps``,
``ConsultarNfsePorRps``, ``ConsultarNfse``, ``CancelarNfse``)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from lxml import etree

from nfse.providers.abrasf.soap import SOAP11
from nfse.providers.abrasf1 import esquema
from nfse.xml.validate import validate

NS = "http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd"
SERVICO = "http://www.nfe.com.br/"
XSD = esquema.PASTA / "tiplan" / "Tipos_NFSe_v01.xsd"


def problemas(doc: etree._Element) -> list[str]:
    """Every schema error of a Tiplan 1.0 document."""
    if etree.QName(doc).namespace != NS:
        return [f"elemento raiz {etree.QName(doc).text} fora do esquema da Tiplan 1.0"]
    return validate(doc, XSD)


def acao(operacao: str) -> str:
    return SERVICO + operacao


def envelope(operacao: str, dados: str) -> tuple[bytes, dict[str, str]]:
    """The call of ``operacao`` with the document in ``inputXML``, and its SOAPAction."""
    texto = (f'<?xml version="1.0" encoding="utf-8"?>'
             f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>'
             f'<{operacao}Request xmlns="{SERVICO}"><inputXML>{escape(dados)}</inputXML>'
             f"</{operacao}Request></soap:Body></soap:Envelope>")
    return texto.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8",
                                   "SOAPAction": f'"{acao(operacao)}"', "Accept": "text/xml"}
