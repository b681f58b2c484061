"""Abuse budgets: failed authentications per client address, a limiter whose memory and cost
per request stay bounded whatever the number of keys, public links budgeted per link, and
``X-Forwarded-For`` trusted only from ``NFSE_TRUSTED_PROXIES``."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from nfse.api.app import create_app
from nfse.api.cliente import client_address, trusted
from nfse.api.ratelimit import MAX_KEYS, WINDOW, RateLimiter
from nfse.store.db import is_postgres
from nfse.visualizacao.links import public_path
from tests.hostil.conftest import Alvo


def test_guessing_tokens_from_one_address_gets_429(alvo: Alvo) -> None:
    limit = alvo.runtime.settings.auth_failures
    assert alvo.client.get("/v2/nfse/x", auth=(alvo.token, "")).status_code == 404
    answers = [alvo.client.get("/v2/nfse/x", auth=(secrets.token_urlsafe(16), "")).status_code
               for _ in range(limit + 10)]
    assert answers[:limit] == [401] * limit
    assert set(answers[limit:]) == {429}, answers
    refused = alvo.client.get("/v2/empresas", auth=(secrets.token_urlsafe(16), ""))
    assert refused.status_code == 429 and refused.json()["codigo"] == "limite_excedido"
    # the company's own token, already known to this process, keeps working
    assert alvo.client.get("/v2/nfse/x", auth=(alvo.token, "")).status_code == 404
    # another address has its own budget
    with TestClient(create_app(alvo.runtime), client=("198.51.100.7", 4000)) as other:
        assert other.get("/v2/nfse/x", auth=("errado", "")).status_code == 401


def test_the_limiter_stays_bounded_with_100000_keys() -> None:
    """100,000 distinct keys in one window (tokens made up by an attacker): the map never
    holds more than ``MAX_KEYS`` and a request costs about what it costs with one key (the
    cost was the number of keys: 118 ms per request at 100,000)."""
    limiter = RateLimiter(lambda: 100)
    started = time.perf_counter()
    for _ in range(20_000):
        limiter.hit("t:one")
    one = (time.perf_counter() - started) / 20_000
    started = time.perf_counter()
    for n in range(100_000):
        limiter.hit(f"t:{n}")
        assert len(limiter) <= MAX_KEYS
    many = (time.perf_counter() - started) / 100_000
    print(f"\nlimiter: {one * 1e6:.2f} µs per request with one key, {many * 1e6:.2f} µs with "
          f"100,000 keys ({len(limiter)} kept); ratio {many / one:.1f}")
    assert many / one < 10
    assert limiter.hit("t:99999")[1] == 98  # the newest windows are kept


def test_expired_windows_are_dropped_as_time_passes() -> None:
    now = [0.0]
    limiter = RateLimiter(lambda: 100, clock=lambda: now[0])
    for n in range(1000):
        limiter.hit(f"k{n}")
    now[0] = WINDOW + 1
    for n in range(600):
        limiter.hit(f"new{n}")
    assert len(limiter) == 600  # two expired windows dropped per request


def test_public_links_are_budgeted_per_link(alvo: Alvo) -> None:
    alvo.runtime.settings.rate_limit = 3
    one, two = public_path("a" * 32, "danfse.pdf"), public_path("b" * 32, "danfse.pdf")
    assert [alvo.client.get(one).status_code for _ in range(4)] == [404, 404, 404, 429]
    assert alvo.client.get(two).status_code == 404


def test_forwarded_for_counts_only_from_a_trusted_proxy(alvo: Alvo) -> None:
    alvo.runtime.settings.rate_limit = 2
    alvo.runtime.settings.trusted_proxies = "10.0.0.0/8"
    with TestClient(create_app(alvo.runtime), client=("10.1.2.3", 4000)) as proxy:
        for cliente in ("203.0.113.1", "203.0.113.2"):
            answers = [proxy.get("/healthz", headers={"X-Forwarded-For": f"1.1.1.1, {cliente}"})
                       .status_code for _ in range(3)]
            assert answers[2] == 429 and 429 not in answers[:2], (cliente, answers)
    with TestClient(create_app(alvo.runtime), client=("198.51.100.9", 4000)) as direct:
        answers = [direct.get("/healthz", headers={"X-Forwarded-For": f"203.0.113.{n}"})
                   .status_code for n in range(3)]
        assert answers[2] == 429  # a client's own header is not believed


def test_client_address_takes_the_last_untrusted_hop() -> None:
    proxies = trusted("10.0.0.0/8, ::1, lixo")
    scope = {"client": ("10.0.0.1", 1), "headers": [
        (b"x-forwarded-for", b"6.6.6.6, 203.0.113.5, 10.0.0.2")]}
    assert client_address(scope, proxies) == "203.0.113.5"
    assert client_address(scope | {"client": ("8.8.8.8", 1)}, proxies) == "8.8.8.8"
    assert client_address({"client": ("10.0.0.1", 1), "headers": [
        (b"x-forwarded-for", b"nao-e-ip")]}, proxies) == "10.0.0.1"


@contextmanager
def dois_processos(alvo: Alvo) -> Iterator[tuple[TestClient, TestClient]]:
    """The fixture's app and a second one, as two API processes on one PostgreSQL: their
    shared counts read a fixed clock (one window) and are exchanged when the test says."""
    if not is_postgres(alvo.runtime.engine):
        pytest.skip("SQLite runs one API process; its budgets are tested above")
    other = create_app(alvo.runtime)
    apps: list[FastAPI] = [alvo.client.app, other]  # type: ignore[list-item]
    for app in apps:
        app.state.limiter.partilha.relogio = lambda: 60.0 * 1_000_000
        app.state.limiter.partilha.intervalo = 3600
    with TestClient(other) as b:
        yield alvo.client, b


def sincronizar(cliente: TestClient) -> None:
    cliente.app.state.limiter.partilha.sincronizar()  # type: ignore[attr-defined]


@pytest.mark.sozinho
def test_a_token_budget_holds_across_api_processes(alvo: Alvo) -> None:
    """Six requests in one process, then the other admits only the rest of the budget; and
    the first learns of the other's requests at its next exchange (issue 19.4)."""
    alvo.runtime.settings.rate_limit = 10
    with dois_processos(alvo) as (a, b):
        pedir = {"auth": (alvo.token, "")}
        assert [a.get("/v2/nfse/x", **pedir).status_code for _ in range(6)] == [404] * 6
        sincronizar(a)
        assert b.get("/v2/nfse/x", **pedir).status_code == 404
        sincronizar(b)
        answers = [b.get("/v2/nfse/x", **pedir) for _ in range(4)]
        assert [r.status_code for r in answers] == [404, 404, 404, 429]
        assert answers[0].headers["rate-limit-remaining"] == "2"
        sincronizar(b)
        assert a.get("/v2/nfse/x", **pedir).status_code == 404  # its 7th, 12 in all
        sincronizar(a)
        refused = a.get("/v2/nfse/x", **pedir)
        assert refused.status_code == 429 and refused.json()["codigo"] == "limite_excedido"


