"""Provider instances by name (the names ``municipios.routing`` answers)."""

from __future__ import annotations

from functools import cache

from nfse.providers.base import Provider


@cache
def get_provider(name: str) -> Provider:
    """One instance per provider and process: it holds the pool of kept-alive connections
    to its authority (a TLS handshake with a client certificate per note would cost more
    than the note)."""
    if name == "nacional":
        from nfse.providers.nacional.provider import NacionalProvider

        return NacionalProvider()
    if name == "abrasf":
        from nfse.providers.abrasf.provider import AbrasfProvider

        return AbrasfProvider()
    if name == "paulistana":
        from nfse.providers.paulistana.provider import PaulistanaProvider

        return PaulistanaProvider()
    raise KeyError(f"provedor desconhecido: {name}")
