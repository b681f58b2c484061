"""The access log without secrets. Focus clients may send the token as ``?token=`` (SPEC §1),
so it is accepted; uvicorn's access log would write it in plain text with the path. This
filter replaces its value before any handler sees the record."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"([?&]token=)[^&#\s]*", re.IGNORECASE)
OCULTO = "***"


def redigir(texto: str) -> str:
    return _TOKEN.sub(r"\g<1>" + OCULTO, texto)


class SemToken(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redigir(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str) and "token=" in record.msg.lower():
            record.msg = redigir(record.msg)
        return True


def instalar() -> None:
    """Filter uvicorn's access and error loggers (idempotent)."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, SemToken) for f in logger.filters):
            logger.addFilter(SemToken())
