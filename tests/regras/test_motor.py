"""Unit tests of the sandbox's rule engine (``sandbox.nacional.regras.motor``): registration
under a code of the official catalogue, once; ``avaliar`` answering every broken rule with
its official message and complement, in the registry's order. The rules themselves are
judged one by one in ``tests/sandbox/test_regras_nacional.py``."""

from __future__ import annotations

import pytest

from nfse.regras import catalogo
from nfse.sandbox.nacional import regras
from nfse.sandbox.nacional.regras import motor


@pytest.fixture
def registro(monkeypatch: pytest.MonkeyPatch) -> dict[str, motor.Funcao]:
    """An empty registry in place of the sandbox's, for the test's own rules."""
    vazio: dict[str, motor.Funcao] = {}
    monkeypatch.setattr(motor, "REGISTRO", vazio)
    return vazio


def test_a_rule_registers_under_a_catalogue_code_once(registro: dict) -> None:
    @motor.regra("E0014")
    def duplicada(contexto: motor.Contexto) -> str | None:
        return None

    assert registro == {"E0014": duplicada}
    with pytest.raises(KeyError, match="E0014 registrada duas vezes"):
        motor.regra("E0014")(duplicada)
    with pytest.raises(KeyError, match="E9999 não está no catálogo"):
        motor.regra("E9999")


def test_every_broken_rule_is_answered_with_its_official_message(registro: dict) -> None:
    chamadas: list[str] = []

    def passa(contexto: motor.Contexto) -> str | None:
        chamadas.append("E0008")
        return None

    def quebra(contexto: motor.Contexto) -> str | None:
        chamadas.append("E0014")
        return ""

    def quebra_com_detalhe(contexto: motor.Contexto) -> str | None:
        chamadas.append("E0061")
        return "valor 10,00"

    registro.update({"E0061": quebra_com_detalhe, "E0008": passa, "E0014": quebra})
    contexto = object()  # the rules here read nothing of it
    assert motor.avaliar(contexto) == [  # type: ignore[arg-type]
        ("E0061", catalogo.mensagem("E0061"), "valor 10,00"),
        ("E0014", catalogo.mensagem("E0014"), ""),
    ]
    assert chamadas == ["E0061", "E0008", "E0014"]  # all of them, none stops the others


def test_a_dps_that_breaks_nothing_gets_no_error(registro: dict) -> None:
    registro["E0008"] = lambda contexto: None
    assert motor.avaliar(object()) == []  # type: ignore[arg-type]


def test_the_sandbox_registry_holds_catalogue_codes_only() -> None:
    assert regras.REGISTRO is motor.REGISTRO and len(regras.REGISTRO) > 100
    assert all(catalogo.existe(codigo) for codigo in regras.REGISTRO)
    assert regras.implementadas() == frozenset(regras.REGISTRO) | regras.NA_RECEPCAO
    assert not set(regras.REGISTRO) & regras.NA_RECEPCAO  # answered at reception, alone
