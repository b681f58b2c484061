"""The panel's session: the administrator token, sealed (encrypted and authenticated with the
gateway's key) in an ``HttpOnly``, ``SameSite=Strict`` cookie (``Secure`` when the panel is
reached over HTTPS), valid for ``DURACAO``. The token is checked against the database on every
request, so a revoked token ends its sessions at once.

Actions are POST forms carrying a CSRF token: an HMAC of the session cookie under the same
key, which another site can neither read nor compute."""

from __future__ import annotations

import hashlib
import hmac
import time

from cryptography.fernet import InvalidToken
from fastapi import Request
from fastapi.responses import Response

from nfse.model.digitos import so_digitos
from nfse.runtime import Runtime
from nfse.store import admin_tokens

COOKIE = "nfse_painel"
DURACAO = 8 * 3600


def abrir(runtime: Runtime, token: str, resposta: Response, https: bool) -> None:
    valor = runtime.box.seal(f"{int(time.time()) + DURACAO}:{token}".encode()).decode()
    resposta.set_cookie(COOKIE, valor, max_age=DURACAO, httponly=True, samesite="strict",
                        secure=https, path="/painel")


def fechar(resposta: Response) -> None:
    resposta.delete_cookie(COOKIE, path="/painel")


def token(runtime: Runtime, request: Request) -> str | None:
    """The session's administrator token, while the session lasts and the token is valid."""
    valor = request.cookies.get(COOKIE)
    if not valor:
        return None
    try:
        expira, _, admin = runtime.box.open(valor.encode()).decode().partition(":")
    except (InvalidToken, ValueError, UnicodeDecodeError):
        return None
    if not so_digitos(expira) or int(expira) < time.time() or not admin:
        return None
    with runtime.engine.connect() as conn:
        return admin if admin_tokens.valido(conn, admin) else None


def csrf(runtime: Runtime, request: Request) -> str:
    return hmac.new(runtime.box.derivar(b"painel-csrf"),
                    request.cookies.get(COOKIE, "").encode(), hashlib.sha256).hexdigest()


def csrf_valido(runtime: Runtime, request: Request, recebido: str) -> bool:
    return bool(recebido) and hmac.compare_digest(csrf(runtime, request), recebido)
