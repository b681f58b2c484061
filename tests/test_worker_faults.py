"""No note lost, none issued twice: after an answer that may hide a success, the worker asks
the authority (GET /dps/{id}) instead of sending again."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support import Gateway, nota_exemplo


@pytest.mark.parametrize("fault", ["http500", "reset", "garbage", "slow",
                                   "timeout_after_commit"])
def test_unknown_outcome_is_reconciled_not_resent(gateway: Gateway, fault: str) -> None:
    gateway.runtime.settings.authority_timeout = 1.0
    gateway.sandbox.inject(fault)
    answer = httpx.post(f"{gateway.base_url}/v2/nfse?ref=falha", auth=(gateway.token, ""),
                        content=json.dumps(nota_exemplo()))
    assert answer.status_code == 202
    nota = gateway.wait_final("falha", timeout=30)
    assert nota["status"] == "autorizado", nota
    emitidas = gateway.sandbox.emitidas()
    assert len(emitidas) == 1, emitidas
    assert emitidas[0]["chaveAcesso"] == nota["chave_acesso"]
    assert str(emitidas[0]["nDPS"]) == nota["numero_rps"]
