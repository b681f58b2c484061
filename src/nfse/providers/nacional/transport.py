"""HTTPS with the company's certificate, HTTP/1.1 (the Sefin refuses HTTP/2), a timeout on
every call, and failures classified by whether the request may have reached the authority."""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass

import httpx
from cryptography.hazmat.primitives import hashes

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


class Transport:
    """One pooled client per (certificate, trust store): the TLS context costs more to
    build than a request."""

    def __init__(self) -> None:
        self._clients: dict[tuple[bytes, str | None, float], httpx.Client] = {}
        self._lock = threading.Lock()

    def _client(self, a1: A1, ca_file: str | None, timeout: float) -> httpx.Client:
        key = (a1.cert.fingerprint(hashes.SHA256()), ca_file, timeout)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = httpx.Client(verify=client_context(a1, ca_file), http1=True,
                                      http2=False, timeout=httpx.Timeout(timeout))
                self._clients[key] = client
            return client

    def request(self, method: str, url: str, a1: A1, ca_file: str | None, timeout: float,
                json_body: dict | None = None) -> Answer:
        client = self._client(a1, ca_file, timeout)
        try:
            response = client.request(method, url, json=json_body)
        except (httpx.ConnectError, httpx.ConnectTimeout, ssl.SSLError) as exc:
            raise NotSent(str(exc) or type(exc).__name__) from exc
        except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError,
                httpx.WriteError) as exc:
            raise Unknown(str(exc) or type(exc).__name__) from exc
        return Answer(response.status_code, response.content)
