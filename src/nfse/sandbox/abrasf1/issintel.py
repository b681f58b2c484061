"""ISSIntel 1.00 as the ABRASF 1.0 sandbox plays it: requests in
``http://www.abrasf.org.br/nfse.xsd`` checked against the ISSIntel schema (with its
``CodigoServicoNacional`` and PIS/COFINS group) and their signatures verified as they came,
then read by the Ginfes rules in Ginfes' structure. Answers are converted back as WebISS
1.00's are (the same ABRASF 1.0 layout of Belo Horizonte), with ``versao="1.00"`` on each
``Nfse`` and ``NfseCancelamento``, checked against the same schema. Calls: the document as
elements inside ``<urn:<Operação>>``, ``urn`` the city's namespace (its address with
``http://``), SOAPAction that namespace + ``/`` + the operation; answered with the document
as elements inside ``<Operação>Response`` (ACBr ``ISSIntel.Provider.pas``,
``TACBrNFSeXWebserviceISSIntel``)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from nfse.sandbox.abrasf1 import webiss
from nfse.sandbox.abrasf1.salvador import copia
from nfse.sandbox.abrasf1.webiss import OPERACOES

__all__ = ["ESQUEMA", "NS", "OPERACOES", "acao", "para_issintel"]

NS = "http://www.abrasf.org.br/nfse.xsd"
VERSAO = "1.00"
ESQUEMA = Path("issintel/nfse.xsd")
"""Relative to the sandbox's schema folder."""


def acao(namespace: str, operacao: str) -> str:
    return f"{namespace}/{operacao}"


def para_issintel(root: etree._Element) -> etree._Element:
    """A Ginfes-structured answer in ISSIntel's namespace and shapes."""
    novo = copia(webiss.para_webiss(root), None, lambda _: NS, {}, "Id", "Id")
    for versionado in ("Nfse", "NfseCancelamento"):
        for elemento in novo.iter(f"{{{NS}}}{versionado}"):
            elemento.set("versao", VERSAO)
    return novo
