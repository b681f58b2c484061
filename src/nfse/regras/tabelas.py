"""The national tables the rules refer to, shipped with the catalogue: where the ISSQN of each
national service is due (Anexo I, sheet MUN.INCID_INFO.SERV., LC 116/2003 art. 3) and the
country codes (ISO 3166-1 alpha-2) with their names."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

ESTABELECIMENTO_PRESTADOR = "EP"
LOCAL_PRESTACAO = "LP"
ESTABELECIMENTO_TOMADOR = "ET"


@cache
def _incidencia() -> dict[str, str]:
    with (resources.files("nfse.regras") / "incidencia.csv").open(encoding="utf-8") as fh:
        return {row["codigo"]: row["local"] for row in csv.DictReader(fh, delimiter=";")}


def incidencia(c_trib_nac: str) -> str | None:
    """Where the ISSQN of a national service code is due: ``"EP"``, ``"LP"``, ``"ET"``;
    ``None`` for a service without incidence (990101) or an unknown code."""
    local = _incidencia().get(c_trib_nac)
    return local if local in ("EP", "LP", "ET") else None


@cache
def _paises() -> dict[str, str]:
    with (resources.files("nfse.regras") / "paises.csv").open(encoding="utf-8") as fh:
        return {row["codigo"]: row["nome"] for row in csv.DictReader(fh)}


@cache
def paises() -> frozenset[str]:
    return frozenset(_paises())


def nome_pais(codigo: str) -> str | None:
    """The short name of a country (ISO 3166-1 alpha-2), as the tz database writes it."""
    return _paises().get(codigo)
