"""The HTTPS server of the NFS-e Nacional sandbox: mutual TLS (a client certificate is
required and must be trusted), HTTP/1.1, JSON, the Sefin's routes under ``/SefinNacional``,
plus ``/_sandbox/emitidas`` and ``/_sandbox/faults`` for tests."""

from __future__ import annotations

import json
import random
import socket
import ssl
import struct
import sys
import threading
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from nfse.certs.a1 import A1, document_of, load_pfx
from nfse.certs.generate import generate_ca, generate_server_cert
from nfse.certs.tls import server_context
from nfse.sandbox.nacional.sefin import Sefin
from nfse.sandbox.nacional.state import Estado

BASE = "/SefinNacional"
PARAMETROS = "/parametrizacao"
FAULTS = ("timeout_after_commit", "http500", "reset", "garbage", "slow")
HTML_404 = b"<html><head><title>404</title></head><body>Recurso nao encontrado</body></html>"
IDENTITY_PASSWORD = "sandbox"


def _load_or_create(path: Path, make: Any) -> A1:
    if path.exists():
        return load_pfx(path.read_bytes(), IDENTITY_PASSWORD)
    identity = make()
    path.write_bytes(identity.to_pfx(IDENTITY_PASSWORD))
    path.chmod(0o600)
    return identity


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: NacionalSandbox

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (timeout, reset) is routine here, not an error to print."""
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: with Nagle's algorithm on, the body waits
    # for the client's delayed ACK (40 ms per answer on a kept-alive connection).
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def setup(self) -> None:
        super().setup()
        self.server.sandbox.connections.add(self.connection)

    def finish(self) -> None:
        self.server.sandbox.connections.discard(self.connection)
        super().finish()

    # -- plumbing ------------------------------------------------------------------------
    def _caller(self) -> str | None:
        der = self.connection.getpeercert(binary_form=True)
        return document_of(x509.load_der_x509_certificate(der)) if der else None

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            parsed = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {}
        return parsed if isinstance(parsed, dict) else {}

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, answer: tuple[int, dict[str, Any] | None]) -> None:
        status, body = answer
        self._send(status, json.dumps(body or {}, ensure_ascii=False).encode(),
                   "application/json; charset=utf-8")

    def _not_found(self) -> None:
        self._send(404, HTML_404, "text/html")

    # -- routes --------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        sandbox = self.server.sandbox
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts == ["_sandbox", "emitidas"]:
            self._send(200, json.dumps(sandbox.emitidas()).encode(), "application/json")
        elif len(parts) == 3 and parts[0] == PARAMETROS.strip("/") and parts[2] == "convenio":
            self._json(sandbox.convenio(parts[1]))
        elif parts[:1] != [BASE.strip("/")]:
            self._not_found()
        elif len(parts) == 3 and parts[1] == "nfse":
            self._json(sandbox.sefin.consultar_nfse(parts[2]))
        elif len(parts) == 3 and parts[1] == "dps":
            self._json(sandbox.sefin.consultar_dps(parts[2], self._caller()))
        elif len(parts) == 6 and parts[1] == "nfse" and parts[3] == "eventos":
            self._json(sandbox.sefin.consultar_evento(parts[2], parts[4], parts[5]))
        elif len(parts) in (4, 5) and parts[1] == "nfse" and parts[3] == "eventos":
            self._send(405, b"", "text/plain")
        else:
            self._not_found()

    def do_HEAD(self) -> None:  # noqa: N802
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) == 3 and parts[:2] == [BASE.strip("/"), "dps"]:
            status, _ = self.server.sandbox.sefin.consultar_dps(parts[2], None)
            exists = self.server.sandbox.estado.por_dps(parts[2]) is not None
            self._send(200 if exists else status, b"", "application/json")
        else:
            self._not_found()

    def do_POST(self) -> None:  # noqa: N802
        sandbox = self.server.sandbox
        parts = self.path.split("?")[0].strip("/").split("/")
        body = self._body()
        if parts == ["_sandbox", "faults"]:
            fault, count = body.get("fault"), int(body.get("count", 1))
            if fault not in FAULTS:
                self._send(400, b'{"erro": "falha desconhecida"}', "application/json")
                return
            sandbox.inject(fault, count)
            self._send(200, b"{}", "application/json")
        elif parts == [BASE.strip("/"), "nfse"]:
            self._faulty(lambda: sandbox.sefin.receber_dps(body, self._caller()))
        elif len(parts) == 4 and parts[1] == "nfse" and parts[3] == "eventos":
            self._faulty(lambda: sandbox.sefin.registrar_evento(parts[2], body, self._caller()))
        else:
            self._not_found()

    def _faulty(self, handle: Callable[[], tuple[int, dict[str, Any]]]) -> None:
        """Answer a document the sandbox receives (DPS or event), unless a fault is due."""
        sandbox = self.server.sandbox
        fault = sandbox.next_fault()
        if fault == "slow":
            sandbox.stopping.wait(sandbox.slow_seconds)
        if fault == "http500":
            self._send(500, b"<html><body>Erro interno</body></html>", "text/html")
            return
        if fault == "garbage":
            self._send(200, b"\x00\x01 isto nao e JSON", "application/json")
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
        self._json(answer)


class NacionalSandbox:
    """A local Sefin Nacional (produção restrita). State, CA and trust live in ``data_dir``."""

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 fault_rates: dict[str, float] | None = None, seed: int | None = None,
                 slow_seconds: float = 1.0, sem_convenio: frozenset[str] = frozenset()):
        self.data_dir = Path(data_dir)
        self.sem_convenio = sem_convenio
        """Municipalities answered as not having joined the national system (404)."""
        self.fault_rates = fault_rates or {}
        self.slow_seconds = slow_seconds
        self._random = random.Random(seed)
        self.host = host
        self.port = port
        self.stopping = threading.Event()
        self._faults: deque[str] = deque()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._context: ssl.SSLContext | None = None
        self.connections: set[socket.socket] = set()
        """Open client connections, dropped on stop as a restarting authority would."""

    @property
    def ca_file(self) -> Path:
        return self.data_dir / "ca.pem"

    @property
    def trust_file(self) -> Path:
        return self.data_dir / "trusted-clients.pem"

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}{BASE}"

    @property
    def parametros_url(self) -> str:
        """The ADN's municipal parameters (parametrização), served on the same port."""
        return f"https://{self.host}:{self.port}{PARAMETROS}"

    def convenio(self, codigo: str) -> tuple[int, dict[str, Any]]:
        """``GET /parametrizacao/{cMun}/convenio``: 200 for a municipality that joined the
        national NFS-e, 404 for one that did not (how clients read it)."""
        if not codigo.isdigit() or len(codigo) != 7 or codigo in self.sem_convenio:
            return 404, {"mensagem": f"Município {codigo} sem convênio com o Sistema Nacional"}
        return 200, {"tipoAmbiente": 2, "parametrosConvenio": {
            "tipo": 1, "aderenteAmbienteNacional": 1, "aderenteEmissorNacional": 1,
            "aderenteMAN": 1, "permiteAproveitametoDeCreditos": False}}

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        ca = _load_or_create(self.data_dir / "ca.p12", lambda: generate_ca("Sandbox NFS-e CA"))
        self.ca_file.write_bytes(ca.cert_pem())
        identity = _load_or_create(self.data_dir / "server.p12",
                                   lambda: generate_server_cert(ca, ("127.0.0.1", "localhost")))
        if not self.trust_file.exists():
            self.trust_file.write_bytes(ca.cert_pem())
        self.estado = Estado(self.data_dir / "sefin.db")
        self.sefin = Sefin(self.estado, identity)
        self._context = server_context(identity, str(self.trust_file))
        server = _Server((self.host, self.port), _Handler, bind_and_activate=True)
        server.socket = self._context.wrap_socket(server.socket, server_side=True)
        server.sandbox = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, name="sandbox-nacional",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for conn in list(self.connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=10)
        if getattr(self, "estado", None) is not None:
            self.estado.close()

    def trust(self, cert: x509.Certificate) -> None:
        """Accept client certificates equal to or issued by ``cert``, from the next
        handshake on."""
        pem = cert.public_bytes(serialization.Encoding.PEM)
        with self._lock:
            known = self.trust_file.read_bytes() if self.trust_file.exists() else b""
            if pem not in known:
                self.trust_file.write_bytes(known + pem)
            if self._context is not None:
                self._context.load_verify_locations(cadata=pem.decode())

    def inject(self, fault: str, count: int = 1) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault}; one of {FAULTS}")
        with self._lock:
            self._faults.extend([fault] * count)

    def next_fault(self) -> str | None:
        """The next injected fault, else one drawn at the configured rates, else None."""
        with self._lock:
            if self._faults:
                return self._faults.popleft()
            draw = self._random.random()
        for fault, rate in self.fault_rates.items():
            if draw < rate:
                return fault
            draw -= rate
        return None

    def emitidas(self) -> list[dict[str, Any]]:
        return self.estado.emitidas()


