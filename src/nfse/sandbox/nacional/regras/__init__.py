"""The Sefin's business rules as the sandbox enforces them: one function per official code
(``motor.REGISTRO``), grouped by theme. Importing the package registers them all."""

from nfse.sandbox.nacional.regras import (  # noqa: F401  (registration)
    ibscbs,
    identificacao,
    issqn,
    pessoas,
    servico,
    tributos,
    valores,
)
from nfse.sandbox.nacional.regras.motor import REGISTRO, Contexto, Erro, avaliar

__all__ = ["REGISTRO", "Contexto", "Erro", "avaliar", "implementadas"]


def implementadas() -> frozenset[str]:
    """The codes the sandbox enforces."""
    return frozenset(REGISTRO)
