"""Municipal parameters: a municipality that has not joined the national NFS-e (no
convênio at the ADN), a service code it does not accept, a rate other than its own or a
special regime it does not admit are refused at POST with the reason, not minutes later;
when the parameters service cannot be reached, the note goes on and the authority judges
it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from nfse.providers.registry import get_provider
from tests.support import Gateway, free_port, nota_exemplo, nota_plana


@pytest.fixture
def convenios(gateway: Gateway) -> Iterator[None]:
    """The provider keeps answers for hours, process-wide: start and end with none."""
    parametros = get_provider("nacional").parametros
    parametros.clear()
    yield
    parametros.clear()
    gateway.sandbox.parametrizacao.__init__()


def test_municipality_without_convenio_is_refused_at_post(gateway: Gateway,
                                                          convenios: None) -> None:
    gateway.sandbox.parametrizacao.sem_convenio = frozenset({"3516200"})
    answer = gateway.client.post("/v2/nfse?ref=sem-convenio", json=nota_exemplo())
    assert answer.status_code == 400
    body = answer.json()
    assert body["codigo"] == "requisicao_invalida"
    assert body["erros"][0]["campo"] == "prestador.codigo_municipio"
    assert "Franca/SP" in body["mensagem"] and "convênio" in body["mensagem"]
    flat = gateway.client.post("/v2/nfsen?ref=sem-convenio", json=nota_plana())
    assert flat.status_code == 400
    assert flat.json()["erros"][0]["campo"] == "codigo_municipio_emissora"
    assert gateway.client.get("/v2/nfse/sem-convenio").status_code == 404  # nothing stored


def test_the_answer_is_kept(gateway: Gateway, convenios: None) -> None:
    assert gateway.client.post("/v2/nfse?ref=com-1", json=nota_exemplo()).status_code == 202
    # not asked again for hours
    gateway.sandbox.parametrizacao.sem_convenio = frozenset({"3516200"})
    assert gateway.client.post("/v2/nfse?ref=com-2", json=nota_exemplo()).status_code == 202


def test_unreachable_parameters_let_the_note_through(gateway: Gateway,
                                                     convenios: None) -> None:
    gateway.runtime.settings.nacional_parametros_url_homologacao = \
        f"https://127.0.0.1:{free_port()}/parametrizacao"
    assert gateway.client.post("/v2/nfse?ref=sem-adn", json=nota_exemplo()).status_code == 202
    assert gateway.wait_final("sem-adn")["status"] == "autorizado"


def test_service_rate_and_regime_of_the_municipality(gateway: Gateway, convenios: None) -> None:
    municipal = gateway.sandbox.parametrizacao
    municipal.recusados = frozenset({"010701"})
    answer = gateway.client.post("/v2/nfse?ref=servico-recusado", json=nota_exemplo())
    assert answer.status_code == 400
    erro = answer.json()["erros"][0]
    assert erro["campo"] == "servico.item_lista_servico"
    assert "Franca/SP não aceita o serviço 010701" in erro["mensagem"]
    flat = gateway.client.post("/v2/nfsen?ref=servico-recusado", json=nota_plana())
    assert flat.json()["erros"][0]["campo"] == "codigo_tributacao_nacional_iss"

    municipal.recusados = frozenset()
    municipal.aliquotas = {"010601": Decimal("5.00")}
    municipal.regimes = {"010601": frozenset({"2"})}  # estimativa only
    get_provider("nacional").parametros.clear()
    servico = nota_exemplo()["servico"] | {"item_lista_servico": "010601"}
    other_rate = gateway.client.post("/v2/nfse?ref=aliquota", json=nota_exemplo(
        servico=servico, regime_especial_tributacao=3))
    assert other_rate.status_code == 400
    found = {e["campo"]: e for e in other_rate.json()["erros"]}
    assert found["servico.aliquota"]["correcao"] == "Informe 5.00 ou omita a alíquota"
    assert "regime_especial_tributacao" in found
    servico["aliquota"] = 5
    right = gateway.client.post("/v2/nfse?ref=aliquota", json=nota_exemplo(
        servico=servico, regime_especial_tributacao=2))
    assert right.status_code == 202, right.text
    assert gateway.wait_final("aliquota")["status"] == "autorizado"


def test_dry_run_reports_the_municipal_parameters(gateway: Gateway,
                                                   convenios: None) -> None:
    gateway.sandbox.parametrizacao.recusados = frozenset({"010701"})
    answer = gateway.client.post("/v2/nfse?ref=simulada&dry_run=1", json=nota_exemplo())
    assert answer.status_code == 200
    body = answer.json()
    assert body["valido"] is False
    assert body["erros"][0]["campo"] == "servico.item_lista_servico"


def test_dry_run_shows_what_the_municipality_said(gateway: Gateway, convenios: None) -> None:
    municipal = gateway.sandbox.parametrizacao
    municipal.aliquotas = {"010701": Decimal("3.00")}
    municipal.regimes = {"010701": frozenset({"2", "6"})}
    answer = gateway.client.post("/v2/nfse?ref=simulada&dry_run=1", json=nota_exemplo())
    body = answer.json()
    assert body["valido"] is True, body
    assert body["parametros_municipais"] == {
        "convenio": True, "servico_aceito": True, "aliquota": "3.00",
        "regimes_especiais": ["2", "6"], "retencoes": {"artigoSexto": {"habilitado": False}}}
