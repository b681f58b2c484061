"""The ABRASF 2.0x layouts the sandbox speaks, chosen per call by the ``versaoDados`` of the
header (``nfseCabecMsg``), as a municipality that serves several versions at one address
does. Each version's documents are checked against its own official schema and answered in
its own dialect: what the sandbox writes differently is listed here (what it reads
differently, the schema enforces; the reading itself accepts either form).

The schema file names are those of the gateway's schema folder (``NFSE_ABRASF_XSD_DIR``):
2.00 is checked against the 2.01 schema the 2.00 systems ship (Fiorilli's
``nfse_v201.xsd``), ABRASF having published none of its own for 2.00."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Versao:
    numero: str
    esquema: str
    identificacao_no_prestador: bool
    """The note names the prestador in ``PrestadorServico/IdentificacaoPrestador`` (up to
    2.03); 2.04 leaves it to the declaration."""
    pagina: str
    """A range or period query's page: ``Pagina`` (2.04, always) or ``ProximaPagina`` (up to
    2.03, only when another page follows)."""


VERSOES: dict[str, Versao] = {v.numero: v for v in (
    Versao("2.04", "nfse_v2-04.xsd", False, "Pagina"),
    Versao("2.03", "nfse_v2-03.xsd", True, "ProximaPagina"),
    Versao("2.02", "nfse_v2-02.xsd", True, "ProximaPagina"),
    Versao("2.01", "nfse_v2-01.xsd", True, "ProximaPagina"),
    Versao("2.00", "nfse_v2-01.xsd", True, "ProximaPagina"),
)}
PADRAO = VERSOES["2.04"]
