"""Accepting new notes on PostgreSQL in one network round trip per batch.

The acceptance writer is a thread of the API process. Each statement it waits for on the
network costs it the GIL back afterwards, which the event loop holds for up to the switch
interval (5 ms): a batch written as lookup, insert, history insert and NOTIFY spent most of
its time queuing for the GIL, and the writer, not the CPU, set the acceptance rate. Here the
notes and their history go in as one statement whose text never changes (the rows travel as
arrays, so the server prepares it once), pipelined with the NOTIFY. The arrays go in binary:
psycopg's text form escapes every element through regular expressions, which for a batch of
note bodies cost more than the rest of the statement. A ref that is already
taken is skipped (ON CONFLICT DO NOTHING) and left to the caller, which looks it up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from nfse.domain.status import Status
from nfse.store.wakeup import CHANNEL

Chave = tuple[int, str, str]
"""(empresa_id, ambiente, ref)"""

_COLUNAS = (("empresa_id", "integer"), ("ambiente", "varchar"), ("ref", "varchar"),
            ("capability", "varchar"), ("provider", "varchar"), ("requisicao", "text"),
            ("cnpj_prestador", "varchar"), ("modelo", "varchar"))

_INSERIR = f"""
WITH novas AS (
    INSERT INTO notas ({", ".join(nome for nome, _ in _COLUNAS)},
                       status, attempts, reconcile, next_attempt_at, updated_at, accepted_at)
    SELECT u.*, %(status)s, 0, false, %(agora)s, %(agora)s, %(agora)s
    FROM unnest({", ".join(f"%({nome})b::{tipo}[]" for nome, tipo in _COLUNAS)}) AS u
    ON CONFLICT (empresa_id, ambiente, ref) DO NOTHING
    RETURNING id, empresa_id, ambiente, ref
), historia AS (
    INSERT INTO historico (nota_id, status, detalhe, at)
    SELECT id, %(status)s, 'nota recebida', %(agora)s FROM novas
)
SELECT id, empresa_id, ambiente, ref FROM novas
"""

_NOTIFY = f"NOTIFY {CHANNEL}"


def inserir(conn: Connection, linhas: Sequence[dict[str, Any]], agora: datetime
            ) -> dict[Chave, int]:
    """Insert new notes (each a dict of ``_COLUNAS``) as processando_autorizacao with their
    history, in ``conn``'s transaction, and NOTIFY the workers; the id of each one inserted,
    by key. A key missing from the answer was taken."""
    params: dict[str, Any] = {nome: [linha[nome] for linha in linhas] for nome, _ in _COLUNAS}
    params.update(status=Status.PROCESSANDO.value, agora=agora)
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor:
        with raw.pipeline():
            cursor.execute(_INSERIR, params, prepare=True)
            raw.execute(_NOTIFY)
        return {(empresa_id, ambiente, ref): nota_id
                for nota_id, empresa_id, ambiente, ref in cursor.fetchall()}
