"""Which provider serves a municipality. ``rota`` answers the whole route (provider, profile,
addresses, options, or why none serves it) from ``emissores.csv``, ``provedores.toml`` and the
operator's ``NFSE_MUNICIPIOS_FILE`` (see ``provedores``)."""

from __future__ import annotations

from nfse.municipios import registry
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
           "flags", "nao_atendido", "provider_for", "rota"]


def provider_for(codigo_municipio: str) -> str:
    """The name of the provider implementation that serves the municipality."""
    return rota(codigo_municipio).provedor


def nao_atendido(codigo_municipio: str, ambiente: str) -> str | None:
    """Why a note of a prestador of this municipality cannot be issued in ``ambiente``,
    naming the municipality and its system (the message of the POST's 400); None when its
    provider serves it."""
    problema = rota(codigo_municipio).problema(ambiente)
    if problema is None:
        return None
    municipio = registry.get(codigo_municipio)
    nome = f"{municipio.nome}/{municipio.uf}" if municipio else codigo_municipio
    return f"Município {nome} não atendido: {problema}"
