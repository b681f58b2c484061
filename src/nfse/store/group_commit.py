"""Group commit: items submitted from any thread, written by one writer thread in shared
transactions.

Accepting a note is a few statements and one commit; under load the commit, the statements'
fixed costs and the contention of many threads over one database (SQLite has a single
writer) cost more than the data. The writer takes every item queued while the previous
transaction ran, writes them with one call of ``write_batch`` and commits once; each item's
future resolves only after that commit, so no answer to a client precedes durability.

``write_batch(conn, items)`` returns one result per item; a result that is an exception is
raised to that item's submitter alone. A database error aborts the shared transaction: the
batch is then written again one item per transaction, so a bad item fails alone."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine

T = TypeVar("T")
log = logging.getLogger("nfse.store")


class GroupCommit(Generic[T]):
    def __init__(self, engine: Engine, write_batch: Callable[[Connection, list[T]], list[Any]],
                 max_batch: int = 64):
        self.engine = engine
        self.write_batch = write_batch
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[T, Future]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, item: T) -> Future:
        future: Future = Future()
        self._queue.put((item, future))
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="nfse-group-commit",
                                                    daemon=True)
                    self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            except Exception as exc:
                if len(batch) == 1:
                    batch[0][1].set_exception(exc)
                    continue
                log.debug("group commit of %d items failed; writing them one by one",
                          len(batch), exc_info=True)
                for one in batch:
                    try:
                        self._write([one])
                    except Exception as alone:
                        one[1].set_exception(alone)

    def _write(self, batch: list[tuple[T, Future]]) -> None:
        with self.engine.begin() as conn:
            results = self.write_batch(conn, [item for item, _ in batch])
        for (_, future), result in zip(batch, results, strict=True):
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
