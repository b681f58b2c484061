"""The Ginfes v03 schemas shipped beside this module (``esquemas/``, copied from the Ginfes
schema set of the ``nfselib-legacy`` 1.0.0 package, folder ``schemas/NFSe/GINFES``), and the
check every request document passes before it may leave (ARCHITECTURE decision 4). The
sandbox validates what arrives against the same files."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from nfse.xml.validate import validate

PASTA = Path(__file__).parent / "esquemas"
GINFES = "http://www.ginfes.com.br/"
TIPOS = GINFES + "tipos_v03.xsd"
CABECALHO = GINFES + "cabecalho_v03.xsd"

SERVICOS = {
    "EnviarLoteRpsEnvio": "servico_enviar_lote_rps_envio_v03.xsd",
    "EnviarLoteRpsResposta": "servico_enviar_lote_rps_resposta_v03.xsd",
    "ConsultarSituacaoLoteRpsEnvio": "servico_consultar_situacao_lote_rps_envio_v03.xsd",
    "ConsultarSituacaoLoteRpsResposta": "servico_consultar_situacao_lote_rps_resposta_v03.xsd",
    "ConsultarLoteRpsEnvio": "servico_consultar_lote_rps_envio_v03.xsd",
    "ConsultarLoteRpsResposta": "servico_consultar_lote_rps_resposta_v03.xsd",
    "ConsultarNfseRpsEnvio": "servico_consultar_nfse_rps_envio_v03.xsd",
    "ConsultarNfseRpsResposta": "servico_consultar_nfse_rps_resposta_v03.xsd",
    "ConsultarNfseEnvio": "servico_consultar_nfse_envio_v03.xsd",
    "ConsultarNfseResposta": "servico_consultar_nfse_resposta_v03.xsd",
    "CancelarNfseEnvio": "servico_cancelar_nfse_envio_v03.xsd",
    "CancelarNfseResposta": "servico_cancelar_nfse_resposta_v03.xsd",
}
"""Root element → its schema file; the document's namespace is ``GINFES`` + the file name."""
TIPOS_V02 = GINFES + "tipos"
CANCELAR_V02 = GINFES + "servico_cancelar_nfse_envio"
"""Ginfes' v02 cancellation (``servico_cancelar_nfse_envio_v02.xsd``, ``tipos_v02.xsd``,
from the same nfselib-legacy folder): the namespaces carry no version."""


def namespace(raiz: str) -> str:
    """The namespace of the document whose root is ``raiz``."""
    return GINFES + SERVICOS[raiz]


def problemas(doc: etree._Element) -> list[str]:
    """Every schema error of a Ginfes v03 document (a service document or the
    ``cabecalho``) or of the v02 cancellation; a root no schema describes is itself the
    problem."""
    nome = etree.QName(doc)
    if nome.localname == "cabecalho" and nome.namespace == CABECALHO:
        return validate(doc, PASTA / "cabecalho_v03.xsd")
    if nome.localname == "CancelarNfseEnvio" and nome.namespace == CANCELAR_V02:
        return validate(doc, PASTA / "servico_cancelar_nfse_envio_v02.xsd")
    arquivo = SERVICOS.get(nome.localname)
    if arquivo is None or nome.namespace != GINFES + arquivo:
        return [f"elemento raiz {{{nome.namespace}}}{nome.localname} fora dos esquemas Ginfes v03"]
    return validate(doc, PASTA / arquivo)
