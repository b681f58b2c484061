"""A request id for every request: the client's ``X-Request-Id`` when it sends a sane one
(letters, digits, ``-`` and ``_``, up to 64), else a new one; answered in ``X-Request-Id`` and
carried by every log line written while the request runs (``nfse.logs.REQUISICAO``), uvicorn's
access line included.

A new id is this process's random prefix and a counter: ``uuid4`` per request read the
system's random source each time, and that call, releasing and retaking the interpreter lock
while the group-commit thread held it, cost a fifth of the API's time under load."""

from __future__ import annotations

import itertools
import os
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nfse.logs import REQUISICAO

VALIDO = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PREFIXO = os.urandom(4).hex()
_CONTADOR = itertools.count(1)


def novo_id() -> str:
    """16 hex digits, unique across processes (the prefix) and within one (the counter)."""
    return f"{_PREFIXO}{next(_CONTADOR) & 0xFFFFFFFF:08x}"


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        recebido = next((v.decode("latin-1") for k, v in scope["headers"]
                         if k == b"x-request-id"), "")
        rid = recebido if VALIDO.fullmatch(recebido) else novo_id()
        marca = REQUISICAO.set(rid)

        async def com_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, com_id)
        finally:
            REQUISICAO.reset(marca)
