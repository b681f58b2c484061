"""A kept DANFSe is a cache: PDFs rendered more than ``NFSE_DANFSE_DIAS`` ago are removed
(the public link and e-mails render them again from the NFS-e's XML); every other document
stays."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from nfse.runtime import Runtime
from nfse.store import artefatos, ciclo
from nfse.store.clock import now
from nfse.store.tables import artefatos as artefatos_table
from nfse.work import danfse
from tests.store.test_queue import accept
from tests.support import empresa_teste


def test_old_pdfs_are_removed_and_nothing_else(runtime: Runtime) -> None:
    empresa_teste(runtime)
    velha, nova = accept(runtime, "velha"), accept(runtime, "nova")
    with runtime.engine.begin() as conn:
        for nota_id in (velha, nova):
            artefatos.put(conn, nota_id, artefatos.XML_NFSE, b"<NFSe/>", "application/xml")
            assert ciclo.guardar_danfse(conn, nota_id, b"%PDF-1.7", cancelada=False)
        conn.execute(update(artefatos_table).where(artefatos_table.c.nota_id == velha)
                     .values(created_at=now() - timedelta(days=8)))
    assert danfse.expirar(runtime.engine, 7) == 1
    assert danfse.expirar(runtime.engine, 7) == 0
    with runtime.engine.connect() as conn:
        restam = {(r.nota_id, r.kind) for r in conn.execute(select(artefatos_table))}
    assert restam == {(velha, artefatos.XML_NFSE), (nova, artefatos.XML_NFSE),
                      (nova, artefatos.DANFSE)}
