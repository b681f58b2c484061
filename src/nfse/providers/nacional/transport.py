"""HTTPS with the company's certificate, HTTP/1.1 (the Sefin refuses HTTP/2), a timeout on
every call, and failures classified by whether the request may have reached the authority.

Built on the standard library's ``http.client`` with kept-alive connections pooled per
(certificate, trust store, host): a request costs ~130 µs of CPU here against ~600 µs
through httpx, and a worker sends one per note."""

from __future__ import annotations

import http.client
import json
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from nfse.certs.a1 import A1
from nfse.certs.tls import client_context


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class NotSent(Exception):
    """Nothing reached the authority (connection refused, DNS, TLS handshake)."""


class Unknown(Exception):
    """The request may have arrived; its outcome is unknown (timeout, reset)."""


Key = tuple[bytes, str | None, str, int]


class Transport:
    """Idle connections per (certificate, trust store, host, port); the TLS context, which
    costs more to build than a request, is made once per certificate and trust store."""

    def __init__(self, max_idle: int = 16) -> None:
        self.max_idle = max_idle
        self._contexts: dict[tuple[bytes, str | None], ssl.SSLContext] = {}
        self._idle: dict[Key, list[http.client.HTTPSConnection]] = {}
        self._lock = threading.Lock()

    def _checkout(self, key: Key, a1: A1, ca_file: str | None,
                  timeout: float) -> http.client.HTTPSConnection:
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                conn = idle.pop()
                conn.timeout = timeout
                if conn.sock is not None:
                    conn.sock.settimeout(timeout)
                return conn
            context = self._contexts.get(key[:2])
            if context is None:
                context = self._contexts[key[:2]] = client_context(a1, ca_file)
        return http.client.HTTPSConnection(key[2], key[3], timeout=timeout, context=context)

    def _checkin(self, key: Key, conn: http.client.HTTPSConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self.max_idle:
                idle.append(conn)
                return
        conn.close()

    def request(self, method: str, url: str, a1: A1, ca_file: str | None, timeout: float,
                json_body: dict | None = None, *, content: bytes | None = None,
                headers: Mapping[str, str] | None = None) -> Answer:
        """``json_body`` is sent as JSON; ``content`` (with its own ``headers``, e.g. a SOAP
        envelope with its Content-Type and SOAPAction) as given. ``headers`` override the
        defaults."""
        parts = urlsplit(url)
        key = (a1.fingerprint, ca_file, parts.hostname or "", parts.port or 443)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        sent_headers = {"Accept": "application/json", "Host": parts.netloc}
        body = content
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent_headers["Content-Type"] = "application/json"
        if headers:
            sent_headers.update(headers)
        conn = self._checkout(key, a1, ca_file, timeout)
        if conn.sock is None:
            try:
                conn.connect()
            except (OSError, ssl.SSLError) as exc:  # refused, DNS, handshake, connect timeout
                conn.close()
                raise NotSent(str(exc) or type(exc).__name__) from exc
        try:
            conn.request(method, target, body=body, headers=sent_headers)
            response = conn.getresponse()
            received = response.read()
        except (OSError, http.client.HTTPException) as exc:  # timeout, reset, bad answer
            conn.close()
            raise Unknown(str(exc) or type(exc).__name__) from exc
        if response.will_close:
            conn.close()
        else:
            self._checkin(key, conn)
        return Answer(response.status, received)


