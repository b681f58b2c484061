"""A worker claims notes as places free up: no note waits for another note's answer, and
each authority gets at most its configured number of requests at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nfse.config import Settings
from nfse.metrics import REGISTRY
from nfse.runtime import Runtime
from nfse.sandbox.faults import FaultPlan, Latencia, parse_latency
from nfse.sandbox.nacional import NacionalSandbox
from nfse.store import notas
from nfse.work.vagas import Concorrencia, Vagas
from nfse.work.worker import Worker
from tests.support import CNPJ, empresa_teste, nota_exemplo


def _accept(runtime: Runtime, count: int, prefixo: str = "v") -> list[int]:
    with runtime.engine.begin() as conn:
        return [notas.aceitar(conn, empresa_id=1, ambiente="homologacao", ref=f"{prefixo}{i}",
                              requisicao=nota_exemplo(), cnpj_prestador=CNPJ,
                              provider="nacional", modelo="nfse") for i in range(count)]


def _authorized(runtime: Runtime, ids: list[int]) -> int:
    with runtime.engine.connect() as conn:
        return sum(1 for row in notas.get_many(conn, ids).values() if row.status == "autorizado")


@pytest.fixture
def ligado(runtime: Runtime, sandbox: NacionalSandbox) -> Runtime:
    runtime.settings.nacional_url_homologacao = sandbox.url
    runtime.settings.nacional_ca_file = str(sandbox.ca_file)
    _, a1 = empresa_teste(runtime)
    sandbox.trust(a1.cert)
    return runtime


def _wait_authorized(runtime: Runtime, ids: list[int], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while _authorized(runtime, ids) < len(ids):
        assert time.monotonic() < deadline, f"{_authorized(runtime, ids)} of {len(ids)}"
        time.sleep(0.02)


def _drain(runtime: Runtime, ids: list[int], limit: float) -> None:
    """Run a worker until every note is authorized."""
    stop = threading.Event()
    worker = Worker(runtime.engine, runtime.settings, runtime.emissores, wake=runtime.wake)
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        _wait_authorized(runtime, ids, limit)
    finally:
        stop.set()
        runtime.wake.set()
        thread.join(timeout=10)


def _emissions() -> tuple[float, float]:
    """(seconds, count) the worker's emission requests took so far, from its metrics."""
    found = {"sum": 0.0, "count": 0.0}
    for line in REGISTRY.render().splitlines():
        for part in found:
            prefix = f"nfse_autoridade_latencia_segundos_{part}{{"
            if line.startswith(prefix) and 'operacao="emissao"' in line:
                found[part] += float(line.rsplit(" ", 1)[1])
    return found["sum"], found["count"]


@pytest.mark.sozinho
@pytest.mark.slow
def test_ten_percent_slow_answers_do_not_hold_the_others(
        ligado: Runtime, sandbox: NacionalSandbox) -> None:
    """Every answer takes 0.3 s and one in ten 1 s more: the notes authorized per second
    stay ≥ 0.8 × (notes in flight / mean latency of the requests, as the worker timed
    them); 0.91 × measured. With a batch barrier one slow answer held every note claimed
    with it (0.74 × here)."""
    em_voo, count = 4, 40
    ligado.settings.worker_in_flight = em_voo
    sandbox.latencia = Latencia(0.3, 0.3)
    stop = threading.Event()
    worker = Worker(ligado.engine, ligado.settings, ligado.emissores, wake=ligado.wake)
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        _wait_authorized(ligado, _accept(ligado, 1, "aquece"))  # certificate, TLS, imports
        sandbox.faults = FaultPlan({"slow": 0.1}, seed=7)
        seconds_before, count_before = _emissions()
        started = time.monotonic()
        _wait_authorized(ligado, _accept(ligado, count))
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        ligado.wake.set()
        thread.join(timeout=10)
    seconds, requests = _emissions()
    assert requests - count_before == count
    mean_latency = (seconds - seconds_before) / count
    assert mean_latency >= 0.3
    notes_per_second = count / elapsed
    ceiling = em_voo / mean_latency
    assert notes_per_second >= 0.8 * ceiling, (notes_per_second, ceiling)


