"""Provider instances by name (the names ``municipios.routing`` answers)."""

from __future__ import annotations

from functools import cache

from nfse.providers.base import Provider


@cache
def get_provider(name: str) -> Provider:
    if name == "nacional":
        from nfse.providers.nacional.provider import NacionalProvider

        return NacionalProvider()
    raise KeyError(f"provedor desconhecido: {name}")
