"""Claiming due rows with a lease (ARCHITECTURE decision 1), shared by every queue the store
keeps: notes and the outbox. A row is due when its ``status`` is the pending one, its
``next_attempt_at`` has come and no live lease holds it; a worker that dies leaves leases
that expire."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Column, Connection, Row, Table, and_, or_, select, update

from nfse.store.clock import now


def claim(conn: Connection, table: Table, pending: str, owner: str, batch: int,
          lease: timedelta, *returning: Column) -> list[Row]:
    """Lease up to ``batch`` due rows of ``table`` to ``owner``, oldest due first: one
    ``UPDATE … RETURNING`` (with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent
    workers never wait for each other's rows)."""
    moment = now()
    c = table.c
    due = (select(c.id)
           .where(and_(c.status == pending, c.next_attempt_at <= moment,
                       or_(c.lease_until.is_(None), c.lease_until < moment)))
           .order_by(c.next_attempt_at)
           .limit(batch))
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    return conn.execute(
        update(table).where(c.id.in_(due.scalar_subquery()))
        .values(lease_until=moment + lease, lease_owner=owner)
        .returning(c.id, *returning)
    ).all()
