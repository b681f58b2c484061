"""Recording an authorization: what was exchanged and the NFS-e (artifacts), the note's new
state and its history, and the hooks its event goes to, in the caller's transaction. This is
the fast path of the lifecycle's processando → autorizado (``store.ciclo.autorizar`` calls
it): a compare-and-set like every change of state, on the status and on the worker's lease
as claimed; when it updates nothing, nothing else is written.

On PostgreSQL this is one statement of fixed text, which the server prepares once: the
artifacts travel as binary arrays, and the note, its history and the hook lookup are the
statement's other parts. Written as the store's usual calls it was six statements per note,
and the database spent its time on statement overhead, not on the data.

On SQLite (no network) it is four prepared statements through the driver (the guarded
UPDATE first, so it takes the write lock before reading), with the timestamps converted by
SQLAlchemy's own processors (the text the rest of the store reads back): through Core, the
per-parameter processing of the same statements cost the worker ~1.6 ms of its ~6.5 ms per
note, more than the database."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from nfse.domain.status import Status
from nfse.store import artefatos
from nfse.store.clock import now, utc
from nfse.store.db import pipeline
from nfse.store.tables import historico

_PG_AUTORIZAR = """
WITH nota AS (
    UPDATE notas SET status = %(status)s, numero = %(numero)s,
        codigo_verificacao = %(codigo_verificacao)s, chave_acesso = %(chave_acesso)s,
        data_emissao = %(data_emissao)s, erros = NULL, mensagem = %(mensagem)s,
        valores_nfse = %(valores)s, reconcile = false, lease_until = NULL,
        lease_owner = NULL, next_attempt_at = NULL, updated_at = %(agora)s
    WHERE id = %(nota_id)s AND status = %(origem)s AND lease_owner = %(dono)s
        AND lease_until = %(ate)s
    RETURNING id
), documentos AS (
    INSERT INTO artefatos (nota_id, kind, content, media_type, created_at)
    SELECT nota.id, u.kind, u.content, u.media_type, %(agora)s
    FROM nota, unnest(%(kinds)b::varchar[], %(contents)b::bytea[], %(media_types)b::varchar[])
        AS u(kind, content, media_type)
), historia AS (
    INSERT INTO historico (nota_id, status, detalhe, at)
    SELECT nota.id, %(status)s, %(detalhe)s, %(agora)s FROM nota
)
SELECT hooks.id FROM nota LEFT JOIN hooks
    ON hooks.empresa_id = %(empresa_id)s AND hooks.ambiente = %(ambiente)s
    AND hooks.event = %(event)s AND hooks.desativado_em IS NULL
    AND ((hooks.cnpj IS NULL AND hooks.cpf IS NULL)
        OR hooks.cnpj = %(documento)s OR hooks.cpf = %(documento)s)
ORDER BY hooks.created_at, hooks.id
"""
"""One row per hook found (a NULL id when there is none), none when the note was not
updated."""


_SQLITE_ARTEFATO = ("INSERT INTO artefatos (nota_id, kind, content, media_type, created_at) "
                    "VALUES (?, ?, ?, ?, ?)")
_SQLITE_NOTA = """
UPDATE notas SET status = ?, numero = ?, codigo_verificacao = ?, chave_acesso = ?,
    data_emissao = ?, erros = NULL, mensagem = ?, valores_nfse = ?, reconcile = 0,
    lease_until = NULL, lease_owner = NULL, next_attempt_at = NULL, updated_at = ?
WHERE id = ? AND status = ? AND lease_owner = ? AND lease_until = ?"""
_SQLITE_HISTORIA = "INSERT INTO historico (nota_id, status, detalhe, at) VALUES (?, ?, ?, ?)"
_SQLITE_HOOKS = """
SELECT id FROM hooks
WHERE empresa_id = ? AND ambiente = ? AND event = ?
    AND desativado_em IS NULL
    AND ((cnpj IS NULL AND cpf IS NULL) OR cnpj = ? OR cpf = ?)
