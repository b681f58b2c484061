"""Per-token request budget (fixed one-minute windows), with the ``Rate-Limit-*`` headers on
every response. Requests without a token are budgeted by client address.

A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` costs as much per request as
accepting a note."""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nfse.api.auth import token_from

WINDOW = 60.0


class RateLimiter:
    def __init__(self, limit: Callable[[], int]):
        self._limit = limit
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    @property
    def limit(self) -> int:
        """Read on every request, so a changed setting applies at once."""
        return self._limit()

    def hit(self, key: str) -> tuple[bool, int, int]:
        """Count one request: (allowed, remaining, seconds until the window resets)."""
        moment = time.monotonic()
        with self._lock:
            start, count = self._windows.get(key, (moment, 0))
            if moment - start >= WINDOW:
                start, count = moment, 0
            count += 1
            self._windows[key] = (start, count)
            if len(self._windows) > 100_000:
                self._windows = {k: v for k, v in self._windows.items()
                                 if moment - v[0] < WINDOW}
        reset = max(0, math.ceil(start + WINDOW - moment))
        limit = self.limit
        return count <= limit, max(0, limit - count), reset


def _key(scope: Scope) -> str:
    authorization = ""
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
            break
    query = scope.get("query_string", b"")
    query_token = None
    if b"token=" in query:
        query_token = parse_qs(query.decode("latin-1")).get("token", [None])[0]
    token = token_from(authorization, query_token)
    if token:
        return "t:" + hashlib.sha256(token.encode()).hexdigest()
    client = scope.get("client")
    return "ip:" + (client[0] if client else "-")


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter):
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        allowed, remaining, reset = self.limiter.hit(_key(scope))
        headers = [(b"rate-limit-limit", str(self.limiter.limit).encode()),
                   (b"rate-limit-remaining", str(remaining).encode()),
                   (b"rate-limit-reset", str(reset).encode())]
        if not allowed:
            body = json.dumps({
                "codigo": "limite_excedido",
                "mensagem": f"Limite de {self.limiter.limit} requisições por minuto "
                            f"excedido; tente novamente em {reset} s"},
                ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 429, "headers": [
                *headers, (b"retry-after", str(reset).encode()),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, with_headers)
