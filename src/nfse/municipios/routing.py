"""Which provider serves a municipality. ``rota`` answers the whole route (provider, profile,
addresses, options) from ``provedores.toml`` and the operator's ``NFSE_MUNICIPIOS_FILE``
(see ``provedores``); a municipality listed in neither goes to the national standard."""

from __future__ import annotations

from nfse.municipios.provedores import (
    NACIONAL,
    ConfiguracaoInvalida,
    Rota,
    carregar,
    codigos_tributarios,
    flags,
    rota,
)

__all__ = ["NACIONAL", "ConfiguracaoInvalida", "Rota", "carregar", "codigos_tributarios",
           "flags", "provider_for", "rota"]


def provider_for(codigo_municipio: str) -> str:
    """The name of the provider implementation that serves the municipality."""
    return rota(codigo_municipio).provedor
