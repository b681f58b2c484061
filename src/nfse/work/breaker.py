"""A circuit breaker per authority (provider + endpoint), and a hold per company at it.

Failures are attributed (ARCHITECTURE decision 9, ``providers.base.blame``). The authority's
(unreachable, 5xx, timeouts) count towards its circuit: after repeated ones, stop calling it,
let one probe through at growing intervals, close on the first answer; every company's notes
wait, none fails because of it. A company's own (its certificate refused, not enabled) holds
that company alone at that authority, with the authority's words, one probe at a time at
growing intervals; the other companies' notes go on. Refusals count as the authority's only
when they come from more than one company with no answer in between (the authority refusing
everyone, e.g. a broken trust store on its side)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from nfse.config import Settings
from nfse.providers.base import Outcome, Party, blame

REFUSING_EVERYONE = 2
"""Distinct companies refused, with no answer in between, that make the refusals the
authority's failure."""


@dataclass
class _State:
    failures: int = 0
    open_until: float = 0.0
    interval: float = 0.0
    probing: bool = False
    refused: set[int] = field(default_factory=set)
    """Companies whose certificate was refused since the authority last answered."""


@dataclass
class _Hold:
    """A company held at an authority after its own failure."""

    mensagem: str
    interval: float
    until: float
    probe_since: float = 0.0
    """When the probe now in flight was let through (0: none)."""


def is_failure(outcome: Outcome) -> bool:
    """No usable answer because of the authority (not reached, or reached without a
    readable verdict). An answer that refuses (REJECTED), a duplicate report (UNKNOWN with
    erros) or a refused company certificate say nothing against the authority."""
    return blame(outcome) == Party.AUTHORITY


class CircuitBreaker:
    """Thresholds come from the settings at each decision, so a change applies at once."""

    def __init__(self, settings: Settings, max_open: float = 600.0):
        self.settings = settings
        self.max_open = max_open
        self._states: dict[str, _State] = {}
        self._holds: dict[tuple[str, int], _Hold] = {}
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

    def held(self, key: str, empresa: int) -> tuple[float, str] | None:
        """(seconds to wait, why) while ``empresa`` is held at authority ``key`` after its
        own failure; None when its note may go (no hold, or as the hold's one probe)."""
        with self._lock:
            hold = self._holds.get((key, empresa))
            if hold is None:
                return None
            moment = time.monotonic()
            if hold.until > moment:
                return hold.until - moment, hold.mensagem
            stale = 2 * self.settings.authority_timeout + 5
            if hold.probe_since and moment - hold.probe_since < stale:
                return min(hold.interval, 1.0), hold.mensagem
            hold.probe_since = moment
            return None

    def record(self, key: str, outcome: Outcome, empresa: int | None = None) -> None:
        """Count what a call to authority ``key`` on behalf of ``empresa`` found."""
        party = blame(outcome)
        with self._lock:
            state = self._states.setdefault(key, _State())
            if party is None:  # the authority answered
                self._states[key] = _State()
                if empresa is not None:
                    self._holds.pop((key, empresa), None)
                return
            if party == Party.COMPANY and empresa is not None:
                self._hold(key, empresa, outcome.mensagem or "")
                state.refused.add(empresa)
                if len(state.refused) < REFUSING_EVERYONE:
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

    def _hold(self, key: str, empresa: int, mensagem: str) -> None:
        """Hold the company, twice as long as last time (from the notes' backoff base up to
        its cap): a fixed certificate is picked up by the next probe."""
        found = self._holds.get((key, empresa))
        interval = min(self.settings.backoff_cap,
                       found.interval * 2 if found else self.settings.backoff_base)
        self._holds[(key, empresa)] = _Hold(mensagem, interval, time.monotonic() + interval)

    def is_open(self, key: str) -> bool:
        with self._lock:
            return bool(self._states.get(key, _State()).open_until)
