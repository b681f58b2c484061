"""The two doors of the contract and the parser of each: ``/v2/nfse`` takes the municipal
unified model, ``/v2/nfsen`` the flat model of the NFS-e Nacional. Both give one ``Nota``;
a stored note remembers its door (``modelo``) so it is read back the same way."""

from __future__ import annotations

from collections.abc import Callable

from nfse.model.nfse import parse_nfse
from nfse.model.nfsen import parse_nfsen
from nfse.model.nota import Nota

NFSE = "nfse"
NFSEN = "nfsen"
PARSERS: dict[str, Callable[[object], Nota]] = {NFSE: parse_nfse, NFSEN: parse_nfsen}


def parse(modelo: str, body: object) -> Nota:
    return PARSERS[modelo](body)
