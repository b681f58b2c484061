"""The HTTPS plumbing every sandbox shares: its own CA and server identity in the data
directory, mutual TLS against a trust list that grows with ``trust(cert)``, a threading
HTTP/1.1 server, the open connections (dropped on stop as a restarting authority would), and
the fault injection applied to the answers that change state."""

from __future__ import annotations

import http.client
import json
import selectors
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from nfse.certs.a1 import A1, document_of, load_pfx
from nfse.certs.generate import generate_ca, generate_server_cert
from nfse.certs.tls import server_context
from nfse.sandbox.faults import FAULTS, FaultPlan, Latencia

HTML_404 = b"<html><head><title>404</title></head><body>Recurso nao encontrado</body></html>"

IDENTITY_PASSWORD = "sandbox"
T = TypeVar("T")


def load_or_create(path: Path, make: Callable[[], A1]) -> A1:
    """The identity kept in ``path`` (PKCS#12, mode 0600), made on first use."""
    if path.exists():
        return _identity(path.read_bytes())
    identity = make()
    path.write_bytes(identity.to_pfx(IDENTITY_PASSWORD))
    path.chmod(0o600)
    return identity


@lru_cache(maxsize=16)
def _identity(pfx: bytes) -> A1:
    """A PKCS#12 identity, opened once per process: opening one costs about as much as
    making a key, and a sandbox restarted (or several sharing a CA) opens the same files."""
    return load_pfx(pfx, IDENTITY_PASSWORD)


@lru_cache(maxsize=1)
def _data_http(segundo: int) -> str:
    """The Date header's value, formatted once a second."""
    return formatdate(segundo, usegmt=True)


