"""One webhook delivery: POST the note's JSON with the hook's authorization header, a
delivery id for the receiver to de-duplicate (``X-Nfse-Delivery``) and, when the hook has a
secret, an HMAC-SHA256 signature of ``timestamp.body`` (``X-Nfse-Signature``). And the rule
for where a produção hook may point."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

TIMEOUT = 10.0


@dataclass(frozen=True)
class Destino:
    url: str
    authorization: str | None = None
    authorization_header: str = "Authorization"
    secret: str | None = None


def assinatura(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def entregar(destino: Destino, body: bytes, delivery: str,
             timeout: float = TIMEOUT) -> str | None:
    """None when the receiver answered 2xx; else what went wrong."""
    headers = {"Content-Type": "application/json", "User-Agent": "nfse-gateway",
               "X-Nfse-Delivery": delivery}
    if destino.authorization:
        headers[destino.authorization_header] = destino.authorization
    if destino.secret:
        timestamp = str(int(time.time()))
        headers["X-Nfse-Timestamp"] = timestamp
        headers["X-Nfse-Signature"] = assinatura(destino.secret, timestamp, body)
    try:
        answer = httpx.post(destino.url, content=body, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= answer.status_code < 300:
        return None
    return f"HTTP {answer.status_code}"


def url_invalida(url: str) -> str | None:
    """Why ``url`` cannot be a webhook (not http(s), no host), or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"URL inválida: {url}"
    return None


def endereco_interno(url: str, allow: list[str]) -> str | None:
    """In produção a hook may not reach this machine or a private network (SSRF), unless
    the host or its network is in ``allow``. The address that is refused, or None."""
    host = urlsplit(url).hostname or ""
    if host in allow:
        return None
    networks = [ipaddress.ip_network(a, strict=False) for a in allow if _is_network(a)]
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return None  # unresolvable now: delivery will fail and be retried, harmlessly
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if any(ip in net for net in networks):
            continue
        if (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved
                or ip.is_multicast or ip.is_unspecified):
            return address
    return None


def _is_network(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True
