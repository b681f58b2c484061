"""Documents produced from the authority's XML, kept as artifacts.

The DANFSe is rendered when first asked for (its URL, an e-mail), not when the note is
authorized: rendering a PDF costs several times everything else a worker does per note. A
cancellation renders it before its transaction (``api.nfse_routes``), so the PDF and the
state change commit together."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from nfse.store import ciclo

log = logging.getLogger("nfse.documents")


def render_danfse(nota_id: int, xml: bytes, cancelada: bool = False) -> bytes | None:
    """The DANFSe, or None when rendering fails (logged, never fatal: the note's state
    does not depend on its PDF, which is rendered again on demand).

    The PDF stack is imported here, on first use: it costs a worker that never renders one
    ~25 MB."""
    from nfse.documents.danfse import render

    try:
        return render(xml, cancelada=cancelada)
    except Exception:
        log.exception("nota %s: DANFSe rendering failed", nota_id)
        return None


def store_danfse(engine: Engine, nota_id: int, xml: bytes, cancelada: bool = False) -> bytes | None:
    """Render and keep the DANFSe. It is kept only if the note is still in the state it
    was rendered for (``ciclo.guardar_danfse``): a PDF rendered while a cancellation
    committed is served once, never kept over the cancelled one."""
    pdf = render_danfse(nota_id, xml, cancelada)
    if pdf is not None:
        with engine.begin() as conn:
            ciclo.guardar_danfse(conn, nota_id, pdf, cancelada=cancelada)
    return pdf
