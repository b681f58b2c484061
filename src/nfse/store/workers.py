"""The workers' heartbeats: each worker upserts its row now and then, so operators see which
workers are alive (``store.operador``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from nfse.store.clock import aware
from nfse.store.db import por_motor
from nfse.store.tables import workers


def _bater(stmt):  # noqa: ANN001, ANN202
    """An upsert: the row's heartbeat_at replaced when its id exists."""
    return stmt.on_conflict_do_update(index_elements=[workers.c.id],
                                      set_={"heartbeat_at": stmt.excluded.heartbeat_at})


_BATER = por_motor(lambda insert: _bater(insert(workers)))


def heartbeat(conn: Connection, worker_id: str, moment: datetime) -> None:
    conn.execute(_BATER[conn.dialect.name], {"id": worker_id, "heartbeat_at": moment})


def heartbeats(conn: Connection) -> list[datetime]:
    """Every worker's last heartbeat (aware UTC)."""
    return [aware(b) for b in conn.execute(select(workers.c.heartbeat_at)).scalars()]
