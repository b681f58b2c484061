"""Documents produced from the authority's XML, kept as artifacts.

The DANFSe is rendered when first asked for (its URL, an e-mail), not when the note is
authorized: rendering a PDF costs several times everything else a worker does per note."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from nfse.store import artefatos, notas

log = logging.getLogger("nfse.documents")


def store_danfse(engine: Engine, nota_id: int, xml: bytes, cancelada: bool = False) -> bytes | None:
    """Render and keep the DANFSe. A rendering failure is logged, never fatal: the note is
    authorized whatever the PDF does, and the PDF is rendered again on demand.

    The PDF stack is imported here, on first use: it costs a worker that never renders one
    ~25 MB."""
    from nfse.documents.danfse import render

    with engine.connect() as conn:
        row = notas.get(conn, nota_id)
    try:
        pdf = render(xml, cancelada=cancelada,
                     homologacao=row is not None and row.ambiente == "homologacao")
    except Exception:
        log.exception("nota %s: DANFSe rendering failed", nota_id)
        return None
    with engine.begin() as conn:
        artefatos.put(conn, nota_id, artefatos.DANFSE, pdf, "application/pdf")
    return pdf
