"""Equiplano's answers (``*Resposta_v01.xsd``; how ACBr reads them: ``Equiplano.Provider.pas``).

Every answer is its result or a ``mensagemRetorno`` with ``listaErros/erro`` (``cdMensagem``,
``dsMensagem``, ``dsCorrecao``). The lot: ``protocolo/nrProtocolo``; its situation ``stLote``
(``1`` not processed, ``2`` processed with errors, ``3`` processed, ``4`` processed with
notices); its result ``listaNfse/nfse`` (``nfse/nrNfs``, ``cdAutenticacao``,
``dtEmissaoNfs``). The RPS: ``nfse`` (``nrNfse``, ``cdAutenticacao``). Cancellation:
``sucesso`` and ``dtCancelamento``."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.providers.base import Erro
from nfse.providers.equiplano.documentos import NS

PROCESSADO = frozenset({"2", "3", "4"})


def erros(root: etree._Element) -> list[Erro]:
    """The errors of the answer's ``mensagemRetorno``."""
    return [Erro((e.findtext("cdMensagem") or "").strip() or "equiplano",
                 (e.findtext("dsMensagem") or "").strip() or "Recusa da prefeitura (Equiplano)",
                 (e.findtext("dsCorrecao") or "").strip() or None)
            for e in root.iterfind("mensagemRetorno/listaErros/erro")]


def texto(root: etree._Element, caminho: str) -> str:
    return (root.findtext(caminho) or "").strip()


@dataclass(frozen=True)
class NfseEquiplano:
    numero: str
    codigo_autenticacao: str | None
    data_emissao: datetime | None
    xml: bytes


def _data(valor: str) -> datetime | None:
    try:
        data = datetime.fromisoformat(valor)
    except ValueError:
        return None
    return data if data.tzinfo else data.replace(tzinfo=SAO_PAULO)


def _nota(nfse: etree._Element, rps: etree._Element) -> bytes:
    """The note kept: ``compNfse`` with the answer's ``nfse`` and the ``rps`` sent (as ACBr
    keeps it; the answers carry no whole note)."""
    comp = etree.Element(f"{{{NS}}}compNfse", nsmap={"es": NS})
    comp.append(copy.deepcopy(nfse))
    comp.append(copy.deepcopy(rps))
    return etree.tostring(comp, encoding="UTF-8")


def do_lote(root: etree._Element, rps: etree._Element) -> NfseEquiplano | None:
    """The note of ``esConsultarLoteRpsResposta`` (its ``listaNfse/nfse``), or None."""
    nfse = root.find("listaNfse/nfse")
    numero = texto(nfse, "nfse/nrNfs") if nfse is not None else ""
    if nfse is None or not numero:
        return None
    return NfseEquiplano(numero, texto(nfse, "nfse/cdAutenticacao") or None,
                         _data(texto(nfse, "nfse/dtEmissaoNfs")), _nota(nfse, rps))


def do_rps(root: etree._Element, rps: etree._Element) -> NfseEquiplano | None:
    """The note of ``esConsultarNfsePorRpsResposta`` (its ``nfse``), or None."""
    nfse = root.find("nfse")
    numero = texto(nfse, "nrNfse") if nfse is not None else ""
    if nfse is None or not numero:
        return None
    return NfseEquiplano(numero, texto(nfse, "cdAutenticacao") or None, None, _nota(nfse, rps))
