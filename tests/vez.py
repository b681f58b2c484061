"""Turns between the test processes of one ``pytest -n`` run: a test marked ``sozinho`` (it
measures time or races a deadline: a worker process's start, a budget synchronised every
0.2 s, a throughput ratio) runs while no other test runs; every other test runs beside the
others.

Two ``flock`` files in the run's shared temporary directory make a readers-writer lock
that prefers the writer: each test passes through the ``catraca`` (turnstile) and then holds
``vez`` shared; a ``sozinho`` test keeps the ``catraca`` while it waits for ``vez``
exclusively, so no new test starts until those running end, and it runs alone."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def turno(pasta: Path, sozinho: bool) -> Iterator[None]:
    with open(pasta / "catraca.lock", "a+") as catraca, open(pasta / "vez.lock", "a+") as vez:
        fcntl.flock(catraca, fcntl.LOCK_EX)
        if not sozinho:
            fcntl.flock(catraca, fcntl.LOCK_UN)
        fcntl.flock(vez, fcntl.LOCK_EX if sozinho else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(vez, fcntl.LOCK_UN)
            if sozinho:
                fcntl.flock(catraca, fcntl.LOCK_UN)
