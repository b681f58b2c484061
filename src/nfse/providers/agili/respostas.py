"""Agili's answers (``nfse_v_1.00.xsd``; how ACBr reads them: ``Agili.Provider.pas``).

Every answer has ``UnidadeGestora`` and then either its result or a
``ListaMensagemRetorno`` of ``MensagemRetorno`` (``Codigo``, ``Mensagem``, ``Correcao``).
The note is an ``Nfse``: ``Numero``, ``CodigoAutenticidade`` (32 characters), ``DataEmissao``,
``SituacaoNfse/Codigo`` (``-8`` issued, ``-2`` cancelled) and the declaration sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.providers.agili.documentos import NS
from nfse.providers.base import Erro
from nfse.xml import seguro

CANCELADA = "-2"


def ler(body: bytes) -> etree._Element | None:
    """The answer's root, or None when it is not XML."""
    try:
        root = seguro.ler(body)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root if isinstance(root.tag, str) else None


def _q(caminho: str) -> str:
    return "/".join(f"{{{NS}}}{parte}" for parte in caminho.split("/"))


def erros(root: etree._Element) -> list[Erro]:
    """The messages of the answer's ``ListaMensagemRetorno``."""
    return [Erro((m.findtext(_q("Codigo")) or "").strip() or "agili",
                 (m.findtext(_q("Mensagem")) or "").strip() or "Recusa da prefeitura (Agili)",
                 (m.findtext(_q("Correcao")) or "").strip() or None)
            for m in root.iter(_q("MensagemRetorno"))]


@dataclass(frozen=True)
class NfseAgili:
    numero: str
    codigo_autenticidade: str | None
    data_emissao: datetime | None
    situacao: str
    xml: bytes


def nfse(root: etree._Element) -> NfseAgili | None:
    """The ``Nfse`` an answer carries, or None."""
    node = next(root.iter(_q("Nfse")), None)
    numero = (node.findtext(_q("Numero")) or "").strip() if node is not None else ""
    if node is None or not numero:
        return None
    try:
        data = datetime.fromisoformat((node.findtext(_q("DataEmissao")) or "").strip())
    except ValueError:
        data = None
    if data is not None and data.tzinfo is None:
        data = data.replace(tzinfo=SAO_PAULO)
    return NfseAgili(numero, (node.findtext(_q("CodigoAutenticidade")) or "").strip() or None,
                     data, (node.findtext(_q("SituacaoNfse/Codigo")) or "").strip(),
                     etree.tostring(node, xml_declaration=True, encoding="UTF-8"))


def cancelamento_aceito(root: etree._Element) -> bool:
    """A ``CancelarNfseResposta`` that carries the ``PedidoCancelamento`` back."""
    return root.find(_q("PedidoCancelamento")) is not None
