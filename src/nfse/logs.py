"""Logging set-up: plain text by default, JSON lines with ``NFSE_LOG_FORMAT=json``. Records
carry the note's ``ref``, ``empresa`` and ``attempt`` when they are about one, in both
formats; uvicorn's own lines (access and errors) go through the same handler. Tokens,
certificates and passwords are never passed to a logger."""

from __future__ import annotations

import json
import logging
import os
from contextvars import ContextVar
from datetime import UTC, datetime

CONTEXT = ("ref", "empresa", "ambiente", "provedor", "attempt", "result", "culpa", "codigos",
           "nota_id", "request_id")
REQUISICAO: ContextVar[str | None] = ContextVar("requisicao", default=None)
"""The id of the HTTP request being served (``nfse.api.requisicao``), if any."""


class ComRequisicao(logging.Filter):
    """Adds ``request_id`` to the records written while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = REQUISICAO.get()
        if rid is not None and not hasattr(record, "request_id"):
            record.request_id = rid
        return True
UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access")
ACESSO = ("cliente", "metodo", "caminho", "versao_http", "status")
"""The arguments of a uvicorn access line, in its order."""


def _acesso(record: logging.LogRecord) -> dict[str, object]:
    if record.name != "uvicorn.access" or not isinstance(record.args, tuple) \
            or len(record.args) != len(ACESSO):
        return {}
    return dict(zip(ACESSO, record.args, strict=True))


class TextFormatter(logging.Formatter):
    """``time level logger message`` and then the note's context as ``key=value``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        linha = super().format(record)
        contexto = " ".join(f"{k}={getattr(record, k)}" for k in CONTEXT
                            if getattr(record, k, None) is not None)
        if not contexto:
            return linha
        primeira, _, resto = linha.partition("\n")
        return f"{primeira} {contexto}" + (f"\n{resto}" if resto else "")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: getattr(record, k) for k in CONTEXT
                      if getattr(record, k, None) is not None})
        entry.update(_acesso(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging() -> None:
    # neither format writes where a record was made, by which thread or process: not
    # looking them up is the logging HOWTO's own advice ("Optimization"), a few µs of every
    # request's access line
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler()
    if os.environ.get("NFSE_LOG_FORMAT", "").lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter())
    handler.addFilter(ComRequisicao())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def adotar_uvicorn() -> None:
    """After uvicorn configured its loggers (it does when its ``Config`` is built): send
    their records to the root handler, so they come out in the same format."""
    for nome in UVICORN:
        logger = logging.getLogger(nome)
        logger.handlers[:] = []
        logger.propagate = True
