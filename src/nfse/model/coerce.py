"""Coercions of the values real clients send: numbers as strings, booleans in four
conventions (including ABRASF's "1" = sim, "2" = não), absent values as null/false/"".

Each reader takes the raw value and a ``Problemas`` collector; on bad input it records a
problem naming the field and returns None, so one pass reports every problem.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from nfse.fuso import SAO_PAULO
from nfse.model.errors import Problema

TRUE = {"true", "1", "sim", "s", "t"}
FALSE = {"false", "0", "2", "nao", "não", "n", "f"}
_OFFSET_NO_COLON = re.compile(r"([+-]\d{2})(\d{2})$")
_OFFSET_ONE_DIGIT = re.compile(r"([+-])(\d):?(\d{2})$")
"""``-3:00`` (Focus's own PHP example) or ``-300``: the hour of the offset without its zero."""


class Problemas:
    def __init__(self) -> None:
        self.items: list[Problema] = []

    def faltando(self, campo: str) -> None:
        self.items.append(Problema(campo, f'Parâmetro "{campo}" não informado',
                                   "Informe o campo, que é obrigatório"))

    def invalido(self, campo: str, correcao: str) -> None:
        self.items.append(Problema(campo, f'Parâmetro "{campo}" inválido', correcao))


def absent(value: Any) -> bool:
    return value is None or value is False or (type(value) is str and not value.strip())


def texto(value: Any, campo: str, p: Problemas, *, max_len: int | None = None,
          obrigatorio: bool = False) -> str | None:
    if type(value) is not str:  # most of a body is text: that case first
        if value is None or value is False:
            if obrigatorio:
                p.faltando(campo)
            return None
        if isinstance(value, (dict, list)):
            p.invalido(campo, "Informe um texto")
            return None
        value = str(value)
    text = value.strip()
    if not text:
        if obrigatorio:
            p.faltando(campo)
        return None
    if max_len is not None and len(text) > max_len:
        p.invalido(campo, f"Tamanho máximo: {max_len} caracteres (recebidos {len(text)})")
        return None
    return text


MAX_DIGITOS_INTEIROS = 13
"""The schemas' amounts (TSDec15V2): 15 digits, 2 of them decimals."""


def decimal(value: Any, campo: str, p: Problemas, *, casas: int = 2, positivo: bool = False,
            obrigatorio: bool = False) -> Decimal | None:
    if value is None or absent(value):  # None first: most fields are not sent
        if obrigatorio:
            p.faltando(campo)
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        p.invalido(campo, "Informe um número decimal, como 1500.00")
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        p.invalido(campo, "Informe um número decimal com ponto, como 1500.00")
        return None
    if not number.is_finite() or number.adjusted() >= MAX_DIGITOS_INTEIROS:
        p.invalido(campo, f"Informe um número decimal finito, com até {MAX_DIGITOS_INTEIROS} "
                          "dígitos antes da vírgula")
        return None
    if number.as_tuple().exponent < -casas and number != round(number, casas):
        p.invalido(campo, f"Use no máximo {casas} casas decimais")
        return None
    if number < 0 or (positivo and number == 0):
        p.invalido(campo, "O valor deve ser maior que zero" if positivo
                   else "O valor não pode ser negativo")
        return None
    return number.quantize(Decimal(1).scaleb(-casas))


def booleano(value: Any, campo: str, p: Problemas, *, obrigatorio: bool = False) -> bool | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if obrigatorio:
            p.faltando(campo)
        return None
    if isinstance(value, bool):
        return value
    normalized = str(value).strip().lower()
    if normalized in TRUE:
        return True
    if normalized in FALSE:
        return False
    p.invalido(campo, 'Informe true ou false (também aceitos "1" = sim e "2" = não)')
    return None


def inteiro(value: Any, campo: str, p: Problemas, *, valores: range) -> int | None:
    if value is None or absent(value):  # None first: most fields are not sent
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or number not in valores:
        p.invalido(campo, f"Informe um código entre {valores.start} e {valores.stop - 1}")
        return None
    return number


ANOS = range(2000, 2100)
"""The years the layouts' dates can carry (the national XSD's pattern is 20xx)."""


def data_hora(value: Any, campo: str, p: Problemas, *, obrigatorio: bool) -> datetime | None:
    """ISO date or date-time, with or without offset (``-0300`` too); no offset means
    America/Sao_Paulo."""
    if value is None or absent(value):  # None first: most fields are not sent
        if obrigatorio:
            p.faltando(campo)
        return None
    text = _OFFSET_NO_COLON.sub(r"\1:\2", str(value).strip())
    if "T" in text:
        text = _OFFSET_ONE_DIGIT.sub(r"\g<1>0\2:\3", text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=SAO_PAULO)
        moment.astimezone(SAO_PAULO)  # a moment at the ends of the calendar overflows here
        if not ANOS.start <= moment.year < ANOS.stop:
            raise ValueError(moment.year)
    except (ValueError, OverflowError):
        p.invalido(campo, "Informe data ISO, como 2026-11-24 ou 2026-11-24T10:30:00-03:00")
        return None
    return moment


def data(value: Any, campo: str, p: Problemas) -> date | None:
    moment = data_hora(value, campo, p, obrigatorio=False)
    return moment.astimezone(SAO_PAULO).date() if moment else None
