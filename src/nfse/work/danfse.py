"""Documents produced from the authority's XML, kept as artifacts.

The DANFSe is rendered when first asked for (its URL, an e-mail), not when the note is
authorized or cancelled: rendering a PDF costs several times everything else a worker does
per note. A cancellation removes the PDF of the authorized note in its transaction
(``store.ciclo.cancelar``), so the next one is rendered from the cancelled state. A kept PDF
is a cache: after ``NFSE_DANFSE_DIAS`` it is removed (``expirar``) and rendered again when
asked for; kept for good, PDFs were three quarters of what a note stores."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta

from sqlalchemy import Engine

from nfse.store import artefatos, ciclo, notas
from nfse.store.clock import now

log = logging.getLogger("nfse.visualizacao")

PEDIDO_EMISSAO = "exchange:emissao:request"
"""The emission's request: a São Paulo note kept as the emission's answer alone (its
ConsultaNFe failed) is drawn with the RPS it carried. Read only when the renderer asks."""


def store_danfse(engine: Engine, nota_id: int, xml: bytes, cancelada: bool = False,
                 renderizando: AbstractContextManager | None = None,
                 ambiente: str | None = None) -> bytes | None:
    """Render and keep the DANFSe. A rendering failure is logged, never fatal: the note's
    state does not depend on its PDF, which is rendered again on demand. It is kept only if
    the note is still in the state it was rendered for (``ciclo.guardar_danfse``): a PDF
    rendered while a cancellation committed is served once, never kept over it.
    ``renderizando`` is held while rendering only, not while reading or writing the store.
    ``ambiente``: the note's, when the caller has read it (else it is read here).

    The PDF stack is imported here, on first use: it costs a worker that never renders one
    ~25 MB."""
    from nfse.visualizacao.danfse import render

    if ambiente is None:
        with engine.connect() as conn:
            ambiente = notas.get(conn, nota_id).ambiente

    def pedido() -> bytes | None:
        with engine.connect() as conn:
            found = artefatos.latest(conn, nota_id, PEDIDO_EMISSAO)
        return found[0] if found else None

    try:
        with renderizando or nullcontext():
            pdf = render(xml, cancelada=cancelada,
                         homologacao=ambiente == "homologacao",
                         pedido=pedido)
    except Exception:
        log.exception("nota %s: DANFSe rendering failed", nota_id)
        return None
    with engine.begin() as conn:
        ciclo.guardar_danfse(conn, nota_id, pdf, cancelada=cancelada)
    return pdf


EXPIRAR_INTERVALO = 3600.0
"""Seconds between two removals of old PDFs by one worker."""


def expirar(engine: Engine, dias: float) -> int:
    """Remove the PDFs rendered more than ``dias`` ago, a batch per transaction; how many."""
    antes = now() - timedelta(days=dias)
    total = 0
    while True:
        with engine.begin() as conn:
            removidos = artefatos.expirar_danfse(conn, antes)
        total += removidos
        if removidos < 1000:
            return total
