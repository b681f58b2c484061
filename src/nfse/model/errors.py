"""Validation problems, each naming the JSON path it is about."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problema:
    campo: str
    mensagem: str
    correcao: str | None = None
    codigo: str = "requisicao_invalida"

    def as_json(self) -> dict[str, str | None]:
        return {"codigo": self.codigo, "mensagem": self.mensagem, "correcao": self.correcao}


class RequisicaoInvalida(Exception):
    """Raised with every problem found in a request body (never only the first)."""

    def __init__(self, problemas: list[Problema]):
        super().__init__(problemas[0].mensagem if problemas else "requisição inválida")
        self.problemas = problemas
