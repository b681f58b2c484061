"""Generated requests (hypothesis) over every route with a body: notes of both doors with a
field replaced, removed or added, cancellations, e-mails, hooks and companies with arbitrary
JSON, and the raw encodings of it (escaped or raw surrogates, NaN). The OpenAPI schema
describes no request body yet (issue 15), so the strategies are written over the bodies the
routes read. None may answer 5xx; every 4xx is in the Focus format.

``NFSE_FUZZ_REQUESTS`` (default 20,000) sets how many requests are made on SQLite,
``NFSE_FUZZ_REQUESTS_PG`` (default 4,000) on PostgreSQL, shared by four tests (``PARTES``)
that the processes of ``pytest -n`` run side by side; the count and the time are printed
at the end of the test run."""

from __future__ import annotations

import copy
import json
import os
import time
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nfse.store.db import is_postgres
from tests.hostil.conftest import TALLY, Alvo
from tests.support import nota_exemplo, nota_plana

REQUESTS = int(os.environ.get("NFSE_FUZZ_REQUESTS", "20000"))
REQUESTS_PG = int(os.environ.get("NFSE_FUZZ_REQUESTS_PG", "4000"))
"""On PostgreSQL too, fewer: the engine changes what is stored, not how a body is read."""

ESTRANHOS = ["\ud800", "\udfff", "\ufeff", "\u202e", "\x00", "\x1b", "\u0301", "😀", "中",
             "\x85", "'", '"', "\\", "<", "&", "\n"]
texto = (st.text(st.characters(codec=None) | st.sampled_from(ESTRANHOS), max_size=40)
         | st.sampled_from(["%s", "${x}", "\r\n", "a" * 3000, "é" * 300]))
escalar = (st.none() | st.booleans() | st.integers() | st.integers(min_value=10**60)
           | st.floats(allow_nan=True, allow_infinity=True) | texto
           | st.sampled_from(["2026-02-30", "9999-12-31T23:59:59", "0", "-1", "1e999", "",
                              "11222333000181", "3516200", "true"]))
valor = st.recursive(escalar, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(texto, inner, max_size=4), max_leaves=8)


