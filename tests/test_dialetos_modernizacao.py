"""ModernizacaoPublica's dialect of the national DPS (issue 22, point 2): what the round trip
of tests/municipios/test_emissao_municipal.py does not show — the company's municipal user
and password (HTTP Basic) as the system asks them, a note without them refused saying what to
register, wrong ones leaving the note waiting as the company's failure, the system's refusals
as the note's errors, and a lost answer found at the national environment instead of a
second note."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from nfse.municipios import routing
from nfse.providers.nacional.dialetos import NOMES, modernizacao
from nfse.providers.registry import get_provider
from nfse.sandbox.nacional import NacionalSandbox
from tests.municipios.test_emissao_municipal import LOGIN, SENHA, _segundo_sandbox, credenciais
from tests.support import Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

BELFORD_ROXO = "3300456"  # https://nfse.prefeituradebelfordroxo.rj.gov.br/nfe/ReceberDPS.rule
BASE = "/nfe/ReceberDPS.rule"


def _nota() -> dict:
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = BELFORD_ROXO
    return body


@pytest.fixture
def sistema(gateway: Gateway, tmp_path: Path) -> Iterator[NacionalSandbox]:
    """A sandbox playing Belford Roxo's ReceberDPS.rule (operator file) and, on the same
    port, the national environment that answers for its notes; the company's credentials
    registered and accepted."""
    municipal = _segundo_sandbox(gateway, tmp_path / "modernizacao", BASE, "modernizacao")
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(f'[sistemas.ModernizacaoPublica]\nperfil = "dps_modernizacao"\n'
                       f'versoes = ["1.01"]\nurl_homologacao = "{municipal.url}?sys=NFE"\n',
                       encoding="utf-8")
    routing.carregar(arquivo)
    gateway.runtime.settings.nacional_url_homologacao = municipal.sefin_url
    credenciais(gateway, municipal)
    try:
        yield municipal
    finally:
        municipal.stop()
        routing.carregar(None)


def ate(gateway: Gateway, ref: str, condicao: Callable[[dict], bool]) -> dict:
    """The note's GET once ``condicao`` holds (the last one read if it never does)."""
    nota: dict = {}
    for _ in range(200):
        nota = gateway.client.get(f"/v2/nfse/{ref}").json()
        if condicao(nota):
            break
        time.sleep(0.05)
    return nota


def test_the_note_goes_with_the_companys_user_and_password(
        gateway: Gateway, sistema: NacionalSandbox) -> None:
    nota = gateway.autorizar("mp-emitida", _nota())
    assert [n["chaveAcesso"] for n in sistema.emitidas()] == [nota["chave_acesso"]]
    assert gateway.sandbox.emitidas() == []
    completa = gateway.client.get("/v2/nfse/mp-emitida?completa=1").json()
    assert completa["chave_acesso"] == nota["chave_acesso"]


def test_without_credentials_the_note_is_refused_saying_what_to_register(
        gateway: Gateway, sistema: NacionalSandbox) -> None:
    credenciais(gateway, sistema, None, None)
    answer = gateway.client.post("/v2/nfse?ref=mp-sem", json=_nota())
    assert answer.status_code == 202, answer.text
    nota = gateway.wait_final("mp-sem")
    assert nota["status"] == "erro_autorizacao"
    [erro] = nota["erros"]
    assert erro["codigo"] == "credenciais_prefeitura_ausentes"
    assert "login_responsavel" in erro["correcao"] and "senha_responsavel" in erro["correcao"]
    assert sistema.emitidas() == []


def test_wrong_credentials_leave_the_note_waiting_as_the_companys_failure(
        gateway: Gateway, sistema: NacionalSandbox) -> None:
    credenciais(gateway, sistema, LOGIN, "senha-errada")
    answer = gateway.client.post("/v2/nfse?ref=mp-errada", json=_nota())
    assert answer.status_code == 202, answer.text
    nota = ate(gateway, "mp-errada", lambda n: "senha_responsavel" in str(n))
    assert nota["status"] == "processando_autorizacao", nota
    assert "credenciais da empresa" in str(nota) and "Certificado" not in str(nota), nota
    assert sistema.emitidas() == []
    credenciais(gateway, sistema, LOGIN, SENHA)
    assert gateway.wait_final("mp-errada", timeout=60)["status"] == "autorizado"


def test_a_refusal_is_the_notes_error(gateway: Gateway, sistema: NacionalSandbox) -> None:
    sistema.parametrizacao.definir(BELFORD_ROXO, ativacao=date(2020, 1, 1))
    answer = gateway.client.post("/v2/nfse?ref=mp-recusada", json=_nota())
    assert answer.status_code == 202
    nota = gateway.wait_final("mp-recusada")
    assert nota["status"] == "erro_autorizacao"
    assert any(e["codigo"] == "E0016" for e in nota["erros"]), nota["erros"]
    assert sistema.emitidas() == []


def test_a_lost_answer_is_found_at_the_national_environment_not_sent_again(
        gateway: Gateway, sistema: NacionalSandbox) -> None:
    sistema.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    nota = gateway.autorizar("mp-perdida", _nota())
    assert [n["chaveAcesso"] for n in sistema.emitidas()] == [nota["chave_acesso"]]


def test_a_lost_cancellation_is_found_at_the_national_environment(
        gateway: Gateway, sistema: NacionalSandbox) -> None:
    gateway.autorizar("mp-cancelada", _nota())
    sistema.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    cancel = gateway.client.request(
        "DELETE", "/v2/nfse/mp-cancelada",
        content=json.dumps({"justificativa": "Cancelamento de teste da DPS"}))
    assert cancel.status_code == 200 and cancel.json() == {"status": "cancelado"}
    assert sistema.emitidas()[0]["cancelada"] is True


@pytest.mark.parametrize("nome", NOMES)
def test_only_the_dialects_that_authenticate_the_company_read_its_credentials(
        nome: str) -> None:
    """The Nacional provider asks the company's municipal credentials (a read of the
    database per note) only for a profile whose dialect needs them."""
    usa = get_provider("nacional").usa_credenciais({"dialeto": nome})
    assert usa is (nome in ("abase", "modernizacao"))
    assert get_provider("nacional").usa_credenciais({}) is False


def test_an_answer_without_the_sefins_errors_says_why_in_mensagem() -> None:
    """``{"sucesso": "false", "mensagem"}`` is a refusal with that message (ACBr's
    ``TratarXmlRetornado``)."""
    [erro] = modernizacao._erros({"sucesso": "false", "mensagem": "Usuário sem permissão "})
    assert (erro.codigo, erro.mensagem) == ("sem_codigo", "Usuário sem permissão")
    assert modernizacao._erros({"sucesso": "true", "mensagem": "ok"}) == []


def test_the_nfse_may_come_with_its_markup_escaped() -> None:
    assert modernizacao._nfse('&lt;NFSe versao="1.01"&gt;&lt;/NFSe&gt;') == \
        b'<NFSe versao="1.01"></NFSe>'
    assert modernizacao._nfse(' <NFSe a="&amp;"/>') == b'<NFSe a="&amp;"/>'
