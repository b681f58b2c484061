"""Engine creation and schema migrations.

SQLite is the embedded default (WAL, so the API and the worker read while one writes);
PostgreSQL is the engine for more than one process or host.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, create_engine, event, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

MIGRATIONS = Path(__file__).parent / "migrations"
T = TypeVar("T")


def make_engine(url: str, pre_ping: bool = True) -> Engine:
    """``pre_ping`` tests a pooled PostgreSQL connection before each use, so a restarted
    server costs no failed request; a worker, which retries any failed note, goes without
    (a round trip per checkout, several per note). The pool lends the connection returned
    last: at light load the same few connections serve every note, and psycopg prepares a
    statement on a connection only from its fifth execution there (a pool that lent its
    connections in turn had most of the worker's statements parsed and planned anew)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=pre_ping, pool_size=10, max_overflow=20,
                         pool_use_lifo=True)


def upgrade(engine: Engine) -> None:
    """Apply every migration not yet applied (idempotent)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def autocommit(engine: Engine) -> Connection:
    """A connection outside any transaction, for reads or a single statement that is its
    own transaction. A read in a transaction ends it with ROLLBACK, and on every ROLLBACK
    psycopg drops all the statements it had prepared on that connection: the worker's
    statements were parsed and planned anew on most executions."""
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def ping(conn: Connection) -> None:
    """A round trip to the database (raises when it is unreachable)."""
    conn.execute(select(literal(1)))


_RELAXED = text("SET LOCAL synchronous_commit = off")


def relaxed_commit(conn: Connection) -> None:
    """The commit of ``conn``'s transaction does not wait for PostgreSQL to flush its WAL to
    disk (``synchronous_commit = off`` for this transaction alone): ~3 ms less on this
    machine's disks, 10 ms at p90. What it wrote is lost only if the server itself crashes
    within a fraction of a second, never when our process dies, and is made durable by the
    next ordinary commit of any session (the WAL is flushed in order). Only for writes
    nothing outside the database depends on until such a commit, or whose loss only repeats
    what may be repeated: a heartbeat, the claim of webhook deliveries (the claim of notes,
    one statement, does the same inside it: ``notas.claim``). SQLite is left as it
    is (its WAL at ``synchronous=NORMAL`` already commits without a flush)."""
    if conn.dialect.name == "postgresql":
        conn.execute(_RELAXED)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def pipeline(conn: Connection) -> Iterator[None]:
    """Statements whose results nobody reads (INSERT, or UPDATE without RETURNING or a
    rowcount), sent together: on PostgreSQL in one round trip (psycopg's pipeline mode,
    which also carries the transaction's BEGIN), elsewhere one by one as usual. An error
    surfaces when the block ends, as SQLAlchemy's ``DBAPIError`` like any other; a
    connection it broke is invalidated, so the pool does not hand it out again."""
    if conn.dialect.name != "postgresql":
        yield
        return
    raw = conn.connection.driver_connection
    try:
        with raw.pipeline():
            yield
    except psycopg.Error as exc:
        if raw.broken or raw.closed:
            conn.invalidate()
        raise DBAPIError.instance(None, None, exc, psycopg.Error, dialect=conn.dialect) \
            from exc


def por_motor(build: Callable[[Callable[[Table], T]], T]) -> dict[str, T]:
    """One statement that needs ``INSERT … ON CONFLICT`` (an upsert, or an insert that
    skips a taken key), built once per engine: both engines have the clause with the same
    text, but SQLAlchemy spells it through each dialect's own ``insert``. ``build`` gets
    that ``insert``; index the answer with ``conn.dialect.name``."""
    return {name: build(dialect.insert) for name, dialect in (("postgresql", postgresql),
                                                                ("sqlite", sqlite))}
