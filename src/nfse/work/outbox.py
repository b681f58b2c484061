"""The delivery loop shared by the outboxes a worker drains (e-mails, webhook deliveries):
claim what is due with a lease, try each row, record the outcome. A failure that is a bug
is recorded as a retry, never allowed to stop the loop."""

from __future__ import annotations

import logging
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

    def __init__(self, engine: Engine, owner: str):
        self.engine = engine
        self.owner = owner
        self._pool: ThreadPoolExecutor | None = None

    def run_once(self) -> int:
        """Deliver what is due; how many rows were tried."""
        claimed = self._claim()
        if self.paralelo > 1 and len(claimed) > 1:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.paralelo, type(self).__name__.lower())
            list(self._pool.map(self._one, claimed))
        else:
            for row in claimed:
                self._one(row)
        return len(claimed)

    def _one(self, row: Row) -> None:
        try:
            outcome = self._deliver(row)
        except Exception as exc:
            log.exception("%s %s: unexpected failure", type(self).__name__, row.id)
            outcome = self._failure(f"{type(exc).__name__}: {exc}")
        self._record(row, outcome)

    def close(self) -> None:
        """Let the delivery threads go (the worker stops)."""
        if self._pool is not None:
            self._pool.shutdown()

    def _claim(self) -> list[Row]:
        raise NotImplementedError

    def _deliver(self, row: Row) -> Outcome:
        raise NotImplementedError

    def _failure(self, detail: str) -> Outcome:
        """The outcome of a delivery that raised: one to retry."""
        raise NotImplementedError

    def _record(self, row: Row, outcome: Outcome) -> None:
        raise NotImplementedError
