"""The note lifecycle (ARCHITECTURE decision 8): the states of a note and of its outbox rows
(e-mails, webhook deliveries), and the transitions the API and the worker may make.

``store.ciclo`` applies them, each as a compare-and-set on the state it leaves; nothing else
writes a status."""

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
    Status.ERRO: frozenset({Status.PROCESSANDO}),  # the ref is accepted again
    Status.AUTORIZADO: frozenset({Status.CANCELADO, Status.SUBSTITUIDO}),
    Status.CANCELADO: frozenset(),
    Status.SUBSTITUIDO: frozenset(),
}

ISSUED = frozenset({Status.AUTORIZADO, Status.CANCELADO, Status.SUBSTITUIDO})
"""States of a note the authority issued: its ref can never be reused."""


class Envio(StrEnum):
    """The state of an outbox row (an e-mail or a webhook delivery): pending until it is
    delivered or given up; each attempt is recorded once, by whoever holds its lease."""

    PENDENTE = "pendente"
    ENVIADO = "enviado"
    """An e-mail accepted by the SMTP server."""
    ENTREGUE = "entregue"
    """A webhook delivery the receiver answered with 2xx."""
    BLOQUEADO = "bloqueado"
    """An e-mail whose address refused it for good (now on the block list)."""
    FALHOU = "falhou"


ENVIO_TRANSITIONS: dict[Envio, frozenset[Envio]] = {
    Envio.PENDENTE: frozenset({Envio.PENDENTE, Envio.ENVIADO, Envio.ENTREGUE,
                               Envio.BLOQUEADO, Envio.FALHOU}),
    # pendente → pendente: an attempt failed and is retried later.
    Envio.ENVIADO: frozenset(),
    Envio.ENTREGUE: frozenset(),
    Envio.BLOQUEADO: frozenset(),
    Envio.FALHOU: frozenset(),
}


class TransicaoInvalida(ValueError):
    """A change the lifecycle does not allow: a bug of the caller, never a race (a race
    is a compare-and-set that finds another state)."""


def can_move(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def exigir(current: Status, target: Status) -> None:
    """Raise ``TransicaoInvalida`` unless ``current`` → ``target`` is allowed."""
    if not can_move(current, target):
        raise TransicaoInvalida(f"{current.value} → {target.value}")


def exigir_envio(current: Envio, target: Envio) -> None:
    if target not in ENVIO_TRANSITIONS[current]:
        raise TransicaoInvalida(f"{current.value} → {target.value}")
