"""Which provider serves a municipality. Every municipality goes to the national standard
until other providers are registered."""

NACIONAL = "nacional"


def provider_for(codigo_municipio: str) -> str:
    return NACIONAL
