"""Where the ABRASF 2.0x schemas are, and the check every request document passes before it
may leave (ARCHITECTURE decision 4).

The schemas are not shipped with the gateway: the folder holding the layout's schema
(``nfse_v2-04.xsd``, ``nfse_v2-03.xsd``, ``nfse_v2-02.xsd``, ``nfse_v2-01.xsd`` for 2.00;
with ``xmldsig-core-schema20020212.xsd`` beside them, which they import) comes from the
variant's ``xsd_dir`` option, else from the environment variable ``NFSE_ABRASF_XSD_DIR``.
With neither, documents go unchecked: the authority's own validation then speaks (as E160 or
similar). A system whose schema differs from the standard one (an item list without the dot,
wider aliquota) points ``xsd_dir`` at its own copy."""

from __future__ import annotations

import os
from pathlib import Path

from lxml import etree

from nfse.providers.abrasf.leiaute import LEIAUTES
from nfse.providers.abrasf.variante import Variante
from nfse.xml.validate import validate

SCHEMA = LEIAUTES["2.04"].esquema
"""The default layout's schema."""
ENV = "NFSE_ABRASF_XSD_DIR"


class EsquemaAusente(RuntimeError):
    """A schema folder is configured but holds no schema (configuration error)."""


def schema_path(variante: Variante) -> Path | None:
    """The schema file to validate against, or None when none is configured."""
    folder = variante.xsd_dir or os.environ.get(ENV, "").strip()
    if not folder:
        return None
    path = Path(folder) / variante.leiaute.esquema
    if not path.is_file():
        raise EsquemaAusente(f"esquema ABRASF não encontrado: {path} (opção xsd_dir ou {ENV})")
    return path


def problemas_de_esquema(doc: etree._Element, variante: Variante) -> list[str]:
    """Every schema error of a request document; empty when valid or when no schema is
    configured."""
    path = schema_path(variante)
    return validate(doc, path) if path is not None else []


def esquema_proprio(variante: Variante, arquivo: str, familia: str) -> Path | None:
    """The schema file of a system's own layout (``leiaute_proprio``) in the same folder, or
    None when no folder is configured."""
    folder = variante.xsd_dir or os.environ.get(ENV, "").strip()
    if not folder:
        return None
    path = Path(folder) / arquivo
    if not path.is_file():
        raise EsquemaAusente(f"esquema {familia} não encontrado: {path} (opção xsd_dir ou "
                             f"{ENV})")
    return path
