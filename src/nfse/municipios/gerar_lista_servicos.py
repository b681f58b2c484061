"""Regenerates ``lista_servicos_lc116.csv`` (the LC 116/2003 service list) from its source.

Source: the PyPI wheel ``odoo-addon-l10n-br-fiscal`` (OCA/l10n-brazil; checked with version
19.0.2.10.0.1, wheel sha256 ``85f0ef88dd3ad125…0e2a717c``), file
``odoo/addons/l10n_br_fiscal/data/l10n_br_fiscal.service.type.csv``
(columns ``id,code,name,internal_type,parent_id:id``; ``internal_type == "normal"`` rows are the
193 subitems, ``"view"`` rows the 40 item groups). Its subitems are exactly the enumeration
``tsItemListaServico`` of the ABRASF 2.04 schema, i.e. the list in the text of 2003: the
subitems added by LC 157/2016 and LC 183/2021 (1.09, 6.06, 11.05, 14.14, ...) are in neither.

Usage (the wheel is fetched with the ordinary client, nothing is installed)::

    pip download --no-deps odoo-addon-l10n-br-fiscal -d /tmp/oca
    python -m nfse.municipios.gerar_lista_servicos /tmp/oca/odoo_addon_l10n_br_fiscal-*.whl
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

MEMBRO = "odoo/addons/l10n_br_fiscal/data/l10n_br_fiscal.service.type.csv"
DESTINO = Path(__file__).with_name("lista_servicos_lc116.csv")


def linhas(fonte: Path) -> list[tuple[str, str]]:
    """(``"01.07"``, description) of every subitem in the wheel (or the bare CSV) ``fonte``."""
    if fonte.suffix == ".whl":
        with zipfile.ZipFile(fonte) as wheel:
            texto = wheel.read(MEMBRO).decode("utf-8")
    else:
        texto = fonte.read_text(encoding="utf-8")
    result = []
    for row in csv.DictReader(io.StringIO(texto)):
        if row["internal_type"] != "normal":
            continue
        item, subitem = row["code"].split(".")
        result.append((f"{int(item):02d}.{subitem}", " ".join(row["name"].split())))
    return sorted(result)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    itens = linhas(Path(argv[0]))
    with DESTINO.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        writer.writerow(["codigo", "descricao"])
        writer.writerows(itens)
    print(f"{len(itens)} subitens gravados em {DESTINO}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
