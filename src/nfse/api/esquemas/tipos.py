"""Building blocks of the schemas: the lenient types of the Focus contract (SPEC §2.1), where
a decimal may come as a number or a string and a boolean as ``"1"``/``"2"``."""

from __future__ import annotations

from typing import Any

Esquema = dict[str, Any]

NULO = {"type": "null"}


def texto(descricao: str, *, max_len: int | None = None, exemplo: str | None = None,
          padrao: str | None = None, valores: list[str] | None = None) -> Esquema:
    esquema: Esquema = {"type": ["string", "null"], "description": descricao}
    if max_len is not None:
        esquema["maxLength"] = max_len
    if padrao is not None:
        esquema["pattern"] = padrao
    if valores is not None:
        esquema["enum"] = [*valores, None]
    if exemplo is not None:
        esquema["examples"] = [exemplo]
    return esquema


def digitos(descricao: str, tamanho: int, *, exato: bool = False) -> Esquema:
    """Digits-only fields (CPF, CEP, telefone): punctuation is dropped, so it is allowed."""
    extra = f" Exatamente {tamanho} dígitos" if exato else f" Até {tamanho} dígitos"
    return {"type": ["string", "integer", "null"],
            "description": descricao + extra + "; pontuação é ignorada."}


def decimal(descricao: str, *, casas: int = 2) -> Esquema:
    return {"type": ["number", "string", "null"],
            "description": f"{descricao} Número decimal (JSON ou texto como \"1500.00\"), "
                           f"até {casas} casas decimais, não negativo."}


def booleano(descricao: str) -> Esquema:
    return {"type": ["boolean", "string", "integer", "null"],
            "description": descricao + ' Aceita true/false, "true"/"false", "1"/"0" e, na '
                                       'convenção ABRASF, "1" = sim e "2" = não.'}


def codigo(descricao: str, valores: list[int]) -> Esquema:
    """An integer code that may also arrive as a string."""
    return {"type": ["integer", "string", "null"], "description": descricao,
            "enum": [*valores, *(str(v) for v in valores), None]}


def ibge(descricao: str) -> Esquema:
    return {"type": ["string", "integer", "null"],
            "description": descricao + " Código IBGE de 7 dígitos de um município existente.",
            "examples": ["3550308"]}


def data_hora(descricao: str) -> Esquema:
    return {"type": ["string", "null"],
            "description": descricao + " Data ISO 8601 (\"2026-11-24\") ou data e hora, com ou "
                                       "sem fuso (\"2026-11-24T10:30:00-03:00\"); sem fuso "
                                       "vale o horário de Brasília.",
            "examples": ["2026-11-24T10:30:00-03:00"]}


def objeto(descricao: str, propriedades: dict[str, Esquema],
           obrigatorios: list[str] | None = None) -> Esquema:
    esquema: Esquema = {"type": "object", "description": descricao,
                        "properties": propriedades}
    if obrigatorios:
        esquema["required"] = obrigatorios
    return esquema
