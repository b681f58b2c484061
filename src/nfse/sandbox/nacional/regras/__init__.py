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

__all__ = ["NA_RECEPCAO", "REGISTRO", "Contexto", "Erro", "avaliar", "implementadas"]

NA_RECEPCAO = frozenset({"E1200", "E1203", "E1209", "E1225", "E1226", "E1228", "E1229",
                         "E1235", "E1242", "E0714", "E0717", "E0718"})
"""Codes answered before the rules run (by ``Sefin.receber_dps``, E1203 by the server, which
sees the connection's certificate): a connection whose certificate is refused, or a document
that cannot be read, is not of the schema or is not signed by its emitter, is judged no
further."""


def implementadas() -> frozenset[str]:
    """The codes the sandbox enforces on a DPS."""
    return frozenset(REGISTRO) | NA_RECEPCAO
