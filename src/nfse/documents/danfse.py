"""The DANFSe: the PDF of an NFS-e Nacional, rendered from the authorized XML in the national
layout (NT 008/2026) by ``brazilfiscalreport``. The ADN's own DANFSe service was suspended,
so rendering locally is the standard's answer, not a fallback."""

from __future__ import annotations

from brazilfiscalreport.danfse import Danfse, DanfseConfig


def render(xml: bytes, cancelada: bool = False) -> bytes:
    config = DanfseConfig()
    config.watermark_cancelled = cancelada
    pdf = Danfse(xml=xml.decode("utf-8") if isinstance(xml, bytes) else xml, config=config)
    return bytes(pdf.output())
