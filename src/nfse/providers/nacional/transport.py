"""HTTPS with the company's certificate, HTTP/1.1 (the Sefin refuses HTTP/2), a timeout on
every call, and failures classified by whether the request may have reached the authority.

Kept-alive connections (``http11``) are pooled per (certificate, trust store, host): a
worker sends one request per note, and a connection the server closed while idle is
dropped before use, not discovered by a request that then has an unknown outcome."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from nfse.certs.a1 import A1
from nfse.certs.tls import client_context
from nfse.providers.nacional.http11 import Connection, ProtocolError


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
        self._idle: dict[Key, list[Connection]] = {}
        self._lock = threading.Lock()

    def _checkout(self, key: Key, a1: A1, ca_file: str | None) -> Connection:
        with self._lock:
            idle = self._idle.get(key)
            while idle:
                conn = idle.pop()
                if conn.reusable():
                    return conn
                conn.close()
            context = self._contexts.get(key[:2])
            if context is None:
                context = self._contexts[key[:2]] = client_context(a1, ca_file)
        return Connection(key[2], key[3], context)

    def _checkin(self, key: Key, conn: Connection) -> None:
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
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent_headers = {"Host": parts.netloc, "Accept": "application/json"}
        body = content
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent_headers["Content-Type"] = "application/json"
        if headers:
            sent_headers.update(headers)
        conn = self._checkout(key, a1, ca_file)
        if conn.sock is None:
            try:
                conn.connect(timeout)
            except (OSError, ssl.SSLError) as exc:  # refused, DNS, handshake, connect timeout
                conn.close()
                raise NotSent(str(exc) or type(exc).__name__) from exc
        try:
            status, received, keep = conn.exchange(method, target, sent_headers, body, timeout)
        except (OSError, ProtocolError) as exc:  # timeout, reset, bad answer
            conn.close()
            raise Unknown(str(exc) or type(exc).__name__) from exc
        if keep:
            self._checkin(key, conn)
        else:
            conn.close()
        return Answer(status, received)
