"""Regenerates ``tributacao_nacional.csv`` (the national service list of the NFS-e Nacional:
cTribNac, its text, and the DPS group the service requires) from its source.

Source: the PyPI wheel ``nfse-sefin`` 0.1.0 (MIT; wheel sha256 ``8b8c41a36b754662…9dae``),
module ``nfse_sefin/catalogos/servicos.py``, itself generated from annex I of the DPS layout
(``anexo_i-sefin_adn-dps_nfse-snnfse-v1-01-20260209``): 337 subitems, each code 6 digits
(item, subitem, national desdobro), and ``obra`` or ``atvEvento`` where the annex makes that
group mandatory. The module is read as text (its ``_S(código, descrição, grupo)`` rows), not
imported.

Usage (the wheel is fetched with the ordinary client, nothing is installed)::

    pip download --no-deps nfse-sefin==0.1.0 -d /tmp/sefin
    python -m nfse.municipios.gerar_tributacao_nacional /tmp/sefin/nfse_sefin-0.1.0-*.whl
"""

from __future__ import annotations

import ast
import csv
import sys
import zipfile
from pathlib import Path

MEMBRO = "nfse_sefin/catalogos/servicos.py"
DESTINO = Path(__file__).with_name("tributacao_nacional.csv")


def linhas(fonte: Path) -> list[tuple[str, str, str]]:
    """(cTribNac, description, required group or "") of every row of the wheel ``fonte``."""
    with zipfile.ZipFile(fonte) as wheel:
        arvore = ast.parse(wheel.read(MEMBRO).decode("utf-8"))
    result = []
    for node in ast.walk(arvore):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_S":
            codigo, descricao, grupo = (ast.literal_eval(arg) for arg in node.args)
            result.append((codigo, descricao, grupo or ""))
    return sorted(result)


def main(fonte: str) -> None:
    rows = linhas(Path(fonte))
    with DESTINO.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        writer.writerow(("codigo", "descricao", "grupo_obrigatorio"))
        writer.writerows(rows)
    print(f"{len(rows)} serviços em {DESTINO}")


if __name__ == "__main__":
    main(sys.argv[1])
