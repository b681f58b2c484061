"""Notifications between processes (PostgreSQL's NOTIFY; nothing to tell on SQLite)."""

from __future__ import annotations

import secrets

import psycopg

from nfse.runtime import Runtime
from nfse.store import wakeup


def test_a_change_is_told_to_every_process_listening(runtime: Runtime) -> None:
    """What ``api.invalidacao`` relies on: ``wakeup.avisar`` reaches a connection that
    LISTENs on the channel (PostgreSQL), and is harmless where there is no other process."""
    canal = "t_" + secrets.token_hex(4)
    if runtime.engine.dialect.name != "postgresql":
        wakeup.avisar(runtime.engine, canal)  # one process: nothing to tell, nothing raised
        return
    url = runtime.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as ouvinte:
        ouvinte.execute(f"LISTEN {canal}")
        wakeup.avisar(runtime.engine, canal)
        recebidos = [n.channel for n in ouvinte.notifies(timeout=10, stop_after=1)]
    assert recebidos == [canal]
