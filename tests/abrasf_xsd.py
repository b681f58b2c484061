"""Where the tests find the official ABRASF 2.04 schema: ``NFSE_ABRASF_XSD_DIR`` when set,
else the copy in the ``nfselib-legacy`` wheel (dev extra), the same file as the ABRASF one."""

from __future__ import annotations

import os
from functools import cache
from importlib.metadata import files
from pathlib import Path

SCHEMA = "nfse_v2-04.xsd"


@cache
def abrasf_xsd_dir() -> Path:
    configured = os.environ.get("NFSE_ABRASF_XSD_DIR")
    if configured:
        return Path(configured)
    for item in files("nfselib-legacy") or []:
        if str(item).endswith(f"DSF/2.04/{SCHEMA}"):
            return Path(str(item.locate())).parent
    raise RuntimeError("esquema ABRASF 2.04 não encontrado: instale '.[dev]' ou defina "
                       "NFSE_ABRASF_XSD_DIR")
