"""schemathesis over the gateway's own OpenAPI document, against the live server on loopback
(the ``gateway`` fixture: uvicorn, the worker and the Nacional sandbox): every operation, with
a company token for the company routes and an administrator token for ``/v2/empresas`` and
``/v2/admin``, valid (positive) and invalid (negative) requests generated from the request
bodies and parameters the document describes. No answer may be a 5xx; every status code must
be one the document lists for the operation, with its content type and response schema.

``NFSE_SCHEMATHESIS_EXAMPLES`` (default 30) sets the examples per operation and mode on
SQLite, ``NFSE_SCHEMATHESIS_EXAMPLES_PG`` (default 10) on PostgreSQL; the request count and
the time are printed at the end of the test run, beside the hostile fuzz's. The operations
are shared by ``PARTES`` tests, each against its own gateway. With the
defaults: ~2,200 requests on SQLite and ~750 on PostgreSQL, 86 s together on a 2-core machine
at load 10-14 (generating a case costs about twice sending it)."""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.schemas import APIOperation

from nfse.store import admin_tokens
from nfse.store.db import is_postgres
from tests.hostil.conftest import TALLY
from tests.support import Gateway

EXAMPLES = int(os.environ.get("NFSE_SCHEMATHESIS_EXAMPLES", "30"))
EXAMPLES_PG = int(os.environ.get("NFSE_SCHEMATHESIS_EXAMPLES_PG", "10"))
ADMINISTRACAO = ("/v2/empresas", "/v2/admin")
"""Paths answered only to an administrator token; they run after the company's, since they
may rotate or delete the company's tokens."""
PARTES = 3
"""Tests that share the operations (every third one each), side by side under xdist: as one
test it was the suite's longest (81 s on SQLite)."""
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


class Execucao:
    """The requests of one run: where they go, and each failed check by operation and
    status (with one example of it)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.falhas: Counter[str] = Counter()
        self.exemplo: dict[str, str] = {}

    def operacao(self, operacao: APIOperation, token: str, exemplos: int) -> None:
        """``exemplos`` positive and as many negative cases of ``operacao``."""
        estrategia = (operacao.as_strategy(GenerationMode.POSITIVE)
                      | operacao.as_strategy(GenerationMode.NEGATIVE))

        @settings(max_examples=2 * exemplos, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(estrategia)
        def run(case: schemathesis.Case) -> None:
            response = case.call(base_url=self.base_url, session=self.session,
                                 auth=(token, ""), timeout=30)
            TALLY["schemathesis"] += 1
            TALLY[f"{response.status_code // 100}xx"] += 1
            if response.status_code >= 500:
                TALLY["schemathesis_5xx"] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except (AssertionError, FailureGroup) as exc:
                chave = f"{case.operation.label} -> {response.status_code}"
                self.falhas[chave] += 1
                self.exemplo.setdefault(chave, f"{case.as_curl_command()}\n{exc}"[:800])

        run()


@pytest.mark.slow
@pytest.mark.parametrize("parte", range(PARTES))
def test_schemathesis_finds_no_5xx_and_no_undocumented_status(gateway: Gateway,
                                                               parte: int) -> None:
    gateway.runtime.settings.auth_failures = 10**9  # generated ?token= values fail auth
    with gateway.runtime.engine.begin() as conn:
        admin = admin_tokens.criar(conn, "schemathesis")
    exemplos = EXAMPLES_PG if is_postgres(gateway.runtime.engine) else EXAMPLES
    schema = schemathesis.openapi.from_url(gateway.base_url + "/openapi.json")
    todas = sorted((resultado.ok() for resultado in schema.get_all_operations()),
                   key=lambda op: (op.path.startswith(ADMINISTRACAO), op.label))
    operacoes = todas[parte::PARTES]
    assert operacoes
    execucao = Execucao(gateway.base_url)
    started = time.perf_counter()
    before = TALLY["schemathesis"]
    try:
        for operacao in operacoes:
            token = admin if operacao.path.startswith(ADMINISTRACAO) else gateway.token
            execucao.operacao(operacao, token, exemplos)
    finally:
        execucao.session.close()
        TALLY["schemathesis_ms"] += round((time.perf_counter() - started) * 1000)
    assert not execucao.falhas, "\n\n".join(
        f"{n} x {chave}\n{execucao.exemplo[chave]}" for chave, n in execucao.falhas.most_common())
    assert TALLY["schemathesis"] - before >= len(operacoes) * exemplos
