"""Shared fixtures: a database per test (SQLite always; PostgreSQL too when
NFSE_TEST_DATABASE_URL is set), and a whole gateway on real sockets: the API under uvicorn,
a worker thread and the NFS-e Nacional sandbox over mutual TLS."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text

from nfse.api.app import create_app
from nfse.config import Settings
from nfse.runtime import Runtime, build_runtime
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.sandbox.nacional import NacionalSandbox
from nfse.sandbox.paulistana import PaulistanaSandbox
from nfse.work.worker import Worker
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.support import Gateway, empresa_teste, free_port, pasta_sandbox

PG_URL = os.environ.get("NFSE_TEST_DATABASE_URL")
ENGINES = ["sqlite"] + (["postgresql"] if PG_URL else [])


_TIER_SECONDS: dict[str, float] = {"rápido": 0.0, "lento": 0.0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Adds up each test's setup, call and teardown by tier (``slow`` marker or not)."""
    tier = "lento" if "slow" in report.keywords else "rápido"
    _TIER_SECONDS[tier] += report.duration


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Prints the time of each tier, so CI shows what ``pytest -m "not slow"`` costs."""
    terminalreporter.write_sep("-", "tempo por camada")
    for tier, seconds in _TIER_SECONDS.items():
        terminalreporter.write_line(f"{tier}: {seconds:.0f} s")


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'nfse.db'}"
        return
    schema = "t_" + secrets.token_hex(6)
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}&application_name={schema}"
    with admin.begin() as conn:
        # connections the test left open (threads of a server or worker it stopped, killed
        # worker processes): closed here, so they never pile up to max_connections
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE application_name = :schema"), {"schema": schema})
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[NacionalSandbox]:
    box = NacionalSandbox(pasta_sandbox(tmp_path / "sandbox"))
    box.start()
    yield box
    box.stop()


@pytest.fixture
def abrasf(gateway: Gateway, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[AbrasfSandbox]:
    """The ABRASF 2.04 sandbox beside the gateway's Nacional one: the homologação of every
    ABRASF municipality goes to it, both sides check the official schema."""
    box = AbrasfSandbox(pasta_sandbox(tmp_path / "sandbox-abrasf"), xsd_dir=abrasf_xsd_dir())
    box.start()
    monkeypatch.setenv("NFSE_ABRASF_XSD_DIR", str(abrasf_xsd_dir()))
    gateway.runtime.settings.abrasf_url_homologacao = box.url
    gateway.runtime.settings.abrasf_ca_file = str(box.ca_file)
    box.trust(gateway.a1.cert)
    yield box
    box.stop()


@pytest.fixture
def paulistana(gateway: Gateway, tmp_path: Path) -> Iterator[PaulistanaSandbox]:
    """The NFS-e Paulistana sandbox beside the gateway's Nacional one: São Paulo's
    homologação goes to it, and it checks the official v1 schemas."""
    from nfse.providers.paulistana.documentos import xsd_dir

    box = PaulistanaSandbox(pasta_sandbox(tmp_path / "sandbox-paulistana"), xsd_dir=xsd_dir())
    box.start()
    gateway.runtime.settings.paulistana_url_homologacao = box.url
    gateway.runtime.settings.paulistana_ca_file = str(box.ca_file)
    box.trust(gateway.a1.cert)
    yield box
    box.stop()


@pytest.fixture
def runtime(tmp_path: Path, database_url: str) -> Iterator[Runtime]:
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, secret_key="test-key",
        worker_poll=0.05, authority_timeout=5.0,
        nacional_parametros_url_homologacao="off",  # the gateway fixture sets its sandbox's
    )
    rt = build_runtime(settings)
    yield rt
    rt.engine.dispose()


@pytest.fixture
def gateway(runtime: Runtime, sandbox: NacionalSandbox) -> Iterator[Gateway]:
    runtime.settings.rate_limit = 100_000  # tests poll far faster than a client would
    runtime.settings.nacional_url_homologacao = sandbox.url
    runtime.settings.nacional_ca_file = str(sandbox.ca_file)
    runtime.settings.nacional_parametros_url_homologacao = sandbox.parametros_url
    runtime.settings.nacional_adn_url_homologacao = sandbox.adn_url
    token, a1 = empresa_teste(runtime)
    sandbox.trust(a1.cert)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port,
                                           log_level="warning"))
    api = threading.Thread(target=server.run, daemon=True)
    api.start()
    stop = threading.Event()
    worker = Worker(runtime.engine, runtime.settings, runtime.emissores, wake=runtime.wake)
    work = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    work.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    base_url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base_url, auth=(token, ""), timeout=30) as client:
        yield Gateway(base_url, token, runtime, sandbox, client, a1)
    stop.set()
    runtime.wake.set()
    server.should_exit = True
    work.join(timeout=10)
    api.join(timeout=10)