@pytest.mark.sozinho
def test_failed_authentications_are_budgeted_across_api_processes(alvo: Alvo) -> None:
    alvo.runtime.settings.auth_failures = 4
    with dois_processos(alvo) as (a, b):
        assert [a.get("/v2/nfse/x", auth=(secrets.token_urlsafe(16), "")).status_code
                for _ in range(3)] == [401] * 3
        sincronizar(a)
        assert b.get("/v2/nfse/x", auth=("adivinha", "")).status_code == 401
        sincronizar(b)
        refused = b.get("/v2/nfse/x", auth=("outra", ""))
        assert refused.status_code == 429, refused.text


@pytest.mark.sozinho
def test_shared_counts_stay_bounded_and_never_tighten(alvo: Alvo) -> None:
    """An attacker's 60,000 keys in one window: the shared maps are dropped past ``MAX_KEYS``,
    and a key whose own count was dropped then sees no other process's requests rather than
    its own counted twice."""
    with dois_processos(alvo) as (a, _b):
        partilha = a.app.state.limiter.partilha  # type: ignore[attr-defined]
        for n in range(MAX_KEYS + 10_000):
            partilha.contar(f"t:{n}")
        partilha.sincronizar()
        assert len(partilha._outros) == 0
        partilha.contar("t:1")
        partilha.sincronizar()
        assert partilha.outros("t:1") == 0
