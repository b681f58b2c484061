"""Administrator (reseller) tokens: the only credential of ``/v2/empresas``. Stored hashed.
Checked against the database on every request (never cached), so a revoked token stops at
once in every API process."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from nfse.certs.secrets import hash_token
from nfse.store.clock import aware, now
from nfse.store.tables import admin_tokens


def criar(conn: Connection, nome: str | None = None, token: str | None = None) -> str:
    token = token or "adm_" + secrets.token_urlsafe(32)
    conn.execute(insert(admin_tokens).values(token_hash=hash_token(token), nome=nome,
                                             created_at=now()))
    return token


def valido(conn: Connection, token: str) -> bool:
    return conn.execute(select(admin_tokens.c.id).where(
        admin_tokens.c.token_hash == hash_token(token))).first() is not None


@dataclass(frozen=True)
class AdminToken:
    id: int
    nome: str | None
    created_at: datetime


def listar(conn: Connection) -> list[AdminToken]:
    """The tokens (never their value: only its hash is kept)."""
    return [AdminToken(row.id, row.nome, aware(row.created_at)) for row in conn.execute(
        select(admin_tokens.c.id, admin_tokens.c.nome, admin_tokens.c.created_at)
        .order_by(admin_tokens.c.id))]


def revogar(conn: Connection, token_id: int) -> bool:
    """Remove the token; False when there was none with that id."""
    return conn.execute(delete(admin_tokens).where(admin_tokens.c.id == token_id)).rowcount > 0
