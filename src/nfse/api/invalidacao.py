"""Changes to a company or its tokens apply at once in every API process.

Each process keeps the credentials it looked up for a few seconds (``auth.CredentialCache``).
A PUT or DELETE of a company and a token rotation clear that cache in the process that made
the change and, on PostgreSQL, tell every other process through ``NOTIFY nfse_credenciais``:
each API process LISTENs on its own connection and clears its cache when told. While that
connection is down the cache is not used (every request reads the database), so no stale
credential is served when a notification could have been missed. On SQLite there is one API
process: clearing its cache is enough."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from nfse.api.auth import CredentialCache
from nfse.store import wakeup
from nfse.store.db import is_postgres

log = logging.getLogger("nfse.api")
CANAL = "nfse_credenciais"


def avisar(engine: Engine, cache: CredentialCache) -> None:
    """After a change to credentials was committed: forget them here and everywhere."""
    cache.clear()
    wakeup.avisar(engine, CANAL)


class Ouvinte:
    """The LISTEN side: a daemon thread per API process (PostgreSQL only)."""

    def __init__(self, engine: Engine, cache: CredentialCache):
        self.engine = engine
        self.cache = cache
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not is_postgres(self.engine):
            return
        self.cache.ativo = False
        self._thread = threading.Thread(target=self._run, name="nfse-credenciais",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._acordar()
            self._thread.join(timeout=5)

    def _acordar(self) -> None:
        """A notification on the channel, so the listener sees ``stop`` now rather than at
        the end of its one-second wait."""
        try:
            wakeup.avisar(self.engine, CANAL)
        except DBAPIError:
            pass  # the listener is down too: it sees stop at its next retry

    def _conninfo(self) -> str:
        url = self.engine.url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo(), autocommit=True) as conn:
                    conn.execute(f"LISTEN {CANAL}")
                    self.cache.clear()
                    self.cache.ativo = True
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self.cache.clear()
            except psycopg.Error as exc:
                log.warning("credential notifications unavailable (%s); cache off", exc)
            self.cache.ativo = False
            self.cache.clear()
            self._stop.wait(1.0)


def instalar(app: object, engine: Engine, cache: CredentialCache) -> None:
    """Listen for the lifetime of ``app`` (its startup and shutdown)."""
    ouvinte = Ouvinte(engine, cache)
    app.router.on_startup.append(ouvinte.start)  # type: ignore[attr-defined]
    app.router.on_shutdown.append(ouvinte.stop)  # type: ignore[attr-defined]
