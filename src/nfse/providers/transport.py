"""The one way every provider reaches its authority: HTTPS over httpx with the company's A1
(mutual TLS), HTTP/1.1 (the Sefin refuses HTTP/2), kept-alive connections, a timeout on every
call, and proxies (the environment's ``HTTPS_PROXY``/``NO_PROXY``, or the authority's own
``NFSE_<PROVIDER>_PROXY`` setting, which wins).

What happened to a request is told by what the call returns or raises, in the classes
exactly-once needs (ARCHITECTURE decisions 2 and 9):

- ``Answer``: the authority answered (any status but 403); the provider reads it.
- ``NotSent``: nothing reached the authority (connection refused, DNS, proxy, our check of the
  server's certificate, a full pool): sending again is safe. The authority's failure.
- ``Refused`` (a ``NotSent``): the authority refused the *company's* certificate, at the TLS
  handshake or with HTTP 403, or the certificate is expired and was not sent at all. Nothing
  was processed; the failure is the company's, not the authority's.
- ``Unknown``: the request may have arrived (timeout or reset after it left, an answer that is
  not HTTP): the next step is a reconciliation query. The authority's failure.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import urllib.request
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from nfse.certs.a1 import A1
from nfse.certs.tls import client_context

MAX_CLIENTS = 256
"""Certificates, trust stores and proxies whose connections are kept open; the least recently used
beyond this are closed, so thousands of tenants do not hold thousands of pools."""
KEEPALIVE = 60.0
"""Seconds an idle connection is kept; one the server closed meanwhile is dropped before
use (httpcore checks it), not discovered by a request whose outcome would then be unknown."""

CERTIFICATE_ALERTS = {
    "TLSV1_ALERT_UNKNOWN_CA": "a autoridade não reconhece a autoridade certificadora que "
                              "emitiu o certificado",
    "SSLV3_ALERT_BAD_CERTIFICATE": "certificado inválido",
    "SSLV3_ALERT_CERTIFICATE_EXPIRED": "certificado vencido",
    "SSLV3_ALERT_CERTIFICATE_REVOKED": "certificado revogado",
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN": "certificado não aceito",
    "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE": "tipo de certificado não aceito",
    "TLSV13_ALERT_CERTIFICATE_REQUIRED": "a autoridade exige o certificado do cliente",
    "TLSV1_ALERT_ACCESS_DENIED": "acesso negado ao certificado",
}
"""TLS alerts by which a server refuses the client's certificate (OpenSSL's reason names)."""
NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
"""httpx writes a request's head and body apart: with Nagle's algorithm the body could wait
for the server's delayed ACK."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class NotSent(Exception):
    """Nothing reached the authority (connection refused, DNS, TLS handshake, proxy)."""

    answer: Answer | None = None


