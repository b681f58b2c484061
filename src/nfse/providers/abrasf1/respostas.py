"""What differs in reading ABRASF 1.0 answers: the RPS of a ``CompNfse`` is
``Nfse/InfNfse/IdentificacaoRps`` (2.0x nests it in the declaration), the cancellation
answer is ``Cancelamento`` (2.0x: ``RetCancelamento/NfseCancelamento``), and a lot has a
``Situacao`` of its own. Messages, dates and the note's fields are read by
``nfse.providers.abrasf.respostas``."""

from __future__ import annotations

from lxml import etree

from nfse.model.digitos import so_digitos
from nfse.providers.base import Rps

SITUACAO_NAO_RECEBIDO, SITUACAO_NAO_PROCESSADO = "1", "2"
SITUACAO_COM_ERRO, SITUACAO_PROCESSADO = "3", "4"


def _texto(element: etree._Element | None, path: str) -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def comp_nfse(root: etree._Element, rps: Rps | None = None) -> etree._Element | None:
    """The ``CompNfse`` of ``rps`` in the answer (one naming another RPS is not ours); one
    naming no RPS when none names it; None when the answer has no note."""
    candidatos = [root] if etree.QName(root).localname == "CompNfse" else \
        list(root.iter("{*}CompNfse"))
    sem_rps = None
    for comp in candidatos:
        inf = comp.find("{*}Nfse/{*}InfNfse")
        if inf is None or not _texto(inf, "{*}Numero"):
            continue
        numero = _texto(inf, "{*}IdentificacaoRps/{*}Numero")
        if not numero:
            sem_rps = sem_rps if sem_rps is not None else comp
        elif rps is None or (so_digitos(numero) and int(numero) == rps.numero
                             and _texto(inf, "{*}IdentificacaoRps/{*}Serie")
                             == rps.serie.strip()):
            return comp
    return sem_rps


def cancelamento(root: etree._Element, numero: str | None = None) -> etree._Element | None:
    """The confirmed cancellation: ``Cancelamento`` of a ``CancelarNfseResposta``, or the
    ``NfseCancelamento`` of the ``CompNfse`` numbered ``numero`` in a query's answer."""
    for element in root.iter("{*}Cancelamento", "{*}NfseCancelamento"):
        if element.find("{*}Confirmacao") is None:
            continue
        comp = element.getparent()
        if numero is not None and comp is not None and \
                etree.QName(comp).localname == "CompNfse":
            proprio = _texto(comp, "{*}Nfse/{*}InfNfse/{*}Numero")
            if not (so_digitos(proprio) and so_digitos(numero) and int(proprio) == int(numero)):
                continue
        return element
    return None


def sucesso_v02(root: etree._Element) -> etree._Element | None:
    """The answer of Ginfes' v02 cancellation when it confirms it (``Sucesso`` true, with
    its ``DataHora``: ACBr ``ISSFortaleza.Provider.pas``, ``TratarRetornoCancelaNFSe``)."""
    if etree.QName(root).localname != "CancelarNfseResposta":
        return None
    return root if _texto(root, "{*}Sucesso").lower() in ("true", "1") else None
