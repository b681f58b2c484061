"""Waking idle workers on PostgreSQL: accepting a note NOTIFYs a channel in the accepting
transaction (delivered at commit); each worker LISTENs on its own connection. Polling stays
the fallback everywhere, and the only mechanism on SQLite."""

from __future__ import annotations

import logging
import threading

import psycopg
from sqlalchemy import Connection, Engine, text

CHANNEL = "nfse_notas"
_NOTIFY = text(f"NOTIFY {CHANNEL}")
log = logging.getLogger("nfse.wakeup")


def notify(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(_NOTIFY)


_PG_NOTIFY = text("SELECT pg_notify(:canal, '')")


def avisar(engine: Engine, canal: str) -> None:
    """Notify ``canal`` now, in a transaction of its own (PostgreSQL; on SQLite there is one
    process, nobody to tell)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(_PG_NOTIFY, {"canal": canal})


def listen(engine: Engine, wake: threading.Event, stop: threading.Event) -> threading.Thread | None:
    """Start a thread that sets ``wake`` on every notification until ``stop``; None on
    SQLite."""
    if engine.dialect.name != "postgresql":
        return None
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def run() -> None:
        while not stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while not stop.is_set():
                        for _ in conn.notifies(timeout=0.5, stop_after=1):
                            wake.set()
            except psycopg.Error:
                log.warning("LISTEN connection lost; polling until it is back", exc_info=True)
                stop.wait(1.0)

    thread = threading.Thread(target=run, name="nfse-listen", daemon=True)
    thread.start()
    return thread
