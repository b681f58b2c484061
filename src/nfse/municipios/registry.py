"""The IBGE municipality registry.

The list of the municipalities is read from the table that ``brazilfiscalreport`` ships
(IBGE code; name; UF), so we do not hand-maintain it: 5,571 codes in its current table, the
5,570 of the last census plus Boa Esperança do Norte/MT (5101837), installed in 2025.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

UF_POR_PREFIXO = {
    "11": "RO", "12": "AC", "13": "AM", "14": "RR", "15": "PA", "16": "AP", "17": "TO",
    "21": "MA", "22": "PI", "23": "CE", "24": "RN", "25": "PB", "26": "PE", "27": "AL",
    "28": "SE", "29": "BA", "31": "MG", "32": "ES", "33": "RJ", "35": "SP", "41": "PR",
    "42": "SC", "43": "RS", "50": "MS", "51": "MT", "52": "GO", "53": "DF",
}

NOME_UF = {
    "RO": "Rondônia", "AC": "Acre", "AM": "Amazonas", "RR": "Roraima", "PA": "Pará",
    "AP": "Amapá", "TO": "Tocantins", "MA": "Maranhão", "PI": "Piauí", "CE": "Ceará",
    "RN": "Rio Grande do Norte", "PB": "Paraíba", "PE": "Pernambuco", "AL": "Alagoas",
    "SE": "Sergipe", "BA": "Bahia", "MG": "Minas Gerais", "ES": "Espírito Santo",
    "RJ": "Rio de Janeiro", "SP": "São Paulo", "PR": "Paraná", "SC": "Santa Catarina",
    "RS": "Rio Grande do Sul", "MS": "Mato Grosso do Sul", "MT": "Mato Grosso", "GO": "Goiás",
    "DF": "Distrito Federal",
}
"""Full name of each state by its abbreviation (``nome_uf`` of ``/v2/municipios``)."""


@dataclass(frozen=True)
class Municipio:
    codigo: str
    nome: str
    uf: str


@cache
def _all() -> dict[str, Municipio]:
    # Through the top-level package: importing ``brazilfiscalreport.danfse`` would load the
    # PDF stack into every process that only needs the table.
    table = resources.files("brazilfiscalreport") / "danfse" / "municipios_ibge.csv"
    result: dict[str, Municipio] = {}
    with table.open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter=";"):
            if len(row) >= 3 and row[0].isdigit():
                result[row[0]] = Municipio(codigo=row[0], nome=row[1], uf=row[2])
    return result


def get(codigo: str) -> Municipio | None:
    """The municipality with this 7-digit IBGE code, or None."""
    return _all().get(codigo)


def all_municipios() -> list[Municipio]:
    return list(_all().values())
