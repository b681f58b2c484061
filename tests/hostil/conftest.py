"""Hostile input against the whole API in-process (the ASGI app under Starlette's test
client, the real database of the ``runtime`` fixture): a company token, an administrator
token, and a tally of every answer, printed at the end of the test run."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from nfse.api.app import create_app
from nfse.runtime import Runtime
from nfse.store import admin_tokens
from nfse.store.tables import empresas, hooks, notas
from tests.support import empresa_teste

TALLY: Counter[str] = Counter()
"""Requests made by the hostile tests, by class of answer (``2xx``, ``4xx``, ``5xx``), and
the generated ones (``fuzz``, ``schemathesis``) and the time they took (``*_ms``)."""


@dataclass
class Alvo:
    runtime: Runtime
    client: TestClient
    token: str
    admin: str

    def request(self, method: str, path: str, *, content: bytes | None = None,
                token: str | None = None, headers: dict[str, str] | None = None
                ) -> httpx.Response:
        answer = self.client.request(method, path, content=content, headers=headers,
                                     auth=(token or self.token, ""))
        TALLY[f"{answer.status_code // 100}xx"] += 1
        return answer

    def linhas(self) -> dict[str, int]:
        """Rows of what a refused request must not leave behind."""
        with self.runtime.engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in (notas, hooks, empresas)}


@pytest.fixture
def alvo(runtime: Runtime) -> Iterator[Alvo]:
    runtime.settings.rate_limit = 10**9
    token, _a1 = empresa_teste(runtime)
    with runtime.engine.begin() as conn:
        admin = admin_tokens.criar(conn, "hostil")
    with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
        deadline = time.monotonic() + 10  # on PostgreSQL: until it listens for changes
        while not client.app.state.credenciais.ativo:
            assert time.monotonic() < deadline, "credential notifications never started"
            time.sleep(0.01)
        yield Alvo(runtime, client, token, admin)


def resumo(terminalreporter: pytest.TerminalReporter) -> None:
    """The tally's line at the end of the run (``tests/conftest.py`` calls it, after adding
    up the tallies of pytest-xdist's processes)."""
    if not TALLY:
        return
    total = sum(v for k, v in TALLY.items() if k.endswith("xx"))
    terminalreporter.write_sep("-", "hostile input and fuzzing")
    terminalreporter.write_line(
        f"{total} requests: {TALLY['2xx']} 2xx, {TALLY['4xx']} 4xx, {TALLY['5xx']} 5xx; "
        f"fuzz: {TALLY['fuzz']} generated requests in {TALLY['fuzz_ms'] / 1000:.1f} s; "
        f"schemathesis: {TALLY['schemathesis']} requests, {TALLY['schemathesis_5xx']} 5xx, "
        f"in {TALLY['schemathesis_ms'] / 1000:.1f} s")
