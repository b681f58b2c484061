"""A circuit breaker per authority (provider + endpoint): after repeated failures to get an
answer, stop calling it, let one probe through at growing intervals, close on the first
answer. Notes of an open authority wait; they never fail because of it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from nfse.config import Settings
from nfse.providers.base import Outcome, Result


@dataclass
class _State:
    failures: int = 0
    open_until: float = 0.0
    interval: float = 0.0
    probing: bool = False


def is_failure(outcome: Outcome) -> bool:
    """No usable answer: not reached, or reached without a readable verdict. An answer that
    refuses (REJECTED) or a duplicate report (UNKNOWN with erros) means the authority is up."""
    return outcome.result == Result.RETRY or (
        outcome.result == Result.UNKNOWN and not outcome.erros)


class CircuitBreaker:
    """Thresholds come from the settings at each decision, so a change applies at once."""

    def __init__(self, settings: Settings, max_open: float = 600.0):
        self.settings = settings
        self.max_open = max_open
        self._states: dict[str, _State] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> float:
        """0 when a call may go now, else the seconds to wait before asking again."""
        with self._lock:
            state = self._states.setdefault(key, _State())
            remaining = state.open_until - time.monotonic()
            if remaining > 0:
                return remaining
            if state.open_until and state.probing:
                return min(self.settings.breaker_open, 1.0)
            if state.open_until:
                state.probing = True
            return 0.0

    def record(self, key: str, outcome: Outcome) -> None:
        with self._lock:
            state = self._states.setdefault(key, _State())
            if not is_failure(outcome):
                self._states[key] = _State()
                return
            state.failures += 1
            # Once open, only a failed probe lengthens the interval: the failures of calls
            # sent before it opened (many, with many notes in flight) are not new evidence.
            if state.probing or (not state.open_until
                                 and state.failures >= self.settings.breaker_failures):
                state.interval = min(self.max_open,
                                     state.interval * 2 or self.settings.breaker_open)
                state.open_until = time.monotonic() + state.interval
                state.probing = False

    def is_open(self, key: str) -> bool:
        with self._lock:
            return bool(self._states.get(key, _State()).open_until)
