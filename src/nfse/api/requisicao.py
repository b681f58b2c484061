"""A request id for every request: the client's ``X-Request-Id`` when it sends a sane one
(letters, digits, ``-`` and ``_``, up to 64), else a new one; answered in ``X-Request-Id`` and
carried by every log line written while the request runs (``nfse.logs.REQUISICAO``), uvicorn's
access line included."""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nfse.logs import REQUISICAO

VALIDO = re.compile(r"[A-Za-z0-9_-]{1,64}")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        recebido = next((v.decode("latin-1") for k, v in scope["headers"]
                         if k == b"x-request-id"), "")
        rid = recebido if VALIDO.fullmatch(recebido) else uuid.uuid4().hex[:16]
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
