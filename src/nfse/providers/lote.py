"""The wait for an asynchronous lot inside ``emit``: the authority received the lot and gave
a protocol; its situation is asked a few times, each call short, so the whole attempt stays
well within the worker's lease. A lot still waiting after them is left to the worker's next
step (UNKNOWN: a reconciliation query, never a resend)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TypeVar

from nfse.providers.base import Emissor

ESPERAS = (0.2, 0.5, 1.0)
"""Seconds before each question about the lot."""
TIMEOUT_CONSULTA = 5.0
"""The longest a question about the lot may take."""

T = TypeVar("T")


def breve(emissor: Emissor) -> Emissor:
    """``emissor`` with the timeout of a question about a lot."""
    return replace(emissor, timeout=min(emissor.timeout, TIMEOUT_CONSULTA))


def aguardar(consultar: Callable[[Emissor], tuple[T, bool]], emissor: Emissor,
             esperas: Sequence[float] = ESPERAS) -> T | None:
    """Ask ``consultar`` (with a short timeout) after each of ``esperas`` seconds until it
    says the lot was processed; what it answered last (None: never asked)."""
    ultimo: T | None = None
    curto = breve(emissor)
    for espera in esperas:
        if espera:
            time.sleep(espera)
        ultimo, processado = consultar(curto)
        if processado:
            break
    return ultimo
