"""Fault injection shared by the sandboxes: the faults an authority can show, their parsing
from the command line, and the queue/draw that decides the fault of the next answer.

What each fault means, for every sandbox:

- ``timeout_after_commit``: the operation takes effect, then no answer comes (the connection
  hangs past any client timeout, then closes) — the outcome is unknown to the client;
- ``http500``: an HTML error page with status 500, nothing done;
- ``reset``: the operation takes effect, then the TCP connection is reset (RST);
- ``garbage``: status 200 with bytes that are no document at all, nothing done;
- ``slow``: the answer comes after ``slow_seconds``.
"""

from __future__ import annotations

import random
import threading
from collections import deque

FAULTS = ("timeout_after_commit", "http500", "reset", "garbage", "slow")


def parse_faults(spec: str) -> dict[str, float]:
    """``"timeout_after_commit=0.1,http500=0.05"`` → rates per fault (their sum ≤ 1)."""
    rates: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, value = item.partition("=")
        if name not in FAULTS:
            raise ValueError(f"falha desconhecida: {name} (conhecidas: {', '.join(FAULTS)})")
        rates[name] = float(value)
    if sum(rates.values()) > 1 or any(r < 0 for r in rates.values()):
        raise ValueError("as taxas de falha devem estar entre 0 e 1 e somar no máximo 1")
    return rates


class FaultPlan:
    """Injected faults first (in order), else one drawn at the configured rates. The draw
    uses its own seeded generator, so ``--seed`` reproduces the faults of a run."""

    def __init__(self, rates: dict[str, float] | None = None, seed: int | None = None):
        self.rates = rates or {}
        self._random = random.Random(seed)
        self._queue: deque[str] = deque()
        self._lock = threading.Lock()

    def inject(self, fault: str, count: int = 1) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault}; one of {FAULTS}")
        with self._lock:
            self._queue.extend([fault] * count)

    def next(self) -> str | None:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            draw = self._random.random()
        for fault, rate in self.rates.items():
            if draw < rate:
                return fault
            draw -= rate
        return None
