"""Municipality codes of the TOM table (Receita Federal/SIAFI, 4 digits), which IPM's own
layout uses wherever a municipality is named (``prestador/cidade``, ``tomador/cidade``,
``codigo_local_prestacao_servico``), from the IBGE codes the gateway keeps.

``tom.csv`` (ibge,tom; 5,570 municipalities) was generated from the table of the package
``cidade-ibge-tom`` 0.1.1 (MIT, PyPI), which transcribes the Receita Federal's TOM table.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

TABELA = Path(__file__).with_name("tom.csv")


@cache
def _tabela() -> dict[str, str]:
    with TABELA.open(encoding="utf-8", newline="") as arquivo:
        return {linha["ibge"]: linha["tom"] for linha in csv.DictReader(arquivo)}


def codigo_tom(ibge: str | None) -> str | None:
    """The TOM code of the municipality ``ibge`` (7 digits), None when unknown."""
    return _tabela().get(ibge or "")


def codigo_ibge(tom: str | None) -> str | None:
    """The IBGE code of the TOM code ``tom`` (for reading IPM's answers), None if unknown."""
    if not tom:
        return None
    alvo = tom.zfill(4)
    return next((ibge for ibge, codigo in _tabela().items() if codigo == alvo), None)
