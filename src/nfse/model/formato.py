"""Values as a Brazilian reader expects them, for every page and message we write."""

from __future__ import annotations

from decimal import Decimal


def reais(valor: Decimal) -> str:
    """Brazilian money: ``R$ 1.234,56``."""
    return "R$ " + f"{valor:,.2f}".translate(str.maketrans(",.", ".,"))
