"""``nfse worker`` as its own process against the API's database: it authorizes what another
process accepted, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from nfse.runtime import Runtime
from nfse.sandbox.nacional import NacionalSandbox
from nfse.store import notas, workers
from tests.support import CNPJ, empresa_teste, free_port, nota_exemplo, worker_env

PG_URL = os.environ.get("NFSE_TEST_DATABASE_URL")


@pytest.mark.sozinho
def test_standalone_worker_authorizes_and_stops_on_sigterm(
        runtime: Runtime, sandbox: NacionalSandbox, database_url: str, tmp_path: Path) -> None:
    _, a1 = empresa_teste(runtime)
    sandbox.trust(a1.cert)
    with runtime.engine.begin() as conn:
        nota_id = notas.aceitar(conn, empresa_id=1, ambiente="homologacao", ref="w-1",
                                requisicao=nota_exemplo(), cnpj_prestador=CNPJ,
                                provider="nacional", modelo="nfse")
    env = worker_env(database_url, sandbox, tmp_path / "worker", NFSE_WORKER_POLL="0.1")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nfse.cli", "worker", "--metrics-port", str(port)], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            with runtime.engine.connect() as conn:
                status = notas.get(conn, nota_id).status
            if status != "processando_autorizacao":
                break
            time.sleep(0.1)
        assert status == "autorizado"
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert 'operacao="emissao",provedor="nacional",resultado="authorized"} 1' in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=30)[0].decode()
    assert proc.returncode == 0, output
    assert "stopped" in output


@pytest.mark.sozinho
@pytest.mark.skipif(not PG_URL, reason="LISTEN/NOTIFY exists only on PostgreSQL")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_notify_wakes_an_idle_worker(
        runtime: Runtime, sandbox: NacionalSandbox, database_url: str, tmp_path: Path) -> None:
    """With a 30 s poll, only the notification can get the note processed within seconds.
    (SQLite has no notifications: there the API wakes its in-process worker directly.)"""
    _, a1 = empresa_teste(runtime)
    sandbox.trust(a1.cert)
    env = worker_env(database_url, sandbox, tmp_path / "worker", NFSE_WORKER_POLL="30")
    proc = subprocess.Popen([sys.executable, "-m", "nfse.cli", "worker"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # the worker is up (its first heartbeat follows its LISTEN), found nothing, and
        # sleeps on its 30 s poll
        up = time.monotonic() + 60
        while time.monotonic() < up:
            with runtime.engine.connect() as conn:
                if workers.heartbeats(conn):
                    break
            time.sleep(0.1)
        time.sleep(0.5)
        with runtime.engine.begin() as conn:
            nota_id = notas.aceitar(conn, empresa_id=1, ambiente="homologacao", ref="n-1",
                                    requisicao=nota_exemplo(), cnpj_prestador=CNPJ,
                                    provider="nacional", modelo="nfse")
        deadline = time.monotonic() + 10
        status = None
        while time.monotonic() < deadline and status != "autorizado":
            time.sleep(0.05)
            with runtime.engine.connect() as conn:
                status = notas.get(conn, nota_id).status
        assert status == "autorizado"
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=30)[0].decode()
    assert proc.returncode == 0, output
