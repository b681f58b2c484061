"""What the page of an ABRASF note shows, as plain data: boxed fields in titled blocks,
the free texts and the status. ``abrasf_leitura`` fills it from the ``CompNfse``;
``danfse_abrasf`` draws it.

Also how a value is written in a field wherever it appears: an absent one as "-"
(``AUSENTE``), dates, amounts. ``paulistana_leitura`` fills the same page from a São Paulo
``NFe``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from nfse.model import formato
from nfse.model.formato import municipio_uf

AUSENTE = "-"


@dataclass(frozen=True)
class Campo:
    """One boxed field: a small label over its value."""

    rotulo: str
    valor: str
    peso: float = 1.0
    """Share of the row's width."""
    destaque: bool = False
    alinhamento: str = "L"


@dataclass(frozen=True)
class Grade:
    """A titled block of rows of fields."""

    titulo: str
    linhas: Sequence[Sequence[Campo]]


@dataclass(frozen=True)
class Cabecalho:
    municipio: str
    numero: str
    campos: Sequence[Campo]


@dataclass(frozen=True)
class Conteudo:
    """Everything on the page, in the order it is drawn."""

    numero: str
    prestador: str | None
    """The prestador's razão social, for the PDF's metadata."""
    emissao: datetime | None
    cabecalho: Cabecalho
    cancelada: str | None
    """The text of the cancellation band; None when the note is not cancelled."""
    substituida: str | None
    """The text of the substitution band; None when the note was not substituted."""
    antes: Sequence[Grade]
    """The blocks above the discriminação."""
    discriminacao: str
    depois: Sequence[Grade]
    """The blocks below the discriminação."""
    outras: str | None
    """The additional information, when there is any."""
    rodape: str


def municipio(codigo: str | None, uf: str | None = None) -> str:
    """``Sertãozinho/SP``; the code (and UF) when the registry does not know it."""
    if not codigo:
        return uf or AUSENTE
    return municipio_uf(codigo) or (f"{codigo}/{uf}" if uf else codigo)


def sim_nao(valor: str | None) -> str:
    """An ABRASF ``tsSimNao`` (``1``/``2``)."""
    return {"1": "Sim", "2": "Não"}.get(valor or "", AUSENTE)


def campo_data_hora(momento: datetime | None) -> str:
    return formato.data_hora(momento) if momento else AUSENTE


def campo_data(valor: str | None) -> str:
    """A layout's date (``2024-05-01``, or a date-time) as ``01/05/2024``; as given when it
    is not one."""
    if not valor:
        return AUSENTE
    try:
        return date.fromisoformat(valor[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return valor


def campo_reais(valor: Decimal | None) -> str:
    return formato.reais(valor) if valor is not None else AUSENTE
