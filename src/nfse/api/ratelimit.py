"""Per-token request budget (fixed one-minute windows), with the ``Rate-Limit-*`` headers on
every response. Requests without a token are budgeted by client address."""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from nfse.api.auth import token_of

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


class RateLimitMiddleware(BaseHTTPMiddleware):
    def __init__(self, app, limiter: RateLimiter):  # noqa: ANN001
        super().__init__(app)
        self.limiter = limiter

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        token = token_of(request)
        if token:
            key = "t:" + hashlib.sha256(token.encode()).hexdigest()
        else:
            key = "ip:" + (request.client.host if request.client else "-")
        allowed, remaining, reset = self.limiter.hit(key)
        headers = {
            "Rate-Limit-Limit": str(self.limiter.limit),
            "Rate-Limit-Remaining": str(remaining),
            "Rate-Limit-Reset": str(reset),
        }
        if not allowed:
            return JSONResponse(
                {"codigo": "limite_excedido",
                 "mensagem": f"Limite de {self.limiter.limit} requisições por minuto "
                             f"excedido; tente novamente em {reset} s"},
                status_code=429, headers={**headers, "Retry-After": str(reset)})
        response = await call_next(request)
        response.headers.update(headers)
        return response
