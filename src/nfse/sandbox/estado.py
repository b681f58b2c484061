"""What a sandbox remembers, in a SQLite file of its own (WAL) behind one lock, so a restarted
sandbox still knows which request already became a note (the duplicate rules)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class EstadoSqlite:
    """One connection for every thread of the server: ``lock`` serialises its use."""

    def __init__(self, path: Path, schema: str):
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        # WAL without a sync per commit: a crashed sandbox still keeps every committed note;
        # a sync per statement made it the slowest part of a whole gateway run.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(schema + """
CREATE TABLE IF NOT EXISTS contadores (nome TEXT PRIMARY KEY, valor INTEGER NOT NULL);
""")
        self.lock = threading.RLock()

    @contextmanager
    def transacao(self) -> Iterator[None]:
        """The lock, and one transaction for the statements inside: one commit (its WAL
        writes and file locks) per note instead of one per statement."""
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def proximo(self, nome: str) -> int:
        """The next number of the counter ``nome`` (1, 2, ...), never given twice."""
        with self.lock:
            return self._db.execute(
                "INSERT INTO contadores VALUES (?, 1) "
                "ON CONFLICT(nome) DO UPDATE SET valor = valor + 1 RETURNING valor",
                (nome,)).fetchone()[0]

    def close(self) -> None:
        with self.lock:
            self._db.close()
