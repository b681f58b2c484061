"""CPF and CNPJ: cleaning and check digits, including the alphanumeric CNPJ of July 2026
(12 characters ``[0-9A-Z]`` + 2 numeric check digits, each character worth its ASCII code
minus 48)."""

from __future__ import annotations

import re

_NOT_DIGIT = re.compile(r"\D")
_NOT_CNPJ = re.compile(r"[^0-9A-Z]")
_CNPJ = re.compile(r"[0-9A-Z]{12}[0-9]{2}")


def limpar_digitos(value: str) -> str:
    return _NOT_DIGIT.sub("", value)


def limpar_cnpj(value: str) -> str:
    """Drop punctuation, keep letters (upper-cased)."""
    return _NOT_CNPJ.sub("", value.upper())


def _dv(values: list[int], weights_from: int) -> int:
    total = 0
    weight = 2
    for value in reversed(values):
        total += value * weight
        weight = weight + 1 if weight < weights_from else 2
    remainder = total % 11
    return 0 if remainder < 2 else 11 - remainder


def cnpj_valido(cnpj: str) -> bool:
    if not _CNPJ.fullmatch(cnpj) or len(set(cnpj)) == 1:
        return False
    values = [ord(ch) - 48 for ch in cnpj]
    first = _dv(values[:12], 9)
    second = _dv(values[:12] + [first], 9)
    return values[12] == first and values[13] == second


def cpf_valido(cpf: str) -> bool:
    if len(cpf) != 11 or not cpf.isdigit() or len(set(cpf)) == 1:
        return False
    values = [int(ch) for ch in cpf]
    first = _dv(values[:9], 11)
    second = _dv(values[:10], 11)
    return values[9] == first and values[10] == second
