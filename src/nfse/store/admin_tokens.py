"""Administrator (reseller) tokens: the only credential of ``/v2/empresas``. Stored hashed."""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, insert, select

from nfse.certs.secrets import hash_token
from nfse.store.clock import now
from nfse.store.tables import admin_tokens


def criar(conn: Connection, nome: str | None = None, token: str | None = None) -> str:
    token = token or "adm_" + secrets.token_urlsafe(32)
    conn.execute(insert(admin_tokens).values(token_hash=hash_token(token), nome=nome,
                                             created_at=now()))
    return token


def valido(conn: Connection, token: str) -> bool:
    return conn.execute(select(admin_tokens.c.id).where(
        admin_tokens.c.token_hash == hash_token(token))).first() is not None
