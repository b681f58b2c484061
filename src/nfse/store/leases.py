"""Claiming due rows with a lease (ARCHITECTURE decision 1), shared by every queue the store
keeps: notes and the outbox. A row is due when its ``status`` is the pending one, its
``next_attempt_at`` has come and no live lease holds it; a worker that dies leaves leases
that expire."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from sqlalchemy import Column, Connection, Row, Table, Update, and_, bindparam, or_, select, update

from nfse.store.clock import now


@cache
def _claim(table: Table, returning: tuple[Column, ...], postgresql: bool,
           skip: Column | None = None) -> Update:
    """The claim statement of a queue, built once: with its values as parameters, executing
    it skips building the statement and its cache key, which cost more than running it.
    ``skip``: a column whose values in the parameter ``skip`` are not claimed."""
    c = table.c
    moment = bindparam("agora")
    conditions = [c.status == bindparam("pendente"), c.next_attempt_at <= moment,
                 or_(c.lease_until.is_(None), c.lease_until < moment)]
    if skip is not None:
        conditions.append(skip.not_in(bindparam("skip", expanding=True)))
    due = (select(c.id)
           .where(and_(*conditions))
           .order_by(c.next_attempt_at)
           .limit(bindparam("lote")))
    if postgresql:
        due = due.with_for_update(skip_locked=True)
    return (update(table).where(c.id.in_(due.scalar_subquery()))
            .values(lease_until=bindparam("ate"), lease_owner=bindparam("dono"))
            .returning(c.id, *returning))


def claim(conn: Connection, table: Table, pending: str, owner: str, batch: int,
          lease: timedelta, *returning: Column,
          skip: tuple[Column, list] | None = None) -> list[Row]:
    """Lease up to ``batch`` due rows of ``table`` to ``owner``, oldest due first: one
    ``UPDATE … RETURNING`` (with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent
    workers never wait for each other's rows). ``skip``: a column and the values of it
    whose rows are left (a webhook outbox's hooks already being delivered to)."""
    moment = now()
    statement = _claim(table, returning, conn.dialect.name == "postgresql",
                       skip[0] if skip else None)
    values = {"agora": moment, "pendente": pending, "lote": batch, "ate": moment + lease,
              "dono": owner}
    if skip:
        values["skip"] = skip[1]
    return conn.execute(statement, values).all()


def give_back(conn: Connection, table: Table, owner: str, ids: list[int]) -> None:
    """Give back rows ``owner`` claimed and will not deliver now: due again at once, for
    any worker."""
    conn.execute(update(table).where(table.c.id.in_(ids), table.c.lease_owner == owner)
                 .values(lease_until=None, lease_owner=None))
