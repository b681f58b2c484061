"""An authority that stops answering: notes wait (processando, with a message), the circuit
opens, probes, and closes when the authority is back; then every note is authorized."""

from __future__ import annotations

import json
import time

import pytest

from nfse.config import Settings
from nfse.providers.base import Erro, Outcome, Party, Result
from nfse.sandbox.nacional import NacionalSandbox
from nfse.work import breaker as breaker_module
from nfse.work.breaker import CircuitBreaker
from tests.support import Gateway, nota_exemplo

DOWN = Outcome(Result.RETRY)
UP = Outcome(Result.REJECTED, erros=(Erro("E1", "recusada"),))
REFUSED = Outcome(Result.RETRY, failure_of=Party.COMPANY,
                  mensagem="Certificado recusado pela autoridade: certificado revogado")


class Relogio:
    """The breaker's clock in its unit tests: time moves when the test says."""

    def __init__(self) -> None:
        self.agora = 1000.0

    def monotonic(self) -> float:
        return self.agora

    def sleep(self, segundos: float) -> None:
        self.agora += segundos


@pytest.fixture
def relogio(monkeypatch: pytest.MonkeyPatch) -> Relogio:
    relogio = Relogio()
    monkeypatch.setattr(breaker_module, "time", relogio)
    return relogio


def test_breaker_opens_probes_and_closes(relogio: Relogio) -> None:
    breaker = CircuitBreaker(Settings(breaker_failures=3, breaker_open=0.2))
    for _ in range(2):
        assert breaker.allow("a") == 0
        breaker.record("a", DOWN)
    assert not breaker.is_open("a")
    breaker.record("a", DOWN)
    assert breaker.is_open("a") and breaker.allow("a") > 0
    assert breaker.allow("b") == 0  # one authority down does not block the others
    relogio.sleep(0.19)
    assert breaker.allow("a") > 0  # still open
    relogio.sleep(0.02)
    assert breaker.allow("a") == 0  # the probe
    assert breaker.allow("a") > 0  # only one probe at a time
    breaker.record("a", DOWN)  # failed probe: open again, for longer
    assert 0.2 < breaker.allow("a") <= 0.4
    relogio.sleep(0.41)
    assert breaker.allow("a") == 0
    breaker.record("a", UP)  # an answer, even a refusal, closes it
    assert not breaker.is_open("a") and breaker.allow("a") == 0
    breaker.record("a", Outcome(Result.UNKNOWN, erros=(Erro("E0014", "dup"),)))
    assert not breaker.is_open("a")


def test_a_companys_refused_certificate_holds_it_alone(relogio: Relogio) -> None:
    settings = Settings(breaker_failures=2, breaker_open=5, backoff_base=0.2, backoff_cap=0.4)
    breaker = CircuitBreaker(settings)
    for _ in range(10):
        breaker.record("a", REFUSED, empresa=1)
    assert not breaker.is_open("a") and breaker.allow("a") == 0
    assert breaker.held("a", 2) is None  # the other companies go on
    assert breaker.held("b", 1) is None  # and the company at other authorities
    wait, mensagem = breaker.held("a", 1)
    assert 0 < wait <= 0.4 and mensagem == REFUSED.mensagem
    relogio.sleep(wait - 0.01)
    assert breaker.held("a", 1) is not None  # not yet
    relogio.sleep(0.02)
    assert breaker.held("a", 1) is None  # one probe
    assert breaker.held("a", 1) is not None  # the others wait for it
    breaker.record("a", UP, empresa=1)  # its certificate accepted again
    assert breaker.held("a", 1) is None


def test_refusals_of_every_company_are_the_authoritys() -> None:
    """The authority refusing more than one company with no answer in between (a broken
    trust store on its side) opens its circuit; an answer in between does not."""
    breaker = CircuitBreaker(Settings(breaker_failures=2, breaker_open=5))
    breaker.record("a", REFUSED, empresa=1)
    breaker.record("a", UP, empresa=3)
    breaker.record("a", REFUSED, empresa=2)
    assert not breaker.is_open("a")
    breaker.record("a", REFUSED, empresa=1)
    breaker.record("a", REFUSED, empresa=2)
    assert breaker.is_open("a")


def test_notes_wait_while_the_authority_is_down(gateway: Gateway) -> None:
    settings = gateway.runtime.settings
    settings.breaker_failures, settings.breaker_open, settings.backoff_base = 2, 0.5, 0.1
    port, data_dir = gateway.sandbox.port, gateway.sandbox.data_dir
    gateway.sandbox.stop()
    for i in range(3):
        gateway.client.post(f"/v2/nfse?ref=b-{i}", content=json.dumps(nota_exemplo()))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        waiting = gateway.client.get("/v2/nfse/b-0").json()
        if "fora do ar" in waiting.get("mensagem", ""):
            break
        time.sleep(0.1)
    assert waiting["status"] == "processando_autorizacao" and "erros" not in waiting
    assert "fora do ar" in waiting["mensagem"]
    assert 'nfse_autoridade_disponivel{autoridade="nacional ' in gateway.client.get(
        "/metrics").text

    back = NacionalSandbox(data_dir, port=port)
    back.start()
    try:
        finals = [gateway.wait_final(f"b-{i}", timeout=30) for i in range(3)]
        assert {n["status"] for n in finals} == {"autorizado"}
        assert len(back.emitidas()) == 3
        metrics = gateway.client.get("/metrics").text
        assert any(line.startswith("nfse_autoridade_disponivel") and line.endswith(" 1")
                   for line in metrics.splitlines())
    finally:
        back.stop()