class SandboxHTTPServer(ThreadingHTTPServer):
    """The threading server, whose loop waits on the listening socket and a wake-up socket
    pair: ``stop`` ends it at once (the standard ``serve_forever`` notices ``shutdown`` only at
    its next poll, half a second later by default)."""

    daemon_threads = True
    sandbox: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wake_recv, self._wake_send = socket.socketpair()
        self._stopped = threading.Event()

    def serve(self) -> None:
        """Accept connections until ``stop``."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_recv, selectors.EVENT_READ)
            while not self._stopped.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self.socket and not self._stopped.is_set():
                        self._handle_request_noblock()

    def stop(self) -> None:
        """End ``serve`` (at once) and close the listening socket."""
        self._stopped.set()
        try:
            self._wake_send.send(b"\0")
        except OSError:  # stopped and closed already
            pass

    def server_close(self) -> None:
        super().server_close()
        self._wake_recv.close()
        self._wake_send.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (timeout, reset) is routine here, not an error to print."""
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: with Nagle's algorithm on, the body waits
    # for the client's delayed ACK (40 ms per answer on a kept-alive connection).
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def setup(self) -> None:
        super().setup()
        self.server.sandbox.connections.add(self.connection)
        self.server.sandbox.conexoes += 1

    def finish(self) -> None:
        self.server.sandbox.connections.discard(self.connection)
        super().finish()

    def caller_cert(self) -> x509.Certificate | None:
        """The TLS client certificate of this connection (None in plain http)."""
        if not isinstance(self.connection, ssl.SSLSocket):
            return None
        der = self.connection.getpeercert(binary_form=True)
        return x509.load_der_x509_certificate(der) if der else None

    def _caller(self) -> str | None:
        """The CNPJ/CPF of the TLS client certificate."""
        cert = self.caller_cert()
        return document_of(cert) if cert is not None else None

    def parse_request(self) -> bool:
        """The request line and headers, read line by line into the standard library's
        message class: its own parser goes through the e-mail package, and cost the
        sandbox more per request than decompressing and parsing the document it carries."""
        self.request_version = "HTTP/0.9"  # what send_error answers a malformed line with
        self.command = None  # type: ignore[assignment]
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if len(words) != 3 or words[2] not in ("HTTP/1.0", "HTTP/1.1"):
            self.send_error(400, "Bad request line")
            return False
        self.command, self.path, self.request_version = words
        headers = http.client.HTTPMessage()
        for _ in range(101):
            line = self.rfile.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
            name, colon, value = str(line, "iso-8859-1").partition(":")
            if not colon or len(line) > 65536:
                self.send_error(400, "Bad header line")
                return False
            headers[name.strip()] = value.strip()
        else:
            self.send_error(431, "Too many headers")
            return False
        self.headers = headers
        connection = (headers.get("Connection") or "").lower()
        self.close_connection = connection == "close" or (
            self.request_version == "HTTP/1.0" and connection != "keep-alive")
        expect = (headers.get("Expect") or "").lower()
        return expect != "100-continue" or self.handle_expect_100()

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def partes(self) -> list[str]:
        """The path's segments, without the query string."""
        return self.path.split("?")[0].strip("/").split("/")

    def nao_encontrado(self) -> None:
        self._send(404, HTML_404, "text/html")

    def emitidas(self) -> None:
        """``GET /_sandbox/emitidas``: what the sandbox issued, for tests to count."""
        body = json.dumps(self.server.sandbox.emitidas(), ensure_ascii=False).encode()
        self._send(200, body, "application/json; charset=utf-8")

    def injetar(self, raw: bytes) -> None:
        """``POST /_sandbox/faults`` with ``{"fault", "count"}``: the next ``count``
        operations that change state fail that way."""
        try:
            body = json.loads(raw or b"{}")
            fault, count = body.get("fault"), int(body.get("count", 1))
        except (ValueError, TypeError, AttributeError):
            fault, count = None, 0
        if fault not in FAULTS:
            self._send(400, b'{"erro": "falha desconhecida"}', "application/json")
            return
        self.server.sandbox.inject(fault, count)
        self._send(200, b"{}", "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        """Status line, headers and body in one write (one TLS record, one system call),
        after the sandbox's latency (not on its own ``/_sandbox`` routes)."""
        latencia = self.server.sandbox.latencia
        if latencia is not None and not self.path.startswith("/_sandbox"):
            self.server.sandbox.stopping.wait(latencia.sortear())
        fim = "Connection: close\r\n\r\n" if self.close_connection else "\r\n"
        head = (f"{self.protocol_version} {status} {self.responses[status][0]}\r\n"
                f"Server: {self.version_string()}\r\nDate: {_data_http(int(time.time()))}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{fim}"
                ).encode("iso-8859-1")
        self.wfile.write(head if self.command == "HEAD" else head + body)

    def with_faults(self, handle: Callable[[], T], deliver: Callable[[T], None],
                    garbage: tuple[bytes, str]) -> None:
        """Answer a request that changes state (``handle`` does the work, ``deliver`` sends
        its answer), unless a fault is due; ``garbage`` is the (body, content type) of the
        ``garbage`` fault."""
        sandbox = self.server.sandbox
        fault = sandbox.next_fault()
        if fault == "slow":
            sandbox.stopping.wait(sandbox.slow_seconds)
        if fault == "http500":
            self._send(500, b"<html><body>Erro interno</body></html>", "text/html")
            return
        if fault == "garbage":
            self._send(200, *garbage)
            return
        answer = handle()
        if fault == "timeout_after_commit":
            sandbox.stopping.wait(60)
            self.close_connection = True
            return
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        deliver(answer)


class HttpsSandbox:
    """A local authority over mutual TLS. CA, server identity, trust list and state live in
    ``data_dir``; subclasses open their state in ``_open`` and close it in ``_close``."""

    handler: type[SandboxHandler] = SandboxHandler
    thread_name = "sandbox"
    exige_certificado = True
    """Whether TLS itself refuses a client without certificate; False: the handshake
    completes and the handler answers (the Sefin answers 403)."""

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 fault_rates: dict[str, float] | None = None, seed: int | None = None,
                 slow_seconds: float = 1.0, latency: Latencia | None = None,
                 tls: bool = True):
        self.data_dir = Path(data_dir)
        self.tls = tls
        """False: plain http, as the municipal systems that publish only an http address
        (docs/http-municipal.md); there is no client certificate then."""
        self.faults = FaultPlan(fault_rates, seed)
        self.latencia = latency
        """Every answer's delay (``--latency``); None: at once."""
        self.slow_seconds = slow_seconds
        self.host = host
        self.port = port
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._trusted: list[x509.Certificate] = []
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._context: ssl.SSLContext | None = None
        self.connections: set[socket.socket] = set()
        """Open client connections, dropped on stop as a restarting authority would."""
        self.conexoes = 0
        """Client connections accepted since start (a test's proof that nothing was sent)."""

    @property
    def fault_rates(self) -> dict[str, float]:
        return self.faults.rates

    @fault_rates.setter
    def fault_rates(self, rates: dict[str, float]) -> None:
        self.faults.rates = rates

    @property
    def ca_file(self) -> Path:
        return self.data_dir / "ca.pem"

    @property
    def trust_file(self) -> Path:
        return self.data_dir / "trusted-clients.pem"

    def _open(self, identity: A1) -> None:
        """Open the sandbox's state; ``identity`` is its server certificate (it signs what
        the authority signs)."""

    def _close(self) -> None:
        """Close what ``_open`` opened."""

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        ca = load_or_create(self.data_dir / "ca.p12", lambda: generate_ca("Sandbox NFS-e CA"))
        self.ca_file.write_bytes(ca.cert_pem())
        identity = load_or_create(self.data_dir / "server.p12",
                                  lambda: generate_server_cert(ca, ("127.0.0.1", "localhost")))
        if not self.trust_file.exists():
            self.trust_file.write_bytes(ca.cert_pem())
        with self._lock:
            self._trusted = list(x509.load_pem_x509_certificates(self.trust_file.read_bytes()))
        self._open(identity)
        self._context = server_context(identity, str(self.trust_file))
        if not self.exige_certificado:
            self._context.verify_mode = ssl.CERT_OPTIONAL  # a presented one must be trusted
        server = SandboxHTTPServer((self.host, self.port), self.handler, bind_and_activate=True)
        if self.tls:
            server.socket = self._context.wrap_socket(server.socket, server_side=True)
        server.sandbox = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._server is not None:
            self._server.server_close()
        for conn in list(self.connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._close()

    def trust(self, cert: x509.Certificate) -> None:
        """Accept client certificates equal to or issued by ``cert``, from the next
        handshake on."""
        pem = cert.public_bytes(serialization.Encoding.PEM)
        with self._lock:
            known = self.trust_file.read_bytes() if self.trust_file.exists() else b""
            if pem not in known:
                self.trust_file.write_bytes(known + pem)
            if cert not in self._trusted:
                self._trusted.append(cert)
            if self._context is not None:
                self._context.load_verify_locations(cadata=pem.decode())

    def trusted(self, cert: x509.Certificate) -> bool:
        """Whether ``cert`` is on the trust list or directly issued by a certificate on it —
        the rule TLS applies to a client, applied to the certificate of a signature."""
        with self._lock:
            known = list(self._trusted)
        for anchor in known:
            if cert == anchor:
                return True
            if cert.issuer != anchor.subject:
                continue
            try:
                cert.verify_directly_issued_by(anchor)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return True
        return False

    def serve_until_stopped(self, trust_files: list[Path], *avisos: str) -> None:
        """``nfse sandbox ...``: trust the given PEM files, say where it listens and how to
        reach it (``avisos``), serve until interrupted."""
        for path in trust_files:
            for cert in x509.load_pem_x509_certificates(Path(path).read_bytes()):
                self.trust(cert)
        for aviso in (*avisos, f"Certificados de cliente aceitos: {self.trust_file} "
                               "(--trust acrescenta)"):
            print(aviso)
        try:
            self.stopping.wait()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    def inject(self, fault: str, count: int = 1) -> None:
        self.faults.inject(fault, count)

    def next_fault(self) -> str | None:
        """The next injected fault, else one drawn at the configured rates, else None."""
        return self.faults.next()
