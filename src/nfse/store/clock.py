"""Time as the store keeps it: aware UTC. SQLite hands back naive datetimes; they are UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def utc(value: datetime | None) -> datetime | None:
    """What the store writes: SQLite keeps no offset, so every time goes in as UTC."""
    return value.astimezone(UTC) if value is not None else None
