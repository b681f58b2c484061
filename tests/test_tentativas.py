"""``GET ?completa=1`` shows each attempt at the authority (issue 23.2): when, which
operation, and what the authority answered — here a 500, the reconciliation query, then the
note."""

from __future__ import annotations

from tests.support import Gateway, nota_exemplo


def test_each_attempt_is_shown_with_the_authoritys_answer(gateway: Gateway) -> None:
    gateway.runtime.settings.backoff_base = 0.05
    gateway.sandbox.inject("http500", 1)
    gateway.autorizar("tentativas-1", nota_exemplo())
    completa = gateway.client.get("/v2/nfse/tentativas-1?completa=1").json()
    tentativas = completa["tentativas"]
    assert len(tentativas) >= 2, tentativas
    assert tentativas[0]["operacao"] == "emissao" and tentativas[0]["data"]
    assert "chaveAcesso" not in tentativas[0]["resposta"]
    assert "chaveAcesso" in tentativas[-1]["resposta"]
    assert gateway.client.get("/v2/nfse/tentativas-1").json().get("tentativas") is None
