"""The 50-digit chave de acesso of an NFS-e Nacional: layout and check digit."""

from __future__ import annotations


def dv_mod11(digits: str) -> str:
    """NF-e style modulus 11: weights 2..9 from the right, restarting at 2; DV 0 when the
    remainder is 0 or 1, else 11 − remainder."""
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(reversed(digits)))
    remainder = total % 11
    return "0" if remainder < 2 else str(11 - remainder)


def chave_valida(chave: str) -> bool:
    return len(chave) == 50 and chave.isdigit() and dv_mod11(chave[:49]) == chave[49]
