"""Authentication: the token as HTTP Basic user name (empty password) or ``?token=``. A token
opens one company in one environment.

A credential found in the database is kept in memory for ``CACHE_SECONDS``: looking it up
costs more than accepting a note. A revoked token therefore stops working in other
processes within that time."""

from __future__ import annotations

import base64
import binascii
import threading
import time

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from nfse.api.errors import ApiError
from nfse.store.empresas import Credencial, autenticar

CACHE_SECONDS = 5.0


def token_of(request: Request) -> str | None:
    return token_from(request.headers.get("authorization", ""),
                      request.query_params.get("token"))


def token_from(authorization: str, query_token: str | None) -> str | None:
    if authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.split(":", 1)[0] or None
    return query_token or None


UNAUTHORIZED = ApiError(
    401, "nao_autorizado", "Token de acesso ausente ou inválido",
    headers={"WWW-Authenticate": 'Basic realm="nfse"'},
)


class CredentialCache:
    def __init__(self, seconds: float = CACHE_SECONDS):
        self.seconds = seconds
        self._found: dict[str, tuple[float, Credencial]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Credencial | None:
        entry = self._found.get(token)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, token: str, credencial: Credencial) -> None:
        moment = time.monotonic()
        with self._lock:
            if len(self._found) > 10_000:
                self._found = {k: v for k, v in self._found.items() if v[0] >= moment}
            self._found[token] = (moment + self.seconds, credencial)

    def clear(self) -> None:
        with self._lock:
            self._found.clear()


async def credencial(request: Request) -> Credencial:
    """FastAPI dependency: the credential of the request's token, or 401."""
    token = token_of(request)
    if not token:
        raise UNAUTHORIZED
    runtime = request.app.state.runtime
    cache: CredentialCache = request.app.state.credenciais
    found = cache.get(token)
    if found is not None:
        return found

    def lookup() -> Credencial | None:
        with runtime.engine.connect() as conn:
            return autenticar(conn, token)

    found = await run_in_threadpool(lookup)
    if found is None:
        raise UNAUTHORIZED
    cache.put(token, found)
    return found
