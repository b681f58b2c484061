"""ABase's dialect of the national DPS (issue 22, point 2): what the round trip of
tests/municipios/test_emissao_municipal.py does not show — the company's access key (Bearer)
as ABase asks it, a note without it refused saying what to register, a wrong one leaving the
note waiting as the company's failure, ABase's XML refusals as the note's errors, a lost
answer found by ABase's query instead of a second note, a lost cancellation found at the
national environment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from nfse.municipios import routing
from nfse.providers.nacional.dialetos.abase import Resposta
from nfse.sandbox.nacional import NacionalSandbox
from tests.municipios.test_emissao_municipal import LOGIN, SENHA, _segundo_sandbox, credenciais
from tests.support import Gateway, nota_exemplo
from tests.test_dialetos_modernizacao import ate

pytestmark = pytest.mark.um_motor

PORTO_XAVIER = "4315107"  # ABase, https://iss.abase.com.br/api-nacional
BASE = "/api-nacional"


def _nota() -> dict:
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = PORTO_XAVIER
    return body


@pytest.fixture
def sistema(gateway: Gateway, tmp_path: Path) -> Iterator[NacionalSandbox]:
    """A sandbox playing ABase's API (its homologação address, operator file) and, on the
    same port, the national environment that answers for its events; the company's key
    registered (senha_responsavel) and accepted."""
    municipal = _segundo_sandbox(gateway, tmp_path / "abase", BASE, "abase")
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(f'[sistemas.ABase]\nperfil = "dps_abase"\nversoes = ["1.01"]\n'
                       f'url_homologacao = "{municipal.url}"\n', encoding="utf-8")
    routing.carregar(arquivo)
    gateway.runtime.settings.nacional_url_homologacao = municipal.sefin_url
    credenciais(gateway, municipal)
    try:
        yield municipal
    finally:
        municipal.stop()
        routing.carregar(None)


def test_the_note_goes_with_the_companys_key_and_is_found_by_abases_query(
        gateway: Gateway, sistema: NacionalSandbox) -> None:
    nota = gateway.autorizar("abase-emitida", _nota())
    assert [n["chaveAcesso"] for n in sistema.emitidas()] == [nota["chave_acesso"]]
    assert gateway.sandbox.emitidas() == []
    completa = gateway.client.get("/v2/nfse/abase-emitida?completa=1").json()
    assert completa["chave_acesso"] == nota["chave_acesso"]


def test_the_key_alone_is_the_credential(gateway: Gateway, sistema: NacionalSandbox) -> None:
    """ABase takes the key, not a user: a company with only senha_responsavel emits."""
    credenciais(gateway, sistema, None, SENHA)
    gateway.autorizar("abase-chave", _nota())


def test_without_the_key_the_note_is_refused_saying_what_to_register(
        gateway: Gateway, sistema: NacionalSandbox) -> None:
    credenciais(gateway, sistema, LOGIN, None)
    answer = gateway.client.post("/v2/nfse?ref=abase-sem", json=_nota())
    assert answer.status_code == 202, answer.text
    nota = gateway.wait_final("abase-sem")
    assert nota["status"] == "erro_autorizacao"
    [erro] = nota["erros"]
    assert erro["codigo"] == "credenciais_prefeitura_ausentes"
    assert "senha_responsavel" in erro["correcao"] and "ABase" in erro["correcao"]
    assert sistema.emitidas() == []


def test_a_wrong_key_leaves_the_note_waiting_as_the_companys_failure(
        gateway: Gateway, sistema: NacionalSandbox) -> None:
    credenciais(gateway, sistema, LOGIN, "chave-errada")
    answer = gateway.client.post("/v2/nfse?ref=abase-errada", json=_nota())
    assert answer.status_code == 202, answer.text
    nota = ate(gateway, "abase-errada", lambda n: "senha_responsavel" in str(n))
    assert nota["status"] == "processando_autorizacao", nota
    assert "credenciais da empresa" in str(nota) and "Certificado" not in str(nota), nota
    assert sistema.emitidas() == []
    credenciais(gateway, sistema, LOGIN, SENHA)
    assert gateway.wait_final("abase-errada", timeout=60)["status"] == "autorizado"


def test_a_refusal_in_abases_xml_is_the_notes_error(gateway: Gateway,
                                                     sistema: NacionalSandbox) -> None:
    sistema.parametrizacao.definir(PORTO_XAVIER, ativacao=date(2020, 1, 1))
    answer = gateway.client.post("/v2/nfse?ref=abase-recusada", json=_nota())
    assert answer.status_code == 202
    nota = gateway.wait_final("abase-recusada")
    assert nota["status"] == "erro_autorizacao"
    assert any(e["codigo"] == "E0016" for e in nota["erros"]), nota["erros"]
    assert sistema.emitidas() == []


def test_a_lost_answer_is_found_by_consultarnfsedps_not_sent_again(
        gateway: Gateway, sistema: NacionalSandbox) -> None:
    sistema.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    nota = gateway.autorizar("abase-perdida", _nota())
    assert [n["chaveAcesso"] for n in sistema.emitidas()] == [nota["chave_acesso"]]


def test_a_lost_cancellation_is_found_at_the_national_environment(
        gateway: Gateway, sistema: NacionalSandbox) -> None:
    gateway.autorizar("abase-cancelada", _nota())
    sistema.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    cancel = gateway.client.request(
        "DELETE", "/v2/nfse/abase-cancelada",
        content=json.dumps({"justificativa": "Cancelamento de teste da DPS"}))
    assert cancel.status_code == 200 and cancel.json() == {"status": "cancelado"}
    assert sistema.emitidas()[0]["cancelada"] is True
    completa = gateway.client.get("/v2/nfse/abase-cancelada?completa=1").json()
    assert [e["tipo"] for e in completa["eventos"]] == ["101101"]


def test_notices_are_not_errors() -> None:
    """A message whose code has L000 is a notice (ACBr's VerificarAlerta)."""
    resposta = Resposta(etree.tostring(etree.fromstring(
        "<a><Protocolo>7</Protocolo><Erros>"
        "<Erro><Codigo>L0001</Codigo><Descricao>Aviso</Descricao></Erro>"
        "<Erro><Codigo>E0016</Codigo><Descricao>Recusa</Descricao>"
        "<Correcao>Corrija</Correcao></Erro></Erros></a>")))
    assert resposta.protocolo == "7"
    assert [(e.codigo, e.mensagem, e.correcao) for e in resposta.erros] == [
        ("E0016", "Recusa", "Corrija")]


def test_a_key_of_another_company_is_refused_as_the_companys_failure(
        gateway: Gateway, sistema: NacionalSandbox) -> None:
    """The sandbox's key belongs to a company: another company's key does not emit for the
    prestador (the Sefin's E1200, a 403), and the note waits on the company's credentials."""
    sistema.credenciais[SENHA] = "33000167000101"
    answer = gateway.client.post("/v2/nfse?ref=abase-alheia", json=_nota())
    assert answer.status_code == 202, answer.text
    nota = ate(gateway, "abase-alheia", lambda n: "senha_responsavel" in str(n))
    assert nota["status"] == "processando_autorizacao", nota
    assert "HTTP 403" in str(nota), nota
    assert sistema.emitidas() == []
