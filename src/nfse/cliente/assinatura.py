"""Checking a webhook delivery's signature on the receiving side: ``X-Nfse-Signature`` is
``sha256=HMAC-SHA256(secret, timestamp + "." + body)`` and ``X-Nfse-Timestamp`` the second
it was signed."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping


def _cabecalho(cabecalhos: Mapping[str, str], nome: str) -> str:
    for chave, valor in cabecalhos.items():
        if chave.lower() == nome:
            return valor
    return ""


def verificar_assinatura(cabecalhos: Mapping[str, str], corpo: bytes, segredo: str | bytes,
                         tolerancia: float = 300.0, agora: float | None = None) -> bool:
    """True when the delivery was signed with ``segredo`` less than ``tolerancia`` seconds ago
    (older ones may be replays)."""
    carimbo = _cabecalho(cabecalhos, "x-nfse-timestamp")
    assinatura = _cabecalho(cabecalhos, "x-nfse-signature")
    if not (carimbo.isascii() and carimbo.isdigit()) or not assinatura:  # not "²"
        return False
    if abs((time.time() if agora is None else agora) - int(carimbo)) > tolerancia:
        return False
    chave = segredo.encode() if isinstance(segredo, str) else segredo
    esperada = hmac.new(chave, carimbo.encode() + b"." + corpo, hashlib.sha256).hexdigest()
    return hmac.compare_digest(assinatura, "sha256=" + esperada)
