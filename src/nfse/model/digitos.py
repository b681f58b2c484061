"""Dígitos verificadores of CPF and CNPJ: cleaning and check digits, including the
alphanumeric CNPJ of July 2026 (12 characters ``[0-9A-Z]`` + 2 numeric check digits, each
character worth its ASCII code minus 48)."""

from __future__ import annotations

import re
from functools import lru_cache
from operator import mul

_NOT_DIGIT = re.compile(r"\D")
_NOT_CNPJ = re.compile(r"[^0-9A-Z]")
_CNPJ = re.compile(r"[0-9A-Z]{12}[0-9]{2}")


def so_digitos(texto: str) -> bool:
    """Only the digits 0 to 9, at least one: ``str.isdigit`` also takes "²" and "①", which
    ``int`` refuses (a 500 where a 400 was meant)."""
    return texto.isascii() and texto.isdigit()


def limpar_digitos(value: str) -> str:
    return _NOT_DIGIT.sub("", value)


def limpar_cnpj(value: str) -> str:
    """Drop punctuation, keep letters (upper-cased)."""
    return _NOT_CNPJ.sub("", value.upper())


_PESOS_CNPJ = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_PESOS_CPF = (11, 10, 9, 8, 7, 6, 5, 4, 3, 2)


def _dv(values: list[int], pesos: tuple[int, ...]) -> int:
    """Modulo-11 check digit of ``values`` under the last ``len(values)`` weights."""
    remainder = sum(map(mul, values, pesos[len(pesos) - len(values):])) % 11
    return 0 if remainder < 2 else 11 - remainder


@lru_cache(maxsize=4096)  # a company's own CNPJ, and its regular clients', note after note
def cnpj_valido(cnpj: str) -> bool:
    if not _CNPJ.fullmatch(cnpj) or len(set(cnpj)) == 1:
        return False
    values = [ord(ch) - 48 for ch in cnpj]
    return values[12] == _dv(values[:12], _PESOS_CNPJ) and \
        values[13] == _dv(values[:13], _PESOS_CNPJ)


@lru_cache(maxsize=4096)
def cpf_valido(cpf: str) -> bool:
    if len(cpf) != 11 or not cpf.isdigit() or len(set(cpf)) == 1:
        return False
    values = [ord(ch) - 48 for ch in cpf]
    return values[9] == _dv(values[:9], _PESOS_CPF) and \
        values[10] == _dv(values[:10], _PESOS_CPF)
