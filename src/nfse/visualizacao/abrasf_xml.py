"""Reading an ABRASF ``CompNfse``: the note's elements, texts, amounts and date-times.

Elements are matched by local name (``{*}``), as ``nfse.providers.abrasf.respostas`` does:
several municipal systems answer in their own namespace. Only ``Nfse/InfNfse`` is required;
every lookup takes a possibly absent element and answers None for what is not there.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache

from lxml import etree

from nfse.model.formato import em_brasilia

LIMITE_VALOR = Decimal(10) ** 15
"""``tsValor`` has at most 15 digits: anything beyond is not an amount to print."""


def ler_comp_nfse(xml: bytes) -> tuple[etree._Element | None, etree._Element]:
    """The ``CompNfse`` (None when the document is a bare ``Nfse``) and its ``InfNfse``."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, parser)
    if etree.QName(root).localname == "CompNfse":
        comp: etree._Element | None = root
    else:
        comp = next(root.iter("{*}CompNfse"), None)
    inf = next((comp if comp is not None else root).iter("{*}InfNfse"), None)
    if inf is None:
        raise ValueError("XML sem InfNfse: não é uma NFS-e ABRASF")
    return comp, inf


@cache
def _caminho(path: str) -> str:
    """``"A/B"`` as ``"{*}A/{*}B"``: any namespace, as municipal systems vary."""
    return "/".join(f"{{*}}{step}" for step in path.split("/"))


def achar(element: etree._Element | None, path: str) -> etree._Element | None:
    return None if element is None else element.find(_caminho(path))


def texto_bruto(element: etree._Element | None, path: str) -> str | None:
    """The element's text as written; None when absent or empty."""
    found = achar(element, path)
    return found.text if found is not None and found.text else None


def texto(element: etree._Element | None, path: str) -> str | None:
    """The element's text with whitespace collapsed (the schema's ``collapse``); None when
    absent or blank."""
    bruto = texto_bruto(element, path)
    if bruto is None:
        return None
    return " ".join(bruto.split()) or None


def texto_multilinha(texto: str | None) -> str | None:
    """A free text keeping its line breaks (``\\r\\n``/``\\r`` as ``\\n``), each line's
    trailing blanks and the text's leading and trailing blank lines dropped."""
    if not texto:
        return None
    linhas = texto.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(linha.rstrip() for linha in linhas).strip("\n") or None


def decimal(element: etree._Element | None, path: str) -> Decimal | None:
    """An amount (``1234.56``, or ``1234,56`` as some systems write it); None when absent
    or not a printable amount."""
    valor_texto = texto(element, path)
    if valor_texto is None:
        return None
    try:
        valor = Decimal(valor_texto.replace(",", "."))
    except InvalidOperation:
        return None
    return valor if valor.is_finite() and abs(valor) < LIMITE_VALOR else None


def primeiro(*valores: Decimal | None) -> Decimal | None:
    """The first amount present."""
    return next((v for v in valores if v is not None), None)


def data_hora(element: etree._Element | None, path: str) -> datetime | None:
    """An ABRASF date-time in Brasília time (no offset means Brasília already); None when
    absent or unreadable."""
    valor = texto(element, path)
    if not valor:
        return None
    try:
        momento = datetime.fromisoformat(valor)
    except ValueError:
        return None
    return em_brasilia(momento)
