"""The delivery loop shared by the outboxes a worker drains (e-mails, webhook deliveries):
claim what is due with a lease, try each row, record the outcome. A failure that is a bug
is recorded as a retry, never allowed to stop the loop."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Generic, TypeVar

from sqlalchemy import Engine, Row

Outcome = TypeVar("Outcome")
log = logging.getLogger("nfse.outbox")
BATCH = 10


class Outbox(Generic[Outcome]):
    lease = timedelta(seconds=120)

    def __init__(self, engine: Engine, owner: str):
        self.engine = engine
        self.owner = owner

    def run_once(self) -> int:
        """Deliver what is due; how many rows were tried."""
        claimed = self._claim()
        for row in claimed:
            try:
                outcome = self._deliver(row)
            except Exception as exc:
                log.exception("%s %s: unexpected failure", type(self).__name__, row.id)
                outcome = self._failure(f"{type(exc).__name__}: {exc}")
            self._record(row, outcome)
        return len(claimed)

    def _claim(self) -> list[Row]:
        raise NotImplementedError

    def _deliver(self, row: Row) -> Outcome:
        raise NotImplementedError

    def _failure(self, detail: str) -> Outcome:
        """The outcome of a delivery that raised: one to retry."""
        raise NotImplementedError

    def _record(self, row: Row, outcome: Outcome) -> None:
        raise NotImplementedError
