"""Artifacts: everything exchanged with an authority and every document we produce, kept
compressed (ARCHITECTURE decision 7)."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from nfse.store.clock import now
from nfse.store.tables import artefatos, notas

XML_NFSE = "xml_nfse"
XML_CANCELAMENTO = "xml_cancelamento"
DANFSE = "danfse"


_INSERT = insert(artefatos)


COMPRESSAO = 1
"""zlib level: an XML shrinks to ~20 % at 1 as at 6, in half the time (artifacts are written
for every note; half of what is exchanged is already gzip+base64)."""


def comprimir(content: bytes) -> bytes:
    """An artifact as it is stored."""
    return zlib.compress(content, COMPRESSAO)


def put(conn: Connection, nota_id: int, kind: str, content: bytes, media_type: str) -> None:
    put_many(conn, nota_id, [(kind, content, media_type)])


def put_many(conn: Connection, nota_id: int, items: list[tuple[str, bytes, str]]) -> None:
    """Several artifacts of one note, (kind, content, media type) each, in one statement."""
    if not items:
        return
    moment = now()
    conn.execute(_INSERT, [{"nota_id": nota_id, "kind": kind,
                            "content": comprimir(content),
                            "media_type": media_type, "created_at": moment}
                           for kind, content, media_type in items])


def xmls_da_empresa(conn: Connection, empresa_id: int, kinds: tuple[str, ...]
                    ) -> Iterator[tuple[str, str, str | None, str, bytes]]:
    """Every artifact of ``kinds`` of the company's notes, oldest first: (ambiente, ref,
    the NFS-e's number, kind, content)."""
    rows = conn.execute(
        select(notas.c.ambiente, notas.c.ref, notas.c.numero, artefatos.c.kind,
               artefatos.c.content)
        .join(artefatos, artefatos.c.nota_id == notas.c.id)
        .where(notas.c.empresa_id == empresa_id, artefatos.c.kind.in_(kinds))
        .order_by(artefatos.c.id))
    for row in rows:
        yield row.ambiente, row.ref, row.numero, row.kind, zlib.decompress(row.content)


def latest(conn: Connection, nota_id: int, kind: str) -> tuple[bytes, str] | None:
    row = conn.execute(
        select(artefatos.c.content, artefatos.c.media_type)
        .where(artefatos.c.nota_id == nota_id, artefatos.c.kind == kind)
        .order_by(artefatos.c.id.desc()).limit(1)
    ).first()
    return (zlib.decompress(row.content), row.media_type) if row else None


def ultimos(conn: Connection, nota_id: int, kinds: tuple[str, ...]) -> dict[str, bytes]:
    """The latest artifact of each of ``kinds`` the note has, in one statement."""
    rows = conn.execute(
        select(artefatos.c.kind, artefatos.c.content)
        .where(artefatos.c.nota_id == nota_id, artefatos.c.kind.in_(kinds))
        .order_by(artefatos.c.id))
    found = {row.kind: row.content for row in rows}  # oldest first: the latest stays
    return {kind: zlib.decompress(content) for kind, content in found.items()}


def respostas(conn: Connection, nota_id: int) -> list[tuple[str, datetime, bytes]]:
    """What the authority answered at each attempt, oldest first: (operation, when, the
    answer as received, or why there was none)."""
    rows = conn.execute(
        select(artefatos.c.kind, artefatos.c.created_at, artefatos.c.content)
        .where(artefatos.c.nota_id == nota_id, artefatos.c.kind.like("exchange:%:response"))
        .order_by(artefatos.c.id))
    return [(row.kind.split(":")[1], row.created_at, zlib.decompress(row.content))
            for row in rows]


def expirar_danfse(conn: Connection, antes: datetime, lote: int = 1000) -> int:
    """Remove up to ``lote`` DANFSe PDFs rendered before ``antes`` (through their partial
    index, however many documents are stored); how many."""
    velhos = (select(artefatos.c.id).where(artefatos.c.kind == DANFSE,
                                           artefatos.c.created_at < antes).limit(lote))
    return conn.execute(delete(artefatos).where(
        artefatos.c.id.in_(velhos.scalar_subquery()))).rowcount
