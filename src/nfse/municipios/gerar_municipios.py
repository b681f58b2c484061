"""Regenerates ``emissores.csv``: for every IBGE municipality, whether it issues through the
national emitter (Sefin Nacional) or keeps its own, the municipal system it uses and its
population. The registry (``provedores``) seeds its routes from this file.

Sources (both in the project's shared facts, ``municipios.md`` describes them):

- the official gov.br list of the municipalities in the national NFS-e of 2026-07-10
  (``municipios-aderentes-2026-07-10.csv``): ``AderenteEmissorNacional`` and ``Populacao``;
  it has no IBGE code, so it is joined by UF + name;
- the same list joined to ACBr's ``ACBrNFSeXServicos.ini`` of 2026-06-28
  (``municipios-provedores-2026.csv``): the IBGE code (empty in 29 rows, found here by UF +
  name in the IBGE table, with the four spellings in ``GRAFIAS``) and the municipal system
  (``provedor_acbr_2026_06``, ``versao_acbr``).

Both lag or err in places: ``NFSE_MUNICIPIOS_FILE`` corrects any municipality
(``provedores.toml`` documents how). Usage::

    python -m nfse.municipios.gerar_municipios \\
        municipios-aderentes-2026-07-10.csv municipios-provedores-2026.csv
"""

from __future__ import annotations

import csv
import sys
import unicodedata
from pathlib import Path

from nfse.municipios import registry

DESTINO = Path(__file__).with_name("emissores.csv")
CAMPOS = ("ibge", "emissor_nacional", "sistema", "versao", "populacao")

GRAFIAS = {
    ("GO", "BOM JESUS"): "5203500",  # Bom Jesus de Goiás
    ("RN", "BOA SAUDE"): "2405306",  # Januário Cicco, its former name
    ("BA", "LAGEDO DO TABOCAL"): "2919058",
    ("PR", "MUNHOZ DE MELLO"): "4116307",
}
"""Names of the official list the IBGE table spells otherwise."""


def dobrar(nome: str) -> str:
    """``nome`` without accents, case, hyphens or apostrophes, for joining by name."""
    decomposto = unicodedata.normalize("NFKD", nome)
    sem_acento = "".join(c for c in decomposto if not unicodedata.combining(c))
    return " ".join(sem_acento.upper().replace("-", " ").replace("'", " ").split())


def _ibge_por_nome() -> dict[tuple[str, str], str]:
    return {(m.uf, dobrar(m.nome)): m.codigo for m in registry.all_municipios()}


def linhas(aderentes: Path, provedores: Path) -> list[dict[str, str]]:
    """One row per municipality (``CAMPOS``), in IBGE code order."""
    with aderentes.open(encoding="utf-8") as fh:
        oficial = {(r["UF"], dobrar(r["NomeMunicipio"])): r for r in csv.DictReader(fh)}
    por_nome = _ibge_por_nome()
    result: dict[str, dict[str, str]] = {}
    with provedores.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            chave = (row["uf"], dobrar(row["nome"]))
            ibge = row["ibge"] or GRAFIAS.get(chave) or por_nome.get(chave)
            if not ibge or registry.get(ibge) is None:
                raise SystemExit(f"sem código IBGE: {row['uf']} {row['nome']}")
            lista = oficial.get(chave)
            if lista is None:
                raise SystemExit(f"fora da lista oficial: {row['uf']} {row['nome']}")
            sistema = row["provedor_acbr_2026_06"].strip()
            result[ibge] = {
                "ibge": ibge,
                "emissor_nacional": "1" if lista["AderenteEmissorNacional"] == "Sim" else "0",
                "sistema": sistema,
                "versao": row["versao_acbr"].strip().strip("*"),
                "populacao": str(int(lista["Populacao"] or 0)),
            }
    return [result[codigo] for codigo in sorted(result)]


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit(__doc__)
    rows = linhas(Path(argv[0]), Path(argv[1]))
    faltam = {m.codigo for m in registry.all_municipios()} - {row["ibge"] for row in rows}
    if faltam:
        raise SystemExit(f"municípios sem linha nas fontes: {sorted(faltam)}")
    with DESTINO.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CAMPOS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{DESTINO.name}: {len(rows)} municípios")


if __name__ == "__main__":
    main(sys.argv[1:])
