"""The municipal parameters client reads whatever the ADN answers without failing the POST:
odd shapes count as "nothing said"."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.providers.base import Emissor
from nfse.providers.nacional.parametros import Parametros, Servico
from nfse.providers.transport import Answer
from tests.support import CNPJ, nota_exemplo

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
EMISSOR = Emissor(a1=A1, ambiente="homologacao", base_url="", ca_file=None,
                  razao_social="EMPRESA TESTE LTDA", regime_tributario=3,
                  parametros_url="https://adn.invalid/parametrizacao")


class Respostas:
    """A transport that answers each route from a table (a double inside a unit test)."""

    def __init__(self, **rotas: tuple[int, Any]):
        self.rotas = rotas

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Answer:
        for fim, (status, body) in self.rotas.items():
            if url.endswith(fim):
                return Answer(status, json.dumps(body).encode())
        return Answer(404, b"{}")


@pytest.mark.parametrize("regimes", [None, [], "x", {"2": {}}])
def test_odd_regimes_answers_do_not_fail(regimes: Any) -> None:
    parametros = Parametros(Respostas(
        convenio=(200, {}), aliquota=(200, {"aliquotas": {"010701000": [{"Aliq": 2.5}]}}),
        regimes_especiais=(200, {"regimesEspeciais": regimes})))
    nota = parse_nfse(nota_exemplo())
    found = parametros.servico("3516200", "010701000", "2026-03-01", EMISSOR)
    assert isinstance(found, Servico)
    assert str(found.aliquota) == "2.50"
    assert found.regimes == (frozenset({"2"}) if isinstance(regimes, dict) else frozenset())
    assert isinstance(parametros.problemas(nota, EMISSOR, "Franca/SP"), list)