def test_an_authority_gets_at_most_its_cap(ligado: Runtime, sandbox: NacionalSandbox) -> None:
    """``NFSE_NACIONAL_CONCORRENCIA=2`` with 8 notes in flight: the sandbox never sees more
    than two of the worker's connections (one per request at once, kept alive), where
    without the cap it sees eight."""
    ligado.settings.worker_in_flight = 8
    ligado.settings.nacional_concorrencia = 2
    sandbox.latencia = Latencia(0.1, 0.1)
    peak = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, len(sandbox.connections))
            time.sleep(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    ids = _accept(ligado, 16)
    try:
        _drain(ligado, ids, limit=60)
    finally:
        stop.set()
        watcher.join()
    assert 1 <= peak <= 2


def test_a_note_waiting_for_its_authority_lends_its_place() -> None:
    """Two places; one authority capped at one request: while the second note of that
    authority waits, the worker may claim another note (a place is free), and the place
    comes back when the wait ends."""
    vagas = Vagas(2)
    concorrencia = Concorrencia(Settings(abrasf_concorrencia=1))
    vagas.ocupar(2)
    assert vagas.livres() == 0
    primeira = threading.Event()
    solta = threading.Event()

    def first() -> None:
        with concorrencia.vez("abrasf", "lenta", vagas):
            primeira.set()
            solta.wait(5)

    def second() -> None:
        with concorrencia.vez("abrasf", "lenta", vagas):
            pass

    a = threading.Thread(target=first)
    a.start()
    assert primeira.wait(5)
    b = threading.Thread(target=second)
    b.start()
    deadline = time.monotonic() + 5
    while vagas.livres() == 0:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert vagas.livres() == 1 and vagas.em_voo == 1 and vagas.retidas == 2
    solta.set()
    a.join(5)
    b.join(5)
    assert vagas.em_voo == 2  # both back in flight until the worker ends them


def test_latency_option_parses_percentiles_and_fits_them() -> None:
    latencia = parse_latency("p50=300ms,p99=1.5s", seed=3)
    assert latencia is not None
    draws = sorted(latencia.sortear() for _ in range(20_000))
    assert draws[10_000] == pytest.approx(0.3, rel=0.05)
    assert draws[19_800] == pytest.approx(1.5, rel=0.15)
    assert parse_latency("") is None
    fixa = parse_latency("250ms")
    assert fixa is not None and fixa.sortear() == 0.25
    with pytest.raises(ValueError, match="percentil"):
        parse_latency("p90=1s")


def test_sandbox_command_rejects_a_bad_latency(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nfse.cli import app

    result = CliRunner().invoke(app, ["sandbox", "nacional", "--data-dir", str(tmp_path),
                                      "--latency", "p50=depressa"])
    assert result.exit_code != 0
    assert "duração inválida" in result.output


@pytest.fixture
def _no_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("NFSE_WORKER_IN_FLIGHT", "NFSE_WORKER_THREADS"):
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.mark.usefixtures("_no_env")
def test_in_flight_setting_keeps_its_old_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NFSE_WORKER_THREADS", "12")
    assert Settings().worker_in_flight == 12
    monkeypatch.setenv("NFSE_WORKER_IN_FLIGHT", "40")
    assert Settings().worker_in_flight == 40
    monkeypatch.setenv("NFSE_ABRASF_CONCORRENCIA", "3")
    assert Settings().concorrencia("abrasf") == 3


def test_failures_of_calls_sent_before_the_circuit_opened_do_not_lengthen_it() -> None:
    """64 notes in flight when the authority stops answering: the circuit opens at the
    fifth failure, and the other calls' failures arriving after it do not double its
    interval each (it reached the 10-minute cap; a soak's notes waited past its end)."""
    from nfse.providers.base import Outcome, Result
    from nfse.work.breaker import CircuitBreaker

    breaker = CircuitBreaker(Settings(breaker_failures=5, breaker_open=0.5))
    for _ in range(64):
        breaker.record("nacional x", Outcome(Result.RETRY))
    assert 0 < breaker.allow("nacional x") <= 0.5
