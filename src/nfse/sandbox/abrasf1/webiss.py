"""WebISS 1.00 as the ABRASF 1.0 sandbox plays it: requests in ``http://www.abrasf.org.br/nfse``
(nfselib-legacy ``WEBISS`` schemas, ``servico_*_envio.xsd``) checked, and the lot's signature
verified, as they came, then read by the Ginfes rules in Ginfes' structure. Answers are
converted back: one namespace, ``Competencia`` as a date-time, the cancellation's
confirmation as WebISS writes it (``Confirmacao`` = ``Pedido`` + ``DataHora``;
``CancelarNfseResposta/RetCancelamento/NfseCancelamento``), checked against
``servico_*_resposta.xsd``. WCF calls: ``<Operação xmlns="http://tempuri.org/">`` with
``cabec`` and ``msg``, SOAPAction ``http://tempuri.org/INfseServices/<Operação>`` (ACBr
``WebISS.Provider.pas``)."""

from __future__ import annotations

from lxml import etree

from nfse.sandbox.abrasf1.salvador import copia

NS = "http://www.abrasf.org.br/nfse"
TEMPURI = "http://tempuri.org/"
OPERACOES = {
    "RecepcionarLoteRps": "RecepcionarLoteRpsV3",
    "ConsultarSituacaoLoteRps": "ConsultarSituacaoLoteRpsV3",
    "ConsultarLoteRps": "ConsultarLoteRpsV3",
    "ConsultarNfsePorRps": "ConsultarNfsePorRpsV3",
    "ConsultarNfse": "ConsultarNfseV3",
    "CancelarNfse": "CancelarNfseV3",
}
"""WCF operation → the Ginfes operation it plays."""


def acao(operacao: str) -> str:
    return f"{TEMPURI}INfseServices/{operacao}"


def esquema(raiz: str) -> str:
    """The schema file of a WebISS document (``EnviarLoteRpsEnvio`` →
    ``servico_enviar_lote_rps_envio.xsd``)."""
    partes = {"EnviarLoteRps": "enviar_lote_rps", "ConsultarSituacaoLoteRps":
              "consultar_situacao_lote_rps", "ConsultarLoteRps": "consultar_lote_rps",
              "ConsultarNfseRps": "consultar_nfse_rps", "ConsultarNfse": "consultar_nfse",
              "CancelarNfse": "cancelar_nfse"}
    for prefixo, lado in (("Envio", "envio"), ("Resposta", "resposta")):
        if raiz.endswith(prefixo):
            return f"servico_{partes[raiz.removesuffix(prefixo)]}_{lado}.xsd"
    raise KeyError(raiz)


def para_ginfes(root: etree._Element, servico: str, tipos: str) -> etree._Element:
    """A WebISS request in Ginfes' structure: the root and its children in the service's
    namespace ``servico``, the rest in ``tipos`` (the cancellation's ``Pedido``, unqualified
    in Ginfes, is found by its name)."""
    return copia(root, None, lambda p: servico if p < 2 else tipos, {}, "Id", "Id")


def para_webiss(root: etree._Element) -> etree._Element:
    """A Ginfes-structured answer in WebISS' namespace and shapes."""
    novo = copia(root, None, lambda _: NS, {}, "Id", "Id")
    for competencia in novo.iter(f"{{{NS}}}Competencia"):  # a date-time in tcInfNfse
        if competencia.text and "T" not in competencia.text:
            competencia.text += "T00:00:00"
    for confirmacao in novo.iter(f"{{{NS}}}Confirmacao"):
        info = confirmacao.find(f"{{{NS}}}InfConfirmacaoCancelamento")
        if info is not None:
            data = info.find(f"{{{NS}}}DataHora")
            confirmacao.replace(info, data)
    cancelamento = novo.find(f"{{{NS}}}Cancelamento")
    if cancelamento is not None:  # CancelarNfseResposta
        ret = etree.Element(f"{{{NS}}}RetCancelamento")
        cancelamento.tag = f"{{{NS}}}NfseCancelamento"
        novo.replace(cancelamento, ret)
        ret.append(cancelamento)
    return novo