ORDER BY created_at, id"""


def detalhe_autorizada(numero: str | None) -> str:
    """The history line of an authorization."""
    return f"NFS-e {numero} autorizada"


def autorizar(conn: Connection, nota: Row, dono: str, ate: datetime,
              documentos: Sequence[tuple[str, bytes, str]], *,
              numero: str | None, codigo_verificacao: str | None, chave_acesso: str | None,
              data_emissao: datetime | None, valores: Mapping[str, str] | None = None,
              mensagem: str | None = None) -> list[str] | None:
    """Record the authorization of ``nota`` (its row as claimed, processando under the
    lease of ``dono`` until ``ate``) with ``documentos`` ((kind, content, media type)
    each) and what the authorization left to say (``mensagem``: the authority's alerts, a
    decision taken without the municipal parameters); the ids of the hooks its event goes
    to, in the order ``hooks.da_nota`` gives them. None, and nothing written, when the note
    is no longer so."""
    event = nota.modelo or "nfse"
    if conn.dialect.name != "postgresql":
        return _sqlite(conn, nota, dono, ate, documentos, event, numero=numero,
                       codigo_verificacao=codigo_verificacao, chave_acesso=chave_acesso,
                       data_emissao=data_emissao, valores=valores, mensagem=mensagem)
    params: dict[str, Any] = {
        "nota_id": nota.id, "agora": now(), "status": Status.AUTORIZADO.value,
        "origem": Status.PROCESSANDO.value, "dono": dono, "ate": ate,
        "kinds": [kind for kind, _, _ in documentos],
        "contents": [artefatos.comprimir(content) for _, content, _ in documentos],
        "media_types": [media_type for _, _, media_type in documentos],
        "numero": numero, "codigo_verificacao": codigo_verificacao,
        "chave_acesso": chave_acesso, "data_emissao": utc(data_emissao),
        "valores": json.dumps(dict(valores)) if valores else None, "mensagem": mensagem,
        "detalhe": detalhe_autorizada(numero),
        "empresa_id": nota.empresa_id, "ambiente": nota.ambiente, "event": event,
        "documento": nota.cnpj_prestador}
    with conn.connection.driver_connection.cursor() as cursor:
        with pipeline(conn):  # for its BEGIN in the same round trip and its errors
            cursor.execute(_PG_AUTORIZAR, params, prepare=True)
        found = cursor.fetchall()
    if not found:
        return None
    return [hook_id for (hook_id,) in found if hook_id is not None]


def _sqlite(conn: Connection, nota: Row, dono: str, ate: datetime,
            documentos: Sequence[tuple[str, bytes, str]], event: str, *, numero: str | None,
            codigo_verificacao: str | None, chave_acesso: str | None,
            data_emissao: datetime | None, valores: Mapping[str, str] | None,
            mensagem: str | None) -> list[str] | None:
    instante = historico.c.at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    agora = instante(now())
    emissao = instante(utc(data_emissao)) if data_emissao is not None else None
    status = Status.AUTORIZADO.value
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(_SQLITE_NOTA, (
            status, numero, codigo_verificacao, chave_acesso, emissao, mensagem,
            json.dumps(dict(valores)) if valores else None, agora, nota.id,
            Status.PROCESSANDO.value, dono, instante(ate)))
        if cursor.rowcount != 1:
            return None
        cursor.executemany(_SQLITE_ARTEFATO, [
            (nota.id, kind, artefatos.comprimir(content), media_type, agora)
            for kind, content, media_type in documentos])
        cursor.execute(_SQLITE_HISTORIA, (nota.id, status, detalhe_autorizada(numero),
                                          agora))
        cursor.execute(_SQLITE_HOOKS, (nota.empresa_id, nota.ambiente, event,
                                       nota.cnpj_prestador, nota.cnpj_prestador))
        return [hook_id for (hook_id,) in cursor.fetchall()]
    finally:
        cursor.close()