def parse_faults(spec: str) -> dict[str, float]:
    """``"timeout_after_commit=0.1,http500=0.05"`` → rates per fault (their sum ≤ 1)."""
    rates: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, value = item.partition("=")
        if name not in FAULTS:
            raise ValueError(f"falha desconhecida: {name} (conhecidas: {', '.join(FAULTS)})")
        rates[name] = float(value)
    if sum(rates.values()) > 1 or any(r < 0 for r in rates.values()):
        raise ValueError("as taxas de falha devem estar entre 0 e 1 e somar no máximo 1")
    return rates


def run_forever(data_dir: Path, host: str, port: int, trust_files: list[Path],
                fault_rates: dict[str, float] | None = None, seed: int | None = None) -> None:
    sandbox = NacionalSandbox(data_dir, host, port, fault_rates=fault_rates, seed=seed)
    sandbox.start()
    for path in trust_files:
        for cert in x509.load_pem_x509_certificates(Path(path).read_bytes()):
            sandbox.trust(cert)
    print(f"Sandbox NFS-e Nacional em {sandbox.url}")
    print(f"CA do servidor: {sandbox.ca_file}")
    print(f"  curl --cacert {sandbox.ca_file} --cert cliente.pem --key chave.pem "
          f"{sandbox.url}/dps/DPS...")
    print(f"  ou NFSE_NACIONAL_URL_HOMOLOGACAO={sandbox.url} "
          f"NFSE_NACIONAL_PARAMETROS_URL_HOMOLOGACAO={sandbox.parametros_url} "
          f"NFSE_NACIONAL_CA_FILE={sandbox.ca_file}")
    print(f"Certificados de cliente aceitos: {sandbox.trust_file} (--trust acrescenta)")
    try:
        sandbox.stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
