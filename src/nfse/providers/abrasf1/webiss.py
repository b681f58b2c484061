"""WebISS 1.00 (16 municipalities at ``https://www[1-4].webiss.com.br/<cidade>_wsnfse/
NfseServices.svc``): the ABRASF 1.0 documents in ``http://www.abrasf.org.br/nfse`` (the
schemas of nfselib-legacy's ``WEBISS`` folder, ``servico_*_envio.xsd`` and
``tipos_complexos.xsd``, shipped in ``esquemas/``), Ginfes' structure in one namespace with
``Id``; only the lot signed (ACBr ``WebISS.Provider.pas``, ``TACBrNFSeProviderWebISS``:
``ConfigAssinar.LoteRps``).

WCF over SOAP 1.1 at one address: ``<Operação xmlns="http://tempuri.org/">`` with ``cabec``
(the cabecalho) and ``msg`` (the document), both escaped text, SOAPAction
``http://tempuri.org/INfseServices/<Operação>``, the answer in ``<Operação>Result``
(``TACBrNFSeXWebserviceWebISS``). The cabecalho is ACBr's ``GetCabecalho``:
``<cabecalho versao=".." xmlns="http://www.abrasf.org.br/nfse"><versaoDados>..``; its version
for WebISS 1.00 (``1.00`` here) was not confirmed against the service."""

from __future__ import annotations

from lxml import etree

from nfse.providers.abrasf1 import esquema
from nfse.xml.validate import validate

NS = "http://www.abrasf.org.br/nfse"
TEMPURI = "http://tempuri.org/"
VERSAO = "1.00"
CABECALHO = (f'<cabecalho versao="{VERSAO}" xmlns="{NS}"><versaoDados>{VERSAO}</versaoDados>'
             "</cabecalho>")
ESQUEMAS = {
    "EnviarLoteRpsEnvio": "servico_enviar_lote_rps_envio.xsd",
    "ConsultarSituacaoLoteRpsEnvio": "servico_consultar_situacao_lote_rps_envio.xsd",
    "ConsultarLoteRpsEnvio": "servico_consultar_lote_rps_envio.xsd",
    "ConsultarNfseRpsEnvio": "servico_consultar_nfse_rps_envio.xsd",
    "ConsultarNfseEnvio": "servico_consultar_nfse_envio.xsd",
    "CancelarNfseEnvio": "servico_cancelar_nfse_envio.xsd",
}


def acao(operacao: str) -> str:
    """The SOAPAction of an ABRASF 1.0 operation (WebISS names them as ABRASF does)."""
    return f"{TEMPURI}INfseServices/{operacao}"


def problemas(doc: etree._Element) -> list[str]:
    """Every schema error of a WebISS 1.00 request document."""
    nome = etree.QName(doc)
    arquivo = ESQUEMAS.get(nome.localname)
    if arquivo is None or nome.namespace != NS:
        return [f"elemento raiz {nome.text} fora dos esquemas WebISS 1.00"]
    return validate(doc, esquema.PASTA / arquivo)
