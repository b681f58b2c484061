"""What differs between the ABRASF 2.0x layouts the gateway writes (the ``versao_layout``
option), as data. The facts come from the schemas themselves (element sequences compared
type by type; docs/abrasf-layouts.md lists them):

- 2.04 names the declaration's tomador ``TomadorServico``; 2.00 to 2.03 name it ``Tomador``.
- 2.04 puts the lot's prestador in ``LoteRps/Prestador``; before, ``LoteRps`` carries
  ``CpfCnpj`` and ``InscricaoMunicipal`` itself.
- ``CodigoNbs``, ``ValTotTributos``, ``NifTomador`` and the intermediário's
  ``CodigoMunicipio`` exist from 2.03 on.
- A page of ``ConsultarNfseFaixaResposta`` ends in ``ProximaPagina`` (optional) before 2.04,
  in ``Pagina`` in 2.04.
- ABRASF published no schema of its own for 2.00 that we could find: the 2.00 systems (ACBr's
  ``ve200``, Fiorilli) ship ``nfse_v201.xsd``, the 2.01 schema, which the 2.00 layout is
  checked against; 2.01 and 2.02 differ only in two ``maxOccurs``. 2.01 (Prodata) is the same
  documents with ``2.01`` in ``versaoDados`` and ``versao``.

Every layout keeps the namespace ``http://www.abrasf.org.br/nfse.xsd`` and the
``cabecalho``/``versaoDados`` header, which carries the layout's number."""

from __future__ import annotations

from dataclasses import dataclass

NS = "http://www.abrasf.org.br/nfse.xsd"


@dataclass(frozen=True)
class Leiaute:
    versao: str
    """What ``versaoDados`` and every ``versao`` attribute say."""
    esquema: str
    """The schema's file name in the schema folder (``xsd_dir``)."""
    tomador: str
    """The declaration's tomador element."""
    prestador_no_lote: bool
    """``LoteRps/Prestador`` (2.04) rather than ``LoteRps/CpfCnpj`` + ``InscricaoMunicipal``."""
    reforma_2_03: bool
    """``CodigoNbs``, ``ValTotTributos``, ``NifTomador``, ``Intermediario/CodigoMunicipio``."""
    pagina_da_faixa: str
    """The last child of ``ListaNfse`` in a range query's answer."""

    def cabecalho(self) -> str:
        return (f'<cabecalho versao="{self.versao}" xmlns="{NS}">'
                f"<versaoDados>{self.versao}</versaoDados></cabecalho>")


LEIAUTES: dict[str, Leiaute] = {
    "2.04": Leiaute("2.04", "nfse_v2-04.xsd", "TomadorServico", True, True, "Pagina"),
    "2.03": Leiaute("2.03", "nfse_v2-03.xsd", "Tomador", False, True, "ProximaPagina"),
    "2.02": Leiaute("2.02", "nfse_v2-02.xsd", "Tomador", False, False, "ProximaPagina"),
    # Prodata's versaoDados (ACBr Prodata.Provider.pas, VersaoDados '2.01'): the 2.01 schema
    "2.01": Leiaute("2.01", "nfse_v2-01.xsd", "Tomador", False, False, "ProximaPagina"),
    "2.00": Leiaute("2.00", "nfse_v2-01.xsd", "Tomador", False, False, "ProximaPagina"),
}
VERSOES = tuple(LEIAUTES)
"""The accepted ``versao_layout`` values, the default first."""
