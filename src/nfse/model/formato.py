"""Values as a Brazilian reader expects them, for every page and message we write."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from nfse.fuso import SAO_PAULO
from nfse.municipios import registry

"""Brasília time: every date and time we show is in it."""


def reais(valor: Decimal) -> str:
    """Brazilian money: ``R$ 1.234,56``."""
    return "R$ " + f"{valor:,.2f}".translate(str.maketrans(",.", ".,"))


def percentual(valor: Decimal) -> str:
    """At least two decimals, more only when significant: ``3,00%``, ``2,125%``."""
    duas_casas = valor.quantize(Decimal("0.01"))
    texto = f"{duas_casas:f}" if duas_casas == valor else f"{valor.normalize():f}"
    return texto.replace(".", ",") + "%"


def cpf_cnpj(numero: str) -> str:
    """CNPJ ``00.000.000/0000-00`` (alphanumeric too), CPF ``000.000.000-00``; any other
    length as given."""
    d = numero
    if len(d) == 14:
        return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"
    if len(d) == 11:
        return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}"
    return d


def cep(numero: str) -> str:
    """``14010-000``; as given when it is not 8 digits."""
    return f"{numero[:5]}-{numero[5:]}" if len(numero) == 8 and numero.isdigit() else numero


def em_brasilia(momento: datetime) -> datetime:
    """``momento`` in Brasília time; a naive one is taken as Brasília's already (ABRASF
    date-times and the notes we receive carry no offset)."""
    if momento.tzinfo is None:
        return momento.replace(tzinfo=SAO_PAULO)
    return momento.astimezone(SAO_PAULO)


def data_hora(momento: datetime) -> str:
    """``10/05/2024 14:32`` in Brasília time."""
    return em_brasilia(momento).strftime("%d/%m/%Y %H:%M")


def municipio_uf(codigo: str) -> str | None:
    """``Franca/SP`` for an IBGE code the registry knows; None for any other, so each page
    says in its own way that the municipality is unknown."""
    municipio = registry.get(codigo)
    return f"{municipio.nome}/{municipio.uf}" if municipio else None
