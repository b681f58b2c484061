"""Fault injection shared by the sandboxes: the faults an authority can show, their parsing
from the command line, and the queue/draw that decides the fault of the next answer.

What each fault means, for every sandbox:

- ``timeout_after_commit``: the operation takes effect, then no answer comes (the connection
  hangs past any client timeout, then closes) — the outcome is unknown to the client;
- ``http500``: an HTML error page with status 500, nothing done;
- ``reset``: the operation takes effect, then the TCP connection is reset (RST);
- ``garbage``: status 200 with bytes that are no document at all, nothing done;
- ``slow``: the answer comes after ``slow_seconds``.

Apart from faults, every answer may come after a delay drawn from a latency distribution
(``Latencia``, ``--latency p50=300ms,p99=1500ms``): a log-normal through the two
percentiles, the shape of a remote service's response times.
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections import deque
from dataclasses import dataclass, field

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


Z99 = 2.3263478740408408
"""The standard normal's 99th percentile."""
_DURACAO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")


def _segundos(texto: str) -> float:
    found = _DURACAO.match(texto)
    if found is None:
        raise ValueError(f"duração inválida: {texto!r} (ex.: 300ms, 1.5s)")
    valor = float(found.group(1))
    return valor / 1000 if found.group(2) == "ms" else valor


@dataclass
class Latencia:
    """A log-normal delay with median ``p50`` and 99th percentile ``p99`` (seconds); with
    ``p99 == p50`` every answer waits exactly ``p50``. Drawn from its own seeded generator."""

    p50: float
    p99: float
    seed: int | None = None
    _random: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.p50 < 0 or self.p99 < self.p50:
            raise ValueError("a latência exige 0 ≤ p50 ≤ p99")
        self._random = random.Random(self.seed)

    @property
    def sigma(self) -> float:
        return math.log(self.p99 / self.p50) / Z99 if self.p50 > 0 else 0.0

    @property
    def media(self) -> float:
        """The distribution's mean (what throughput divides by)."""
        return self.p50 * math.exp(self.sigma ** 2 / 2)

    def sortear(self) -> float:
        if self.p50 == 0 or self.sigma == 0:
            return self.p50
        with self._lock:
            return self._random.lognormvariate(math.log(self.p50), self.sigma)


def parse_latency(spec: str, seed: int | None = None) -> Latencia | None:
    """``"p50=300ms,p99=1500ms"`` (or one fixed value, ``"300ms"``) → the distribution;
    empty → None."""
    spec = spec.strip()
    if not spec:
        return None
    if "=" not in spec:
        fixa = _segundos(spec)
        return Latencia(fixa, fixa, seed)
    partes: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        nome, _, valor = item.partition("=")
        if nome not in ("p50", "p99"):
            raise ValueError(f"percentil desconhecido: {nome} (use p50 e p99)")
        partes[nome] = _segundos(valor)
    if "p50" not in partes:
        raise ValueError("a latência exige p50 (ex.: p50=300ms,p99=1500ms)")
    return Latencia(partes["p50"], partes.get("p99", partes["p50"]), seed)
