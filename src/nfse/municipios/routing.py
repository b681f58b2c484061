"""Which provider serves a municipality. ``rota`` answers the whole route (provider, profile,
addresses, options, or why none serves it) from ``emissores.csv``, ``provedores.toml`` and the
operator's ``NFSE_MUNICIPIOS_FILE`` (see ``provedores``)."""

from __future__ import annotations

from nfse.config import Settings
from nfse.municipios import registry
from nfse.municipios.provedores import (
    NACIONAL,
    PERMITIR_HTTP,
    ConfiguracaoInvalida,
    Rota,
    carregar,
    codigos_tributarios,
    flags,
    recusa_http,
    rota,
)

__all__ = ["NACIONAL", "ConfiguracaoInvalida", "Rota", "carregar", "codigos_tributarios",
           "desvio_de_homologacao", "flags", "nao_atendido", "nao_atendido_por", "provider_for",
           "recusa_do_endereco", "rota"]


def provider_for(codigo_municipio: str) -> str:
    """The name of the provider implementation that serves the municipality."""
    return rota(codigo_municipio).provedor


def desvio_de_homologacao(caminho: Rota, ambiente: str, settings: Settings) -> str | None:
    """The operator's own homologação address for the route's provider
    (``NFSE_<PROVIDER>_URL_HOMOLOGACAO``: a sandbox), when it is the one used."""
    desvio = settings.homologacao(caminho.provedor) if ambiente == "homologacao" else None
    return desvio[0] if desvio else None


def recusa_do_endereco(url: str, caminho: Rota, ambiente: str,
                       settings: Settings) -> str | None:
    """Why ``url``, where the route's provider would send in ``ambiente``, may not be used:
    plain http without the operator's opt-in (a sandbox in plain http standing in for the
    authority included), or plain http that is neither the operator's homologação address
    nor one the shipped registry holds. None: it may."""
    if not url.startswith("http://"):
        return None
    permitir = settings.permitir_http_municipal
    if url == desvio_de_homologacao(caminho, ambiente, settings):
        return None if permitir else (
            f"o endereço de homologação configurado para o provedor {caminho.provedor} "
            f"({url}) é http, sem TLS; o gateway só o usa se o operador permitir com "
            f"{PERMITIR_HTTP}=1 (docs/http-municipal.md)")
    return recusa_http(url, ambiente, f"do sistema {caminho.sistema or caminho.perfil}",
                       permitir)


def nao_atendido(codigo_municipio: str, ambiente: str,
                 settings: Settings | None = None) -> str | None:
    """Why a note of a prestador of this municipality cannot be issued in ``ambiente``,
    naming the municipality and its system (the message of the POST's 400); None when its
    provider serves it. With ``settings``, the address its provider would reach is checked
    too (plain http: ``recusa_do_endereco``)."""
    caminho = rota(codigo_municipio)
    problema = caminho.problema(ambiente, bool(settings and settings.permitir_http_municipal))
    if problema is None and settings is not None:
        from nfse.providers.registry import get_provider  # the registry imports no routing

        url = get_provider(caminho.provedor).address(caminho, ambiente, settings).url
        problema = recusa_do_endereco(url, caminho, ambiente, settings)
    return None if problema is None else nao_atendido_por(codigo_municipio, problema)


def nao_atendido_por(codigo_municipio: str, problema: str) -> str:
    """The refusal of a note of the municipality for ``problema``, naming the
    municipality."""
    municipio = registry.get(codigo_municipio)
    nome = f"{municipio.nome}/{municipio.uf}" if municipio else codigo_municipio
    return f"Município {nome} não atendido: {problema}"
