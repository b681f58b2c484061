"""Who the client is: the socket's peer, or, when the peer is one of
``NFSE_TRUSTED_PROXIES``, the last ``X-Forwarded-For`` entry that is not a trusted proxy (the
entries before it are the client's own word)."""

from __future__ import annotations

import ipaddress
from functools import cache

from starlette.types import Scope

Networks = list[ipaddress.IPv4Network | ipaddress.IPv6Network]


@cache
def trusted(value: str) -> Networks:
    """``NFSE_TRUSTED_PROXIES``: addresses or networks, comma-separated (an entry that is
    neither is ignored)."""
    found: Networks = []
    for item in value.split(","):
        try:
            found.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue
    return found


def of_request(scope: Scope, trusted_proxies: str) -> str:
    return client_address(scope, trusted(trusted_proxies))


def client_address(scope: Scope, proxies: Networks) -> str:
    client = scope.get("client")
    peer = client[0] if client else "-"
    if not proxies or not _within(peer, proxies):
        return peer
    forwarded = ",".join(value.decode("latin-1") for name, value in scope["headers"]
                         if name == b"x-forwarded-for")
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not _within(hop, proxies):
            return hop if _is_address(hop) else peer
    return peer


def _within(address: str, networks: Networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
