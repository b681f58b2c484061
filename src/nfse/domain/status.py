"""The note lifecycle: its states and the transitions the API and the worker may make."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PROCESSANDO = "processando_autorizacao"
    AUTORIZADO = "autorizado"
    ERRO = "erro_autorizacao"
    CANCELADO = "cancelado"
    SUBSTITUIDO = "substituido"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PROCESSANDO: frozenset({Status.AUTORIZADO, Status.ERRO}),
    Status.ERRO: frozenset({Status.PROCESSANDO}),
    Status.AUTORIZADO: frozenset({Status.CANCELADO, Status.SUBSTITUIDO}),
    Status.CANCELADO: frozenset(),
    Status.SUBSTITUIDO: frozenset(),
}

ISSUED = frozenset({Status.AUTORIZADO, Status.CANCELADO, Status.SUBSTITUIDO})
"""States of a note the authority issued: its ref can never be reused."""


def can_move(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]
