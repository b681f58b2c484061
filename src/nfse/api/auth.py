"""Authentication: the token as HTTP Basic user name (empty password) or ``?token=``. A token
opens one company in one environment.

A credential found in the database is kept in memory for ``CACHE_SECONDS``: looking it up
costs more than accepting a note. Changes to a company or its tokens clear the cache of
every API process at once (``api.invalidacao``).

Failed authentications are budgeted per client address (``NFSE_AUTH_FAILURES`` a minute):
past it, every request with a token that is not in the cache gets 429 until the window ends,
so guessing tokens costs a minute per few dozen guesses."""

from __future__ import annotations

import base64
import binascii
import threading
import time

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from nfse.api.cliente import of_request
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
        self.ativo = True
        """False while changes made elsewhere could go unnoticed (``api.invalidacao``)."""
        self.geracao = 0
        """Counts the clears: a lookup that started before one is not kept."""
        self._found: dict[str, tuple[float, Credencial]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Credencial | None:
        entry = self._found.get(token)
        if entry is None or entry[0] < time.monotonic() or not self.ativo:
            return None
        return entry[1]

    def put(self, token: str, credencial: Credencial, geracao: int) -> None:
        moment = time.monotonic()
        with self._lock:
            if geracao != self.geracao:
                return
            if len(self._found) > 10_000:
                self._found = {k: v for k, v in self._found.items() if v[0] >= moment}
            self._found[token] = (moment + self.seconds, credencial)

    def clear(self) -> None:
        with self._lock:
            self.geracao += 1
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
    antes_de_tentar(request)
    geracao = cache.geracao

    def lookup() -> Credencial | None:
        with runtime.engine.connect() as conn:
            return autenticar(conn, token)

    found = await run_in_threadpool(lookup)
    if found is None:
        raise falhou(request)
    cache.put(token, found, geracao)
    return found


def _falhas_key(request: Request) -> str:
    return "falha:" + of_request(request.scope, request.app.state.runtime.settings
                                 .trusted_proxies)


def antes_de_tentar(request: Request) -> None:
    """429 when the client address spent its budget of failed authentications."""
    limit = request.app.state.runtime.settings.auth_failures
    if request.app.state.falhas.peek(_falhas_key(request)) >= limit:
        raise ApiError(429, "limite_excedido",
                       f"Muitas tentativas de autenticação inválidas deste endereço (limite "
                       f"de {limit} por minuto); tente novamente em instantes",
                       headers={"Retry-After": "60"})


def falhou(request: Request) -> ApiError:
    """Count a failed authentication of the client address; the 401 to raise."""
    request.app.state.falhas.hit(_falhas_key(request),
                                 request.app.state.runtime.settings.auth_failures)
    return UNAUTHORIZED
