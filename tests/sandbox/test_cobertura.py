"""The coverage document of the rejection rules is generated, and up to date."""

from __future__ import annotations

from pathlib import Path

from nfse.regras import catalogo
from nfse.sandbox.nacional import cobertura, regras

DOCUMENTO = Path(__file__).parents[2] / "docs" / "regras-nacional.md"


def test_the_document_is_up_to_date() -> None:
    assert DOCUMENTO.read_text(encoding="utf-8") == cobertura.render(), (
        "rode python -m nfse.sandbox.nacional.cobertura")


def test_every_rule_of_anexo_i_has_a_status_and_the_named_ones_are_implemented() -> None:
    implementadas = regras.implementadas()
    for regra in catalogo.anexo_i():
        status, porque = cobertura.situacao(regra, implementadas)
        assert status == "implementada" or porque, regra.codigo
    issue_18 = {"E0617", "E0625", "E0712", "E0713", "E0595", "E0204", "E0322", "E0580",
                "E0583", "E0172"}
    assert issue_18 <= implementadas
    assert not set(cobertura.INAPLICAVEIS) & implementadas
    assert not set(cobertura.ADIADAS) & implementadas
