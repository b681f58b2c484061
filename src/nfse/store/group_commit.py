"""Group commit: items submitted from any thread, written by one writer thread in shared
transactions.

Accepting a note is a few statements and one commit; under load the commit, the statements'
fixed costs and the contention of many threads over one database (SQLite has a single
writer) cost more than the data. The writer takes every item queued while the previous
transaction ran, writes them with one call of ``write_batch`` and commits once; each item's
future resolves only after that commit, so no answer to a client precedes durability. The
futures of a batch are resolved in one call into their event loop: a wake-up of the loop per
note cost the API more than the note's share of the transaction.

``write_batch(conn, items)`` returns one result per item; a result that is an exception is
raised to that item's submitter alone. A database error aborts the shared transaction: the
batch is then written again one item per transaction, so a bad item fails alone."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
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
        self._queue: queue.SimpleQueue[tuple[T, asyncio.Future]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def submit(self, item: T) -> Any:
        """Write ``item`` in the next shared transaction; its result once committed."""
        future = asyncio.get_running_loop().create_future()
        self._queue.put((item, future))
        self._start()
        return await future

    def _start(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="nfse-group-commit",
                                                    daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                _settle(batch, self._write(batch))
            except Exception as exc:
                if len(batch) == 1:
                    _settle(batch, [exc])
                    continue
                log.debug("group commit of %d items failed; writing them one by one",
                          len(batch), exc_info=True)
                results: list[Any] = []
                for one in batch:
                    try:
                        results += self._write([one])
                    except Exception as alone:
                        results.append(alone)
                _settle(batch, results)

    def _write(self, batch: list[tuple[T, asyncio.Future]]) -> list[Any]:
        with self.engine.begin() as conn:
            return self.write_batch(conn, [item for item, _ in batch])


def _settle(batch: list[tuple[Any, asyncio.Future]], results: list[Any]) -> None:
    """Hand each future its result (an exception is raised to its submitter), one call into
    each event loop involved."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, Any]]] = {}
    for (_, future), result in zip(batch, results, strict=True):
        by_loop.setdefault(future.get_loop(), []).append((future, result))
    for loop, pairs in by_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve, pairs)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            log.debug("group commit: %d results for a closed event loop", len(pairs))


def _resolve(pairs: list[tuple[asyncio.Future, Any]]) -> None:
    for future, result in pairs:
        if future.cancelled():
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
