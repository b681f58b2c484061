"""Tiplan 1.0 as the ABRASF 1.0 sandbox plays it: requests in
``http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd`` (nfselib-legacy
``TIPLAN/Tipos_NFSe_v01.xsd``) checked, and the lot's signature (over the whole document)
verified, as they came, then read by the Ginfes rules in Ginfes' structure. Answers are
converted back: one namespace, ``Competencia`` as a date-time, the cancellation's
confirmation as Tiplan's schema writes it (``Confirmacao`` = ``Pedido`` +
``DataHoraCancelamento``), checked against the same schema. Calls: ``<Operação>Request`` in
``http://www.nfe.com.br/`` with ``inputXML``, SOAPAction ``http://www.nfe.com.br/<Operação>``,
answered in ``<Operação>Response/outputXML`` (ACBr ``Tiplan.Provider.pas``,
``TACBrNFSeXWebserviceTiplan``)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from nfse.sandbox.abrasf1.salvador import copia
from nfse.sandbox.abrasf1.webiss import OPERACOES

__all__ = ["ESQUEMA", "NS", "OPERACOES", "SERVICO", "acao", "para_tiplan"]

NS = "http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd"
SERVICO = "http://www.nfe.com.br/"
ESQUEMA = Path("tiplan/Tipos_NFSe_v01.xsd")
"""Relative to the sandbox's schema folder."""


def acao(operacao: str) -> str:
    return SERVICO + operacao


def para_tiplan(root: etree._Element) -> etree._Element:
    """A Ginfes-structured answer in Tiplan's namespace and shapes."""
    novo = copia(root, None, lambda _: NS, {}, "Id", "Id")
    for competencia in novo.iter(f"{{{NS}}}Competencia"):  # a date-time in tcInfNfse
        if competencia.text and "T" not in competencia.text:
            competencia.text += "T00:00:00"
    for confirmacao in novo.iter(f"{{{NS}}}Confirmacao"):
        info = confirmacao.find(f"{{{NS}}}InfConfirmacaoCancelamento")
        if info is not None:
            data = info.find(f"{{{NS}}}DataHora")
            data.tag = f"{{{NS}}}DataHoraCancelamento"
            confirmacao.replace(info, data)
    return novo
