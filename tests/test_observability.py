"""/metrics, /readyz and JSON logs."""

from __future__ import annotations

import json
import logging

import pytest

from nfse.logs import JsonFormatter, TextFormatter
from nfse.metrics import Registry
from tests.support import CNPJ, Gateway, nota_exemplo


def test_metrics_after_a_note(gateway: Gateway) -> None:
    gateway.client.post("/v2/nfse?ref=m-1", content=json.dumps(nota_exemplo()))
    assert gateway.wait_final("m-1")["status"] == "autorizado"
    text = gateway.client.get("/metrics").text
    assert 'nfse_notas{status="autorizado",ambiente="homologacao"} 1' in text
    assert "nfse_fila_vencidas 0" in text
    assert 'resultado="authorized"' in text
    assert "nfse_autoridade_latencia_segundos_count" in text
    assert gateway.client.get("/readyz").json() == {"database": "ok"}


def test_histogram_buckets_are_cumulative() -> None:
    registry = Registry()
    for value in (0.01, 0.2, 0.2, 99):
        registry.observe("lat", "x", value, provedor="p")
    text = registry.render()
    assert 'lat_bucket{provedor="p",le="0.05"} 1' in text
    assert 'lat_bucket{provedor="p",le="0.25"} 3' in text
    assert 'lat_bucket{provedor="p",le="30.0"} 3' in text
    assert 'lat_bucket{provedor="p",le="+Inf"} 4' in text
    assert 'lat_count{provedor="p"} 4' in text


def test_json_log_lines_carry_the_note_context() -> None:
    record = logging.LogRecord("nfse.worker", logging.INFO, __file__, 1, "emission: %s",
                               ("authorized",), None)
    record.ref, record.empresa, record.attempt = "pedido-1", "11222333000181", 2
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "emission: authorized"
    assert (entry["ref"], entry["empresa"], entry["attempt"]) == ("pedido-1",
                                                                  "11222333000181", 2)


def test_every_attempt_logs_who_what_and_why(gateway: Gateway,
                                              caplog: pytest.LogCaptureFixture) -> None:
    """One line per attempt (issue 23.2): the note's ref, company, environment, provider,
    attempt, the outcome, whose failure it was and the authority's codes and reason."""
    gateway.runtime.settings.backoff_base = 0.05
    gateway.sandbox.inject("http500", 1)
    with caplog.at_level(logging.INFO, logger="nfse.worker"):
        gateway.autorizar("log-1", nota_exemplo())
    linhas = [r for r in caplog.records if getattr(r, "ref", None) == "log-1"
              and hasattr(r, "provedor")]
    assert len(linhas) >= 2, [r.getMessage() for r in caplog.records]
    primeira, ultima = linhas[0], linhas[-1]
    assert (primeira.empresa, primeira.ambiente, primeira.provedor, primeira.attempt) == (
        CNPJ, "homologacao", "nacional", 1)
    assert primeira.result == "unknown" and primeira.culpa == "autoridade"
    assert "HTTP 500" in primeira.getMessage()
    assert ultima.result == "authorized" and ultima.culpa is None
    texto = TextFormatter().format(primeira)
    assert "ref=log-1" in texto and "provedor=nacional" in texto and "culpa=autoridade" in texto
