"""Reading the Sefin's JSON answers. Keys are matched case-insensitively and ``erro`` /
``erros`` are accepted as an object or a list: the wire uses PascalCase ``Codigo`` on
emission, lower-case ``codigo`` on queries and events (fact sheet §2.9)."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import datetime
from typing import Any

from lxml import etree

from nfse.providers.base import Erro

NS = {"n": "http://www.sped.fazenda.gov.br/nfse"}


def pack(xml: bytes) -> str:
    """gzip at level 1: a DPS shrinks about as much as at 9, in three quarters of the time."""
    return base64.b64encode(gzip.compress(xml, compresslevel=1, mtime=0)).decode("ascii")


def unpack(value: str) -> bytes:
    return gzip.decompress(base64.b64decode(value))


def _lower(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k).lower(): _lower(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_lower(v) for v in obj]
    return obj


def json_of(body: bytes) -> dict[str, Any] | None:
    """The answer as a dict with lower-case keys, or None when it is not a JSON object."""
    try:
        parsed = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(parsed, list):
        parsed = {"erros": parsed}
    return _lower(parsed) if isinstance(parsed, dict) else None


def erros_of(answer: dict[str, Any]) -> list[Erro]:
    raw = answer.get("erros", answer.get("erro"))
    if raw is None and "codigo" in answer:
        raw = answer
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    result = []
    for item in items:
        if not isinstance(item, dict):
            continue
        result.append(Erro(
            codigo=str(item.get("codigo") or "sem_codigo"),
            mensagem=str(item.get("descricao") or item.get("mensagem") or "").strip(),
            correcao=(str(item["complemento"]).strip() or None)
            if item.get("complemento") else None,
        ))
    return result


def nfse_fields(xml: bytes) -> tuple[str, datetime | None]:
    """(nNFSe, dhProc) of an NFS-e document."""
    root = etree.fromstring(xml)
    numero = root.findtext("n:infNFSe/n:nNFSe", namespaces=NS) or ""
    dh_proc = root.findtext("n:infNFSe/n:dhProc", namespaces=NS)
    return numero, datetime.fromisoformat(dh_proc) if dh_proc else None
