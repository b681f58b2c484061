"""Authentication: the token as HTTP Basic user name (empty password) or ``?token=``. A token
opens one company in one environment."""

from __future__ import annotations

import base64
import binascii

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from nfse.api.errors import ApiError
from nfse.store.empresas import Credencial, autenticar


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.split(":", 1)[0] or None
    return request.query_params.get("token") or None


UNAUTHORIZED = ApiError(
    401, "nao_autorizado", "Token de acesso ausente ou inválido",
    headers={"WWW-Authenticate": 'Basic realm="nfse"'},
)


async def credencial(request: Request) -> Credencial:
    """FastAPI dependency: the credential of the request's token, or 401."""
    token = token_of(request)
    if not token:
        raise UNAUTHORIZED
    runtime = request.app.state.runtime

    def lookup() -> Credencial | None:
        with runtime.engine.connect() as conn:
            return autenticar(conn, token)

    found = await run_in_threadpool(lookup)
    if found is None:
        raise UNAUTHORIZED
    return found
