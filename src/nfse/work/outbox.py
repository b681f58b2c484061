"""The delivery loop shared by the outboxes a worker drains (e-mails, webhook deliveries):
claim what is due with a lease, try each row, record the outcome. A failure that is a bug
is recorded as a retry, never allowed to stop the loop."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Generic, TypeVar

from sqlalchemy import Engine, Row

Outcome = TypeVar("Outcome")
log = logging.getLogger("nfse.outbox")
BATCH = 10


class Outbox(Generic[Outcome]):
    lease = timedelta(seconds=120)
    paralelo = 1
    """Rows delivered at once (threads of the outbox's own); 1: one after another."""
    espera = 1.0
    """Seconds a parallel round waits for a free place before giving the loop back."""

    def __init__(self, engine: Engine, owner: str):
        self.engine = engine
        self.owner = owner
        self._pool: ThreadPoolExecutor | None = None
        self._em_voo = 0
        self._mudou = threading.Condition()

    def run_once(self) -> int:
        """Deliver what is due; how many rows were tried (in parallel: handed to the
        delivery threads, which may still be delivering them)."""
        if self.paralelo > 1:
            return self._em_paralelo()
        claimed = self._claim()
        for row in claimed:
            self._one(row)
        return len(claimed)

    def _em_paralelo(self) -> int:
        """Claim as many rows as places are free (twice the threads: each thread has its
        next row waiting) and hand them to the threads without waiting for them. Waiting
        for a whole claim, one slow message held every place its claim had freed.

        In a burst a claim waits for half the threads' worth of free places (or
        ``espera``): one claim per freed place was a write transaction per message, a
        tenth of a delivery's CPU; the threads meanwhile still have their next rows."""
        limite = 2 * self.paralelo
        lote = max(1, self.paralelo // 2)
        with self._mudou:
            self._mudou.wait_for(lambda: limite - self._em_voo >= lote, timeout=self.espera)
            livres = limite - self._em_voo
        if livres <= 0:
            return 0
        claimed = self._claim_ate(livres)
        if not claimed:
            return 0
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.paralelo, type(self).__name__.lower())
        with self._mudou:
            self._em_voo += len(claimed)
        for row in claimed:
            self._pool.submit(self._one_em_voo, row)
        return len(claimed)

    def _one_em_voo(self, row: Row) -> None:
        try:
            self._one(row)
        finally:
            with self._mudou:
                self._em_voo -= 1
                self._mudou.notify_all()

    def _one(self, row: Row) -> Outcome:
        """Deliver ``row`` and record how it went; the outcome."""
        try:
            outcome = self._deliver(row)
        except Exception as exc:
            log.exception("%s %s: unexpected failure", type(self).__name__, row.id)
            outcome = self._failure(f"{type(exc).__name__}: {exc}")
        self._record(row, outcome)
        return outcome

    def close(self) -> None:
        """Let the delivery threads go (the worker stops)."""
        if self._pool is not None:
            self._pool.shutdown()

    def _claim(self) -> list[Row]:
        raise NotImplementedError

    def _claim_ate(self, quantos: int) -> list[Row]:
        """Claim at most ``quantos`` due rows (outboxes delivering in parallel)."""
        raise NotImplementedError

    def _deliver(self, row: Row) -> Outcome:
        raise NotImplementedError

    def _failure(self, detail: str) -> Outcome:
        """The outcome of a delivery that raised: one to retry."""
        raise NotImplementedError

    def _record(self, row: Row, outcome: Outcome) -> None:
        raise NotImplementedError
