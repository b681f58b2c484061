"""The insert of new notes on the acceptance path: a batch of notes and their history, in the
caller's transaction, skipping a ref already taken (ON CONFLICT DO NOTHING) for the caller to
look up. Each engine gets the form that costs it least; the caller (``notas.aceitar_lote``)
needs only the id of each note inserted, by key.

* PostgreSQL: the writer is a thread of the API process, and each statement it waits for on
  the network costs it the GIL back afterwards, which the event loop holds for up to the
  switch interval (5 ms). Written as lookup, insert, history insert and NOTIFY, a batch spent
  most of its time queuing for the GIL, and the writer, not the CPU, set the acceptance rate.
  Here notes and history go in as one statement whose text never changes (the rows travel
  as arrays, so the server prepares it once), pipelined with the NOTIFY. The arrays go in
  binary: psycopg's text form escapes every element through regular expressions, which for
  a batch of note bodies cost more than the rest of the statement.
* SQLite: no network, so one prepared statement per note through the driver, with the
  timestamp converted once per batch by SQLAlchemy's own processor (the text the rest of
  the store reads back); the per-row parameter processing of a multi-row Core insert cost
  more than the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from nfse.domain.status import Status
from nfse.store.db import pipeline
from nfse.store.tables import notas
from nfse.store.wakeup import CHANNEL

Chave = tuple[int, str, str]
"""(empresa_id, ambiente, ref)"""

DETALHE = "nota recebida"

COLUNAS = (("empresa_id", "integer"), ("ambiente", "varchar"), ("ref", "varchar"),
           ("capability", "varchar"), ("provider", "varchar"), ("requisicao", "text"),
           ("cnpj_prestador", "varchar"), ("modelo", "varchar"))
"""The columns a new note is given, with their PostgreSQL array types; the others are
constant for a new note or start NULL."""

_NOMES = ", ".join(nome for nome, _ in COLUNAS)
_CONSTANTES = "status, attempts, reconcile, next_attempt_at, updated_at, accepted_at"

_PG_INSERIR = f"""
WITH novas AS (
    INSERT INTO notas ({_NOMES}, {_CONSTANTES})
    SELECT u.*, %(status)s, 0, false, %(agora)s, %(agora)s, %(agora)s
    FROM unnest({", ".join(f"%({nome})b::{tipo}[]" for nome, tipo in COLUNAS)}) AS u
    ON CONFLICT (empresa_id, ambiente, ref) DO NOTHING
    RETURNING id, empresa_id, ambiente, ref
), historia AS (
    INSERT INTO historico (nota_id, status, detalhe, at)
    SELECT id, %(status)s, '{DETALHE}', %(agora)s FROM novas
)
SELECT id, empresa_id, ambiente, ref FROM novas
"""
_PG_NOTIFY = f"NOTIFY {CHANNEL}"

_SQLITE_INSERIR = (
    f"INSERT INTO notas ({_NOMES}, {_CONSTANTES}) "
    f"VALUES ({', '.join('?' for _ in COLUNAS)}, ?, 0, 0, ?, ?, ?) "
    "ON CONFLICT (empresa_id, ambiente, ref) DO NOTHING RETURNING id")
_SQLITE_HISTORICO = "INSERT INTO historico (nota_id, status, detalhe, at) VALUES (?, ?, ?, ?)"


def inserir(conn: Connection, linhas: Sequence[dict[str, Any]], agora: datetime
            ) -> dict[Chave, int]:
    """Insert new notes (each a dict with the ``COLUNAS``) as processando_autorizacao, due
    ``agora``, with their history, and wake the workers; the id of each note inserted, by
    key. A key missing from the answer was taken."""
    if conn.dialect.name == "postgresql":
        return _postgresql(conn, linhas, agora)
    return _sqlite(conn, linhas, agora)


def _postgresql(conn: Connection, linhas: Sequence[dict[str, Any]], agora: datetime
                ) -> dict[Chave, int]:
    params: dict[str, Any] = {nome: [linha[nome] for linha in linhas] for nome, _ in COLUNAS}
    params.update(status=Status.PROCESSANDO.value, agora=agora)
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor:
        with pipeline(conn):
            cursor.execute(_PG_INSERIR, params, prepare=True)
            raw.execute(_PG_NOTIFY)
        return {(empresa_id, ambiente, ref): nota_id
                for nota_id, empresa_id, ambiente, ref in cursor.fetchall()}


def _sqlite(conn: Connection, linhas: Sequence[dict[str, Any]], agora: datetime
            ) -> dict[Chave, int]:
    tipo = notas.c.accepted_at.type.dialect_impl(conn.dialect)
    instante = tipo.bind_processor(conn.dialect)(agora)
    status = Status.PROCESSANDO.value
    cursor = conn.connection.driver_connection.cursor()
    try:
        ids: dict[Chave, int] = {}
        for linha in linhas:
            cursor.execute(_SQLITE_INSERIR, (*(linha[nome] for nome, _ in COLUNAS), status,
                                             instante, instante, instante))
            inserida = cursor.fetchone()
            if inserida is not None:
                ids[(linha["empresa_id"], linha["ambiente"], linha["ref"])] = inserida[0]
        cursor.executemany(_SQLITE_HISTORICO,
                           [(nota_id, status, DETALHE, instante) for nota_id in ids.values()])
        return ids
    finally:
        cursor.close()
