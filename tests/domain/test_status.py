"""Unit tests of the lifecycle's rule (``domain.status``), pair by pair: every change the
lifecycle allows passes, every other one is refused naming both states. The compare-and-set
that applies them is tested in ``tests/store/test_ciclo.py``."""

from __future__ import annotations

from itertools import product

import pytest

from nfse.domain.status import (
    Envio,
    Status,
    TransicaoInvalida,
    can_move,
    exigir,
    exigir_envio,
)

NOTA = {
    (Status.PROCESSANDO, Status.AUTORIZADO),
    (Status.PROCESSANDO, Status.ERRO),
    (Status.ERRO, Status.PROCESSANDO),  # a rejected ref accepted again
    (Status.AUTORIZADO, Status.CANCELADO),
    (Status.AUTORIZADO, Status.SUBSTITUIDO),
}
"""Every change of a note's status the lifecycle allows (docs/ciclo.md)."""


@pytest.mark.parametrize(("atual", "alvo"), list(product(Status, Status)))
def test_each_change_of_a_note(atual: Status, alvo: Status) -> None:
    assert can_move(atual, alvo) is ((atual, alvo) in NOTA)
    if (atual, alvo) in NOTA:
        exigir(atual, alvo)
        return
    with pytest.raises(TransicaoInvalida, match=f"^{atual.value} → {alvo.value}$"):
        exigir(atual, alvo)


@pytest.mark.parametrize(("atual", "alvo"), list(product(Envio, Envio)))
def test_each_change_of_an_outbox_row(atual: Envio, alvo: Envio) -> None:
    """Only a pending e-mail or delivery changes (pending again: retried later); what was
    sent, delivered, blocked or given up stays so."""
    if atual is Envio.PENDENTE:
        exigir_envio(atual, alvo)
        return
    with pytest.raises(TransicaoInvalida, match=f"^{atual.value} → {alvo.value}$"):
        exigir_envio(atual, alvo)