class Refused(NotSent):
    """The authority refused the company's certificate (TLS alert or HTTP 403), or it is
    expired: ``reason`` says what was refused, in Portuguese."""

    def __init__(self, reason: str, answer: Answer | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.answer = answer


class Unknown(Exception):
    """The request may have arrived; its outcome is unknown (timeout, reset)."""


def _refusal(exc: BaseException) -> str | None:
    """The refusal of our certificate inside ``exc``'s chain of causes, if that is what
    ended the connection."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLError) and not isinstance(seen, ssl.SSLCertVerificationError):
            reason = getattr(seen, "reason", None) or ""
            if reason in CERTIFICATE_ALERTS:
                return f"{CERTIFICATE_ALERTS[reason]} (TLS {reason})"
        seen = seen.__cause__ or seen.__context__
    return None


def classify(exc: httpx.HTTPError) -> NotSent | Unknown:
    """httpx's exception tree onto the outcome classes: whatever fails before the request
    is written is ``NotSent``; once it may have been written, ``Unknown`` — except a TLS
    alert refusing our certificate, which ends the handshake before anything is processed
    (with TLS 1.3 the client learns it only when it reads)."""
    message = str(exc) or type(exc).__name__
    refused = _refusal(exc)
    if refused is not None:
        return Refused(refused)
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.ProxyError
                  | httpx.PoolTimeout | httpx.UnsupportedProtocol):
        return NotSent(message)
    return Unknown(message)


def _reason_403(body: bytes) -> str:
    """What a 403 says: the first error of a JSON body (code and description), else the
    start of its text."""
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        parsed = None
    if isinstance(parsed, dict):
        erros = parsed.get("erros") or parsed.get("Erros") or []
        first = erros[0] if isinstance(erros, list) and erros else None
        if isinstance(first, dict):
            fields = {k.lower(): v for k, v in first.items()}
            text = " ".join(str(fields[k]) for k in ("codigo", "descricao") if fields.get(k))
            if text:
                return f"HTTP 403: {text}"
    text = body[:200].decode("utf-8", "replace").strip()
    return f"HTTP 403{': ' + text if text else ''}"


class _Conexoes:
    """The connections to one (certificate, trust store, proxy): one httpx transport per
    request at once, each holding one kept-alive connection, lent last-in first-out, so an
    authority capped at two requests at once sees the same two connections. A single
    transport (one pool) shared by every request cost a tenth of a worker's CPU at 64 notes
    in flight: httpcore looks at every connection of its pool on each request and each
    answer (a poll of each idle socket). The transports share the TLS context."""

    def __init__(self, context: ssl.SSLContext, proxy: str | None) -> None:
        self.context = context
        self.proxy = proxy
        self.livres: list[httpx.HTTPTransport] = []
        self.fechada = False
        self._lock = threading.Lock()

    def emprestar(self) -> httpx.HTTPTransport:
        with self._lock:
            if self.livres:
                return self.livres.pop()
        return httpx.HTTPTransport(
            verify=self.context, http1=True, http2=False, proxy=self.proxy,
            socket_options=NODELAY,
            limits=httpx.Limits(max_keepalive_connections=1, keepalive_expiry=KEEPALIVE))

    def devolver(self, transport: httpx.HTTPTransport, max_idle: int) -> None:
        with self._lock:
            if not self.fechada and len(self.livres) < max_idle:
                self.livres.append(transport)
                return
        transport.close()

    def fechar(self) -> None:
        with self._lock:
            self.fechada = True
            livres, self.livres = self.livres, []
        for transport in livres:
            transport.close()


class Transport:
    """The connections (``_Conexoes``) per (certificate, trust store, proxy): the TLS
    context, which costs more to build than a request, is made once per certificate.
    Requests go straight to httpx's ``HTTPTransport``: the ``Client`` around it (cookies,
    redirects, auth, URL merging) cost more CPU per call than the rest, and an authority
    needs none of it. Safe to share between threads."""

    def __init__(self, max_idle: int = 16) -> None:
        self.max_idle = max_idle
        """Idle connections kept per (certificate, trust store, proxy)."""
        self._environment = urllib.request.getproxies_environment()
        """``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` as the process started (reading
        the environment costs more than a request: httpx's client reads it once too)."""
        self._proxies: dict[str, str | None] = {}
        self._clients: OrderedDict[tuple[bytes, str | None, str | None], _Conexoes] = \
            OrderedDict()
        self._lock = threading.Lock()

    def _conexoes(self, a1: A1, ca_file: str | None, proxy: str | None) -> _Conexoes:
        key = (a1.fingerprint, ca_file, proxy)
        with self._lock:
            found = self._clients.get(key)
            if found is not None:
                self._clients.move_to_end(key)
                return found
        nova = _Conexoes(client_context(a1, ca_file), proxy)
        evicted = []
        with self._lock:
            found = self._clients.setdefault(key, nova)
            while len(self._clients) > MAX_CLIENTS:
                evicted.append(self._clients.popitem(last=False)[1])
        for old in evicted:
            old.fechar()
        return found

    def environment_proxy(self, host: str) -> str | None:
        """The proxy the environment names for HTTPS to ``host`` (``HTTPS_PROXY`` or
        ``ALL_PROXY``), unless ``NO_PROXY`` excludes the host."""
        found = self._proxies.get(host, "")
        if found != "":
            return found
        proxy = self._environment.get("https") or self._environment.get("all") or None
        if proxy and urllib.request.proxy_bypass_environment(host, self._environment):
            proxy = None
        self._proxies[host] = proxy
        return proxy

    def close(self) -> None:
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for conexoes in clients:
            conexoes.fechar()

    def request(self, method: str, url: str, a1: A1, ca_file: str | None, timeout: float,
                json_body: dict | None = None, *, content: bytes | None = None,
                headers: Mapping[str, str] | None = None, proxy: str | None = None) -> Answer:
        """``json_body`` is sent as JSON; ``content`` (with its own ``headers``, e.g. a SOAP
        envelope with its Content-Type and SOAPAction) as given. ``headers`` override the
        defaults. ``proxy``: this authority's proxy URL (None: the environment's)."""
        if a1.expired():
            raise Refused(f"certificado vencido em {a1.not_after:%d/%m/%Y}; não foi enviado")
        sent_headers = {"Accept": "application/json"}
        body = content
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent_headers["Content-Type"] = "application/json"
        if headers:
            sent_headers.update(headers)
        target = httpx.URL(url)
        conexoes = self._conexoes(a1, ca_file, proxy or self.environment_proxy(target.host))
        request = httpx.Request(method, target, content=body, headers=sent_headers,
                                extensions={"timeout": httpx.Timeout(timeout).as_dict()})
        client = conexoes.emprestar()
        try:
            response = client.handle_request(request)
            try:
                received = response.read()
            finally:
                response.close()
        except httpx.HTTPError as exc:
            raise classify(exc) from exc
        finally:
            conexoes.devolver(client, self.max_idle)
        answer = Answer(response.status_code, received)
        if answer.status == 403:
            raise Refused(_reason_403(answer.body), answer)
        return answer
