"""Shared fixtures: a database per test (SQLite always; PostgreSQL too when
NFSE_TEST_DATABASE_URL is set), migrated once per run, and a whole gateway on real sockets:
the API under uvicorn, a worker thread and the NFS-e Nacional sandbox over mutual TLS."""

from __future__ import annotations

import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from nfse.api.app import create_app
from nfse.config import Settings
from nfse.municipios.routing import NACIONAL
from nfse.providers.registry import get_provider
from nfse.runtime import Runtime, build_runtime
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.sandbox.nacional import NacionalSandbox
from nfse.sandbox.paulistana import PaulistanaSandbox
from nfse.store import wakeup
from nfse.store.db import is_postgres, make_engine, upgrade
from nfse.store.tables import metadata
from nfse.work.worker import Worker
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.hostil import conftest as hostil
from tests.support import Gateway, contexto_tls, empresa_teste, free_port, pasta_sandbox
from tests.vez import turno

PG_URL = os.environ.get("NFSE_TEST_DATABASE_URL")
ENGINES = ["sqlite"] + (["postgresql"] if PG_URL else [])


_TIER_SECONDS: dict[str, float] = {"rápido": 0.0, "lento": 0.0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Adds up each test's setup, call and teardown by tier (``slow`` marker or not)."""
    tier = "lento" if "slow" in report.keywords else "rápido"
    _TIER_SECONDS[tier] += report.duration


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A whole-gateway test (API, worker and sandbox through the ``gateway`` fixture) runs in
    the fast tier once, on SQLite; its repetition on PostgreSQL is ``slow`` (run by CI, which
    sets NFSE_TEST_DATABASE_URL). What differs between the engines is the store's SQL, and the
    store's tests (``runtime`` without ``gateway``) stay in the fast tier on both; so does a
    gateway test written for PostgreSQL alone.

    A module marked ``um_motor`` (one municipal system's or family's round trips) is not
    repeated on PostgreSQL at all: its notes take the store's same statements as the core
    flows' (``test_nfse_flow``, ``test_abrasf_flow``, ``test_abrasf1_flow``, the workers'...),
    which run on both; only its provider differs, and that does not depend on the engine."""
    ids = {item.nodeid for item in items}
    fora: list[pytest.Item] = []
    for item in items:
        params = getattr(item, "callspec", None)
        if (params is not None and params.params.get("database_url") == "postgresql"
                and item.nodeid.replace("postgresql", "sqlite") in ids):
            if item.get_closest_marker("um_motor") is not None:
                fora.append(item)
            elif "gateway" in item.fixturenames:
                item.add_marker(pytest.mark.slow)
    if fora:
        config.hook.pytest_deselected(items=fora)
        deixados = set(fora)
        items[:] = [item for item in items if item not in deixados]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Prints the hostile tests' tally and the time of each tier, so CI shows what
    ``pytest -m "not slow"`` costs."""
    hostil.resumo(terminalreporter)
    terminalreporter.write_sep("-", "tempo por camada")
    for tier, seconds in _TIER_SECONDS.items():
        terminalreporter.write_line(f"{tier}: {seconds:.0f} s")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist process: hands its hostile tally to the main process."""
    saida = getattr(session.config, "workeroutput", None)
    if saida is not None:
        saida["tally"] = dict(hostil.TALLY)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """In the main process: adds up the tally each pytest-xdist process handed over."""
    hostil.TALLY.update(getattr(node, "workeroutput", {}).get("tally", {}))


@pytest.fixture(autouse=True)
def _vez(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Under ``pytest -n`` (pytest-xdist), a test marked ``sozinho`` runs while no other test
    runs (``tests/vez.py``); autouse, so it holds its turn through its fixtures too."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    sozinho = request.node.get_closest_marker("sozinho") is not None
    with turno(tmp_path_factory.getbasetemp().parent, sozinho):
        yield


class Esquemas:
    """Migrated PostgreSQL schemas lent to the tests one at a time and emptied between them:
    creating and migrating a schema is some hundred DDL statements (about a second), emptying
    one a DELETE per table. Each test's connections carry their own ``application_name``, by
    which its leftovers are closed before the schema is emptied."""

    def __init__(self, url: str):
        self.url = url
        self.admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        self.livres: list[str] = []
        self.todos: list[str] = []

    def url_de(self, schema: str, aplicacao: str) -> str:
        sep = "&" if "?" in self.url else "?"
        return f"{self.url}{sep}options=-csearch_path%3D{schema}&application_name={aplicacao}"

    def tomar(self) -> str:
        if self.livres:
            return self.livres.pop()
        schema = "t_" + secrets.token_hex(6)
        with self.admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        self.todos.append(schema)
        engine = make_engine(self.url_de(schema, schema))
        upgrade(engine)
        engine.dispose()
        return schema

    def devolver(self, schema: str, aplicacao: str) -> None:
        """Close the test's connections and empty ``schema`` for the next test; a schema
        whose tables are not the migrated ones any more is dropped instead."""
        with self.admin.begin() as conn:
            # connections the test left open (threads of a server or worker it stopped, killed
            # worker processes): closed here, so they never pile up to max_connections
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name = :app"), {"app": aplicacao})
        tabelas = list(reversed(metadata.sorted_tables))
        try:
            with self.admin.begin() as conn:
                existentes = set(conn.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
                ).scalars())
                if existentes != {t.name for t in tabelas} | {"alembic_version"}:
                    raise LookupError(f"{schema}: {sorted(existentes)}")
                for tabela in tabelas:
                    conn.execute(text(f"DELETE FROM {schema}.{tabela.name}"))
                conn.execute(text(
                    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, "
                    "false) FROM pg_sequences WHERE schemaname = :s"), {"s": schema})
        except (LookupError, DBAPIError):
            self.descartar(schema)
            return
        self.livres.append(schema)

    def descartar(self, schema: str) -> None:
        with self.admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        self.todos.remove(schema)

    def fechar(self) -> None:
        for schema in list(self.todos):
            self.descartar(schema)
        self.admin.dispose()


@pytest.fixture(scope="session")
def esquemas() -> Iterator[Esquemas | None]:
    if not PG_URL:
        yield None
        return
    pool = Esquemas(PG_URL)
    yield pool
    pool.fechar()


@pytest.fixture(scope="session")
def sqlite_migrado(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once per run; each test gets a copy."""
    path = tmp_path_factory.mktemp("modelo") / "nfse.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of the test's own: a copy of the run's SQLite model, or a
    PostgreSQL schema from the run's pool."""
    if request.param == "sqlite":
        path = tmp_path / "nfse.db"
        shutil.copyfile(request.getfixturevalue("sqlite_migrado"), path)
        path.chmod(0o600)
        yield f"sqlite:///{path}"
        return
    pool: Esquemas = request.getfixturevalue("esquemas")
    schema = pool.tomar()
    aplicacao = "t_" + secrets.token_hex(6)
    yield pool.url_de(schema, aplicacao)
    pool.devolver(schema, aplicacao)


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
    from nfse.providers.paulistana.pedidos import xsd_dir

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
    rt = build_runtime(settings, migrate=False)  # database_url is migrated already
    yield rt
    rt.engine.dispose()


@pytest.fixture
def gateway(runtime: Runtime, sandbox: NacionalSandbox) -> Iterator[Gateway]:
    runtime.settings.rate_limit = 100_000  # tests poll far faster than a client would
    runtime.settings.nacional_url_homologacao = sandbox.url
    runtime.settings.nacional_ca_file = str(sandbox.ca_file)
    runtime.settings.nacional_parametros_url_homologacao = sandbox.parametros_url
    runtime.settings.nacional_adn_url_homologacao = sandbox.adn_url
    # the provider's cache of municipal parameters lives as long as the process: what an
    # earlier test in it learnt (an unreachable service, a sandbox with faults) is not this one's
    get_provider(NACIONAL).parametros.clear()
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
    with httpx.Client(base_url=base_url, auth=(token, ""), timeout=30,
                      verify=contexto_tls()) as client:
        yield Gateway(base_url, token, runtime, sandbox, client, a1)
    stop.set()
    runtime.wake.set()
    server.should_exit = True
    if is_postgres(runtime.engine):  # the worker's LISTEN thread wakes now, not at its poll
        with runtime.engine.begin() as conn:
            wakeup.notify(conn)
    work.join(timeout=10)
    api.join(timeout=10)


