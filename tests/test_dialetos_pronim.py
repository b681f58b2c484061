"""Pronim's dialect of the national DPS (issue 22, point 2): what the round trip of
tests/municipios/test_emissao_municipal.py does not show — a lost answer found by Pronim's own
queries instead of a second note, Pronim's refusals as the note's errors, and the Sefin's API
where the system has no test address of its own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from nfse.municipios import routing
from nfse.providers.nacional.dialetos import NOMES
from nfse.sandbox.nacional import NacionalSandbox
from tests.municipios.test_emissao_municipal import _segundo_sandbox
from tests.support import Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

VIAMAO = "4323002"  # Pronim, https://webapp1-viamao.cidade360.cloud/Nfse.Api/NotaNacional
BASE = "/Nfse.Api/NotaNacional"


def _nota() -> dict:
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = VIAMAO
    return body


@pytest.fixture
def pronim(gateway: Gateway, tmp_path: Path) -> Iterator[NacionalSandbox]:
    """A sandbox playing Pronim's endpoint, Viamão's homologação address (operator file)."""
    municipal = _segundo_sandbox(gateway, tmp_path / "pronim", BASE, "pronim")
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(f'[sistemas.Pronim]\nperfil = "dps_pronim"\nversoes = ["1.01"]\n'
                       f'url_homologacao = "{municipal.url}"\n', encoding="utf-8")
    routing.carregar(arquivo)
    try:
        yield municipal
    finally:
        municipal.stop()
        routing.carregar(None)


def test_the_sandbox_does_not_answer_the_sefins_routes_for_pronim(
        gateway: Gateway, pronim: NacionalSandbox) -> None:
    nota = gateway.autorizar("pronim-rotas", _nota())
    emitida = pronim.emitidas()[0]
    assert emitida["chaveAcesso"] == nota["chave_acesso"]
    assert gateway.sandbox.emitidas() == []


def test_a_lost_answer_is_found_by_consultar_dps_not_sent_again(
        gateway: Gateway, pronim: NacionalSandbox) -> None:
    pronim.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    nota = gateway.autorizar("pronim-perdida", _nota())
    assert [n["chaveAcesso"] for n in pronim.emitidas()] == [nota["chave_acesso"]]
    completa = gateway.client.get("/v2/nfse/pronim-perdida?completa=1").json()
    assert completa["numero"] == nota["numero"]


def test_a_refusal_in_the_lot_is_the_notes_error(gateway: Gateway,
                                                  pronim: NacionalSandbox) -> None:
    pronim.parametrizacao.definir(VIAMAO, ativacao=date(2020, 1, 1))
    answer = gateway.client.post("/v2/nfse?ref=pronim-recusada", json=_nota())
    assert answer.status_code == 202
    nota = gateway.wait_final("pronim-recusada")
    assert nota["status"] == "erro_autorizacao"
    assert any(e["codigo"] == "E0016" for e in nota["erros"]), nota["erros"]
    assert pronim.emitidas() == []


def test_a_lost_cancellation_is_found_by_consultar_eventos(
        gateway: Gateway, pronim: NacionalSandbox) -> None:
    gateway.autorizar("pronim-cancelada", _nota())
    pronim.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    cancel = gateway.client.request(
        "DELETE", "/v2/nfse/pronim-cancelada",
        content=json.dumps({"justificativa": "Cancelamento de teste da DPS"}))
    assert cancel.status_code == 200 and cancel.json() == {"status": "cancelado"}
    assert pronim.emitidas()[0]["cancelada"] is True
    completa = gateway.client.get("/v2/nfse/pronim-cancelada?completa=1").json()
    assert [e["tipo"] for e in completa["eventos"]] == ["101101"]


def test_without_the_systems_test_address_homologacao_speaks_the_sefins_api(
        gateway: Gateway, tmp_path: Path) -> None:
    """The national test environment takes the note where Pronim gives no test address:
    the dialect belongs to the system's own address."""
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text('[sistemas.Pronim]\nperfil = "dps_pronim"\nenderecos = false\n'
                       'url_producao = "https://webapp1-viamao.cidade360.cloud/Nfse.Api/'
                       'NotaNacional"\n', encoding="utf-8")
    routing.carregar(arquivo)
    try:
        assert routing.rota(VIAMAO).opcoes["dialeto"] == "pronim"
        nota = gateway.autorizar("pronim-nacional", _nota())
        assert [n["chaveAcesso"] for n in gateway.sandbox.emitidas()] == [nota["chave_acesso"]]
    finally:
        routing.carregar(None)


@pytest.mark.parametrize("nome", NOMES)
def test_every_dialect_is_a_value_of_the_profile_option(tmp_path: Path, nome: str) -> None:
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(f'[perfis.proprio]\npadrao = "nacional"\ndialeto = "{nome}"\n',
                       encoding="utf-8")
    try:
        routing.carregar(arquivo)
    finally:
        routing.carregar(None)


def test_an_unknown_dialect_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text('[perfis.proprio]\npadrao = "nacional"\ndialeto = "desconhecido"\n',
                       encoding="utf-8")
    with pytest.raises(routing.ConfiguracaoInvalida) as erro:
        routing.carregar(arquivo)
    assert "perfis.proprio.dialeto" in str(erro.value)
    assert all(f'"{nome}"' in str(erro.value) for nome in NOMES)
