"""The processes a benchmark drives: databases (SQLite file or a fresh PostgreSQL schema),
the API (``nfse serve --no-worker``), workers, the Nacional sandbox and the bare baseline,
each its own process, optionally pinned to one core; and their peak memory."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from nfse.admin import criar_empresa
from nfse.certs.a1 import A1
from nfse.certs.generate import generate_a1
from nfse.config import Settings
from nfse.providers.base import Emissor
from nfse.runtime import build_runtime

ROOT = Path(__file__).resolve().parents[1]
CNPJ = "11222333000181"
IM = "12345"
MUNICIPIO = "3516200"
"""Franca/SP: in homologação its notes go to the Sefin Nacional's environment (here the
sandbox) through the SilTecnologia profile of the registry (``dps_siltecnologia``), so the
bench also measures what that profile adds to a note (it found a query per POST once)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def database(engine_kind: str, workdir: Path) -> Iterator[str]:
    """A database URL for one measurement: a new SQLite file, or a new schema in
    ``NFSE_BENCH_DATABASE_URL`` dropped afterwards."""
    if engine_kind == "sqlite":
        yield f"sqlite:///{workdir / f'nfse-{secrets.token_hex(4)}.db'}"
        return
    base = os.environ["NFSE_BENCH_DATABASE_URL"]
    schema = "bench_" + secrets.token_hex(6)
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def peak_rss_mb(pid: int) -> float:
    """The process's high-water resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pin(pid: int, cpu: int) -> None:
    """Pin a running process to one core, every thread of it (a thread it starts later
    inherits its starter's core)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        os.sched_setaffinity(int(task.name), {cpu})


def _pinned(cpu: int | None):  # noqa: ANN202
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


@dataclass
class Stack:
    """A company, its token and certificate, and the processes started for it."""

    workdir: Path
    database_url: str
    token: str = ""
    a1: A1 | None = None
    env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)
    starting: list[tuple[int, subprocess.Popen]] = field(default_factory=list)
    """Processes started whose port is not yet waited for (``ready``)."""

    def prepare(self, **settings: str) -> None:
        data_dir = self.workdir / f"data-{secrets.token_hex(4)}"
        self.env = {**os.environ, "NFSE_DATA_DIR": str(data_dir),
                    "NFSE_DATABASE_URL": self.database_url, "NFSE_SECRET_KEY": "bench-key",
                    "NFSE_RATE_LIMIT": "1000000000",
                    "NFSE_NACIONAL_PARAMETROS_URL_HOMOLOGACAO": "off", **settings}
        runtime = build_runtime(Settings(data_dir=data_dir, database_url=self.database_url,
                                         secret_key="bench-key"))
        self.a1 = generate_a1(CNPJ, "EMPRESA BENCH LTDA")
        nova = criar_empresa(runtime, cnpj=CNPJ, nome="EMPRESA BENCH LTDA",
                             inscricao_municipal=IM, codigo_municipio=MUNICIPIO,
                             pfx=self.a1.to_pfx("senha"), senha="senha", regime_tributario=3)
        runtime.engine.dispose()
        self.token = nova.token_homologacao

    def spawn(self, args: list[str], name: str, cpu: int | None = None) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("ab")
        proc = subprocess.Popen([sys.executable, *args], env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, preexec_fn=_pinned(cpu), cwd=ROOT)
        self.processes.append(proc)
        return proc

    def api(self, cpu: int | None = None, worker: bool = False) -> tuple[subprocess.Popen, str]:
        """``nfse serve --no-worker``; with ``worker``, its worker in the same process."""
        proc, url = self.start_api(cpu, worker)
        wait_http(url + "/readyz", proc)
        self.ready()
        return proc, url

    def start_api(self, cpu: int | None = None,
                  worker: bool = False) -> tuple[subprocess.Popen, str]:
        """``api`` without waiting for it to answer (``wait_http`` its ``/readyz``): several
        servers start at once."""
        port = free_port()
        args = ["-m", "nfse.cli", "serve", "--port", str(port)]
        proc = self.spawn(args if worker else [*args, "--no-worker"], "api", cpu)
        return proc, f"http://127.0.0.1:{port}"

    def ready(self) -> None:
        """Wait for the ports of the processes still starting (the sandbox)."""
        while self.starting:
            wait_port(*self.starting.pop())

    def sandbox(self, *extra: str) -> tuple[subprocess.Popen, str, Path]:
        """The Nacional sandbox, trusting this stack's certificate; sets the workers' env.
        ``extra``: more options of ``nfse sandbox nacional`` (``--latency``, ``--faults``).
        It starts while the API does: ``api`` (or ``ready``) waits for its port."""
        assert self.a1 is not None
        port = free_port()
        box = self.workdir / f"sandbox-{secrets.token_hex(4)}"
        box.mkdir()
        trust = box / "client.pem"
        trust.write_bytes(self.a1.cert_pem())
        proc = self.spawn(["-m", "nfse.cli", "sandbox", "nacional", "--port", str(port),
                           "--data-dir", str(box), "--trust", str(trust), *extra], "sandbox")
        url = f"https://127.0.0.1:{port}/SefinNacional"
        self.starting.append((port, proc))
        self.env["NFSE_NACIONAL_URL_HOMOLOGACAO"] = url
        self.env["NFSE_NACIONAL_PARAMETROS_URL_HOMOLOGACAO"] = \
            f"https://127.0.0.1:{port}/parametrizacao"
        self.env["NFSE_NACIONAL_CA_FILE"] = str(box / "ca.pem")
        return proc, url, box / "ca.pem"

    def worker(self, n: int) -> subprocess.Popen:
        return self.spawn(["-m", "nfse.cli", "worker"], f"worker-{n}")

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.processes.clear()
        self.starting.clear()


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process {proc.args} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} never opened")


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process {proc.args} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} never answered")


@contextmanager
def sandbox_emissor(workdir: Path, name: str) -> Iterator[Emissor]:
    """The sandbox alone, with a company's emitter pointed at it (no API, no worker)."""
    stack = Stack(workdir, f"sqlite:///{workdir / f'{name}.db'}")
    stack.prepare()
    try:
        _, url, ca = stack.sandbox()
        stack.ready()
        assert stack.a1 is not None
        yield Emissor(a1=stack.a1, ambiente="homologacao", base_url=url, ca_file=str(ca),
                      razao_social="EMPRESA BENCH LTDA", regime_tributario=3)
    finally:
        stack.stop()
