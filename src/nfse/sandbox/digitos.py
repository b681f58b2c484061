"""Dígitos verificadores of CPF and CNPJ (numeric and the 2026 alphanumeric CNPJ), as the
sandboxes compute them."""

from __future__ import annotations

import re
from functools import lru_cache


def mod11(values: list[int], top: int) -> int:
    total, weight = 0, 2
    for v in reversed(values):
        total += v * weight
        weight = 2 if weight == top else weight + 1
    r = total % 11
    return 0 if r < 2 else 11 - r


@lru_cache(maxsize=4096)  # the same prestadores and tomadores, note after note
def cnpj_ok(cnpj: str) -> bool:
    if not re.fullmatch(r"[0-9A-Z]{12}\d{2}", cnpj) or len(set(cnpj)) == 1:
        return False
    v = [ord(c) - 48 for c in cnpj]
    d1 = mod11(v[:12], 9)
    return v[12] == d1 and v[13] == mod11(v[:12] + [d1], 9)


@lru_cache(maxsize=4096)
def cpf_ok(cpf: str) -> bool:
    if not re.fullmatch(r"\d{11}", cpf) or len(set(cpf)) == 1:
        return False
    v = [int(c) for c in cpf]
    return v[9] == mod11(v[:9], 11) and v[10] == mod11(v[:10], 11)
