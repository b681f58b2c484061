"""A database that drops out under a worker: the worker logs, waits and carries on; nothing
accepted meanwhile is lost."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from nfse.store import notas
from tests.support import Gateway, nota_exemplo


def test_worker_survives_failed_claims(gateway: Gateway,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    real_claim = notas.claim
    failures = []

    def flaky_claim(*args: object, **kwargs: object) -> dict:
        if len(failures) < 3:
            failures.append(1)
            raise OperationalError("UPDATE notas ...", {}, ConnectionError("server closed"))
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(notas, "claim", flaky_claim)
    answer = gateway.client.post("/v2/nfse?ref=queda-1", json=nota_exemplo())
    assert answer.status_code == 202, answer.text
    gateway.runtime.wake.set()
    assert gateway.wait_final("queda-1")["status"] == "autorizado"
    assert len(failures) == 3
