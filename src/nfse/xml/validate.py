"""XSD validation against the official schemas. Parsing an XSD costs tens of milliseconds,
so each schema is loaded once per process."""

from __future__ import annotations

import threading
from functools import cache
from importlib import resources
from pathlib import Path

from lxml import etree

_lock = threading.Lock()


@cache
def nacional_schema_dir() -> Path:
    """The NFS-e Nacional v1.01 schemas shipped by nfelib."""
    return Path(str(resources.files("nfelib") / "nfse" / "schemas" / "v1_0"))


@cache
def _schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


def validate(doc: etree._Element, schema: Path) -> list[str]:
    """Every schema error as ``line N: message``; empty when the document is valid."""
    with _lock:  # an lxml XMLSchema object is not safe to share between threads unlocked
        xsd = _schema(str(schema))
        if xsd.validate(doc):
            return []
        return [f"line {e.line}: {e.message}" for e in xsd.error_log]
