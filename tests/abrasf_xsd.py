"""Where the tests find the official ABRASF 2.0x schemas: ``NFSE_ABRASF_XSD_DIR`` when set
(and complete), else one folder (made once per run) linking the copies of the
``nfselib-legacy`` wheel (dev extra) under the names the gateway looks for
(``nfse.providers.abrasf.leiaute``):

- 2.04: ``DSF/2.04/nfse_v2-04.xsd``, the same file as ABRASF's (shared/schemas/abrasf-2.04);
- 2.03: ``TIPLAN/nfse_v2-03.xsd``, ABRASF's 2.03 with the LC 157/2016 items (14.14, 99.99...)
  in the item list (``DESENVOLVECIDADE/nfsev203.xsd`` is the same file without them);
- 2.02: ``ABRASF/nfse_v2_02.xsd`` (identical to ``SISPMJP/nfse v2 02.xsd``);
- 2.00: ``ABRASF/nfse_v2_01.xsd``, the schema the 2.00 systems ship (Fiorilli's
  ``nfse_v201.xsd`` is the same but for a required Signature in four places).

The systems with a layout of their own (``leiaute_proprio``) find theirs in the same folder:
``elotech_nfse_v2_03.xsd`` is ``ELOTECH/nfse_v2_03.xsd`` with the requerente's blank element
name (``name=" "``, which no schema processor accepts) read as ``InscricaoMunicipal``, the
element ACBr writes there; ``megasoft_nfse_v01.xsd`` is ``MEGASOFT/nfse_v01.xsd``;
``centi_nfse.xsd`` is ``CENTI/nfse.xsd`` with ``DescricaoCancelamento`` as long as
``OutrasInformacoes`` (255): its own type is a copy of the 9-character verification code's,
and ACBr sends the whole reason there."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from functools import cache
from importlib.metadata import files
from pathlib import Path

SCHEMA = "nfse_v2-04.xsd"
ORIGENS = {
    "nfse_v2-04.xsd": "schemas/NFSe/DSF/2.04/nfse_v2-04.xsd",
    "nfse_v2-03.xsd": "schemas/NFSe/TIPLAN/nfse_v2-03.xsd",
    "nfse_v2-02.xsd": "schemas/NFSe/ABRASF/nfse_v2_02.xsd",
    "nfse_v2-01.xsd": "schemas/NFSe/ABRASF/nfse_v2_01.xsd",
    "xmldsig-core-schema20020212.xsd": "schemas/NFSe/ABRASF/xmldsig-core-schema20020212.xsd",
}
PROPRIOS = {
    "elotech_nfse_v2_03.xsd": ("schemas/NFSe/ELOTECH/nfse_v2_03.xsd",
                               ('<xsd:element name=" "', '<xsd:element name="InscricaoMunicipal"')),
    "megasoft_nfse_v01.xsd": ("schemas/NFSe/MEGASOFT/nfse_v01.xsd", None),
    "centi_nfse.xsd": ("schemas/NFSe/CENTI/nfse.xsd",
                       ('type="tsDescricaoCancelamento"', 'type="tsOutrasInformacoes"')),
}
"""Own layouts: (the wheel's file, the one correction it needs or None)."""


@cache
def abrasf_xsd_dir() -> Path:
    """The folder; a configured one lacking some layout's schema (as
    ``shared/schemas/abrasf-2.04``) is completed with the wheel's copies."""
    configured = os.environ.get("NFSE_ABRASF_XSD_DIR")
    proprios = Path(configured) if configured else None
    if proprios is not None and all((proprios / nome).is_file()
                                    for nome in (*ORIGENS, *PROPRIOS)):
        return proprios
    found = {str(item): Path(str(item.locate())) for item in files("nfselib-legacy") or []}
    folder = Path(tempfile.mkdtemp(prefix="nfse-abrasf-xsd-"))
    atexit.register(shutil.rmtree, folder, True)
    for nome, origem in ORIGENS.items():
        if proprios is not None and (proprios / nome).is_file():
            (folder / nome).symlink_to((proprios / nome).resolve())
        elif origem in found:
            (folder / nome).symlink_to(found[origem])
        else:
            raise RuntimeError(f"esquema ABRASF {nome} não encontrado: instale '.[dev]' (o "
                               "nfselib-legacy o traz) ou defina NFSE_ABRASF_XSD_DIR")
    for nome, (origem, correcao) in PROPRIOS.items():
        if proprios is not None and (proprios / nome).is_file():
            (folder / nome).symlink_to((proprios / nome).resolve())
            continue
        if origem not in found:
            raise RuntimeError(f"esquema {nome} não encontrado: instale '.[dev]'")
        texto = found[origem].read_text(encoding="utf-8")
        if correcao is not None:
            texto = texto.replace(*correcao)
        (folder / nome).write_text(texto, encoding="utf-8")
    return folder
