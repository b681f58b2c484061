"""Request budgets (fixed one-minute windows), with the ``Rate-Limit-*`` headers on every
response:

- a request with a token counts against that token;
- a public document link (``/d/CAPABILITY/...``) against that link, so links fetched through
  a reverse proxy do not share one budget;
- any other request against the client address.

The client address is the socket's peer, or, when the peer is one of ``NFSE_TRUSTED_PROXIES``,
the last ``X-Forwarded-For`` entry that is not a trusted proxy.

On PostgreSQL the budgets hold across API processes: ``api.contagem_partilhada`` adds the
other processes' counts, read a few times a second, so no request writes to the database.

A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` costs as much per request as
accepting a note."""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nfse.api.auth import token_from
from nfse.api.cliente import client_address
from nfse.visualizacao.links import PUBLIC_PREFIX

WINDOW = 60.0
MAX_KEYS = 50_000
"""Windows kept at most. Past it the oldest window is dropped: memory and the cost of a
request stay bounded whatever the number of keys (each request touches O(1) entries)."""


class Partilha(Protocol):
    """The other API processes' requests (``api.contagem_partilhada``)."""

    def contar(self, chave: str) -> int: ...

    def outros(self, chave: str) -> int: ...


class RateLimiter:
    """Fixed windows per key, in an ordered map by window start: expired windows are dropped
    from its front, at most two per request, and the map never exceeds ``max_keys``. With a
    ``partilha``, a key's count adds the other processes' requests."""

    def __init__(self, limit: Callable[[], int], max_keys: int = MAX_KEYS,
                 clock: Callable[[], float] = time.monotonic,
                 partilha: Partilha | None = None):
        self._limit = limit
        self.max_keys = max_keys
        self._clock = clock
        self.partilha = partilha
        self._windows: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def limit(self) -> int:
        """Read on every request, so a changed setting applies at once."""
        return self._limit()

    def __len__(self) -> int:
        return len(self._windows)

    def hit(self, key: str, limit: int | None = None) -> tuple[bool, int, int]:
        """Count one request: (allowed, remaining, seconds until the window resets)."""
        moment = self._clock()
        windows = self._windows
        with self._lock:
            for _ in range(2):  # amortised cleanup: the front holds the oldest windows
                if windows:
                    first = next(iter(windows.values()))
                    if moment - first[0] >= WINDOW:
                        windows.popitem(last=False)
                        continue
                break
            window = windows.get(key)
            if window is None or moment - window[0] >= WINDOW:
                window = [moment, 0]
                windows[key] = window
                windows.move_to_end(key)
                while len(windows) > self.max_keys:
                    windows.popitem(last=False)
            window[1] += 1
            start, count = window
        if self.partilha is not None:
            count += self.partilha.contar(key)
        reset = max(0, math.ceil(start + WINDOW - moment))
        limit = self.limit if limit is None else limit
        return count <= limit, max(0, limit - int(count)), reset

    def peek(self, key: str) -> int:
        """Requests counted for ``key`` in its current window."""
        outros = 0 if self.partilha is None else self.partilha.outros(key)
        window = self._windows.get(key)
        if window is None or self._clock() - window[0] >= WINDOW:
            return outros
        return int(window[1]) + outros


def _key(scope: Scope, proxies: list) -> str:  # noqa: ANN001
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
    path: str = scope.get("path", "")
    if path.startswith(PUBLIC_PREFIX + "/"):
        capability = path[len(PUBLIC_PREFIX) + 1:].split("/", 1)[0]
        return "d:" + hashlib.sha256(capability.encode()).hexdigest()
    return "ip:" + client_address(scope, proxies)


def recusa(limit: int, reset: int, headers: list[tuple[bytes, bytes]],
           mensagem: str | None = None) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The 429 answer: its headers and body."""
    body = json.dumps({
        "codigo": "limite_excedido",
        "mensagem": mensagem or f"Limite de {limit} requisições por minuto excedido; tente "
                                f"novamente em {reset} s"}, ensure_ascii=False).encode()
    return [*headers, (b"retry-after", str(reset).encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode())], body


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter,
                 proxies: Callable[[], list] = list):  # noqa: B008
        self.app = app
        self.limiter = limiter
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limiter.limit
        allowed, remaining, reset = self.limiter.hit(_key(scope, self.proxies()), limit)
        headers = [(b"rate-limit-limit", str(limit).encode()),
                   (b"rate-limit-remaining", str(remaining).encode()),
                   (b"rate-limit-reset", str(reset).encode())]
        if not allowed:
            answer_headers, body = recusa(limit, reset, headers)
            await send({"type": "http.response.start", "status": 429,
                        "headers": answer_headers})
            await send({"type": "http.response.body", "body": body})
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, with_headers)