def _caminhos(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _caminhos(item, (*prefix, key))
    return found


Mutacao = tuple[str, int, str, Any]
"""(kind: trocar, remover or acrescentar; which path, modulo the body's; a new key; a
value)."""
mutacao = st.tuples(st.sampled_from(["trocar", "remover", "acrescentar"]),
                    st.integers(0, 200), texto, valor)


def mutar(base: dict, mutacoes: list[Mutacao]) -> dict:
    """``base`` with each change applied; the same changes fit every route's body."""
    body = json.loads(json.dumps(base))
    for kind, index, key, value in mutacoes:
        new = copy.deepcopy(value)
        paths = _caminhos(body)
        if kind == "acrescentar" or not paths:
            body[key] = new
            continue
        path = paths[index % len(paths)]
        target = body
        for part in path[:-1]:
            target = target[part]
        if kind == "remover":
            target.pop(path[-1], None)
        else:
            target[path[-1]] = new
    return body


FORMAS = ("ascii", "raw", "raw", "utf16", "cut")


def codificar(body: Any, forma: str, corte: int) -> bytes:
    """The body as a client might send it: ASCII-escaped, raw UTF-8 (surrogates as raw
    bytes), UTF-16, or cut short."""
    if forma == "ascii":
        return json.dumps(body).encode()
    text = json.dumps(body, ensure_ascii=False)
    if forma == "utf16":
        return text.encode("utf-16", "surrogatepass")
    raw = text.encode("utf-8", "surrogatepass")
    return raw[:corte % (len(raw) + 1)] if forma == "cut" else raw


HOOK = {"event": "nfse", "url": "http://8.8.8.8/nfse", "authorization": "Bearer x",
        "authorization_header": "Authorization", "secret": "s"}
EMPRESA = {"cnpj": "07504505000132", "nome": "OUTRA LTDA", "inscricao_municipal": "1",
           "codigo_municipio": "4106902", "smtp_port": 587, "serie_nfse_homologacao": "1",
           "proximo_numero_nfse_homologacao": 10, "habilita_nfse": True}
CANCELAMENTO = {"justificativa": "Cancelamento por erro de digitação"}
EMAIL = {"emails": ["a@example.com"]}
REFS = st.sampled_from(["fuzz", "fuzz-2"]) | st.text(
    st.characters(codec="utf-8", exclude_characters="#&/?"), max_size=12)


def pedidos(mutacoes: list[Mutacao], forma: str, corte: int, ref: str, empresa_id: int,
            solto: Any) -> list[tuple[str, str, bytes, bool]]:
    """One generated change, applied to the body of every route: (method, path, body,
    administrator?) for each."""
    ref = quote(ref, safe="")

    def corpo(base: dict) -> bytes:
        return codificar(mutar(base, mutacoes), forma, corte)

    return [
        ("POST", f"/v2/nfse?ref={ref}", corpo(nota_exemplo()), False),
        ("POST", f"/v2/nfse?ref={ref}&dry_run=1", corpo(nota_exemplo()), False),
        ("POST", f"/v2/nfsen?ref={ref}", corpo(nota_plana()), False),
        ("POST", f"/v2/nfsen?ref={ref}&dry_run=1", corpo(nota_plana()), False),
        ("DELETE", f"/v2/nfse/{ref or 'x'}", corpo(CANCELAMENTO), False),
        ("POST", f"/v2/nfse/{ref or 'x'}/email", corpo(EMAIL), False),
        ("POST", "/v2/hooks", corpo(HOOK), False),
        ("POST", "/v2/empresas?dry_run=1", corpo(EMPRESA), True),
        ("PUT", f"/v2/empresas/{empresa_id}", corpo(EMPRESA), True),
        ("POST", f"/v2/nfse?ref={ref}", codificar(solto, forma, corte), False),
    ]


PER_EXAMPLE = len(pedidos([], "ascii", 0, "x", 1, None))


PARTES = 4
"""The requests are made by this many tests, each with its own share and its own random
draw, so the processes of ``pytest -n`` make them side by side."""


@pytest.mark.slow
@pytest.mark.parametrize("parte", range(PARTES))
def test_no_generated_request_gets_a_5xx(alvo: Alvo, parte: int) -> None:
    failures: list[str] = []
    started = time.perf_counter()
    requests = -(-(REQUESTS_PG if is_postgres(alvo.runtime.engine) else REQUESTS) // PARTES)
    before = TALLY["fuzz"]

    @settings(max_examples=max(1, requests // PER_EXAMPLE), deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(mutacao, min_size=1, max_size=3), st.sampled_from(FORMAS),
           st.integers(0, 10**4), REFS, st.integers(min_value=-2, max_value=10**30), valor)
    def run(mutacoes: list[Mutacao], forma: str, corte: int, ref: str, empresa_id: int,
            solto: Any) -> None:
        for method, path, body, admin in pedidos(mutacoes, forma, corte, ref, empresa_id,
                                                 solto):
            answer = alvo.request(method, path, content=body,
                                  token=alvo.admin if admin else None)
            TALLY["fuzz"] += 1
            if answer.status_code >= 500 or (answer.status_code >= 400 and not (
                    answer.headers.get("content-type", "").startswith("application/json")
                    and {"codigo", "mensagem"} <= set(answer.json()))):
                failures.append(f"{answer.status_code} {method} {path} {body[:200]!r}: "
                                f"{answer.text[:200]}")
        assert not failures, failures[0]

    try:
        run()
    finally:
        TALLY["fuzz_ms"] += round((time.perf_counter() - started) * 1000)
    assert TALLY["fuzz"] - before >= requests
