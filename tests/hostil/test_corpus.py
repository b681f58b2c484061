"""The hostile corpus against every route with a body, the company routes' ids and the
hooks' URLs: a Focus-format 4xx for each, nothing stored, and a keep-alive connection that
keeps working after every refusal."""

from __future__ import annotations

import http.client
import threading
import time

import pytest
import uvicorn

from nfse.api.app import create_app
from tests.hostil.conftest import Alvo
from tests.hostil.corpus import CORPOS, casos
from tests.support import free_port


def focus(answer) -> dict:  # noqa: ANN001
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    body = answer.json()
    assert isinstance(body["codigo"], str) and body["codigo"]
    assert isinstance(body["mensagem"], str) and body["mensagem"]
    for erro in body.get("erros", []):
        assert erro["codigo"] and erro["mensagem"]
    return body


def test_every_hostile_case_is_refused_and_stores_nothing(alvo: Alvo) -> None:
    before = alvo.linhas()
    problems = []
    for caso in casos():
        answer = alvo.request(caso.method, caso.path, content=caso.body,
                              token=alvo.admin if caso.admin else None)
        try:
            focus(answer)
        except (AssertionError, ValueError, KeyError) as exc:
            problems.append(f"{caso.nome}: {exc}")
    assert not problems, "\n".join(problems)
    assert alvo.linhas() == before


@pytest.mark.parametrize("nome,campo", [
    ("surrogate escapado", "servico.discriminacao"), ("emoji", "servico.discriminacao"),
    ("bom", "servico.discriminacao"), ("rlo", "servico.discriminacao"),
    ("combinante", "servico.discriminacao"), ("cjk", "servico.discriminacao"),
    ("nul escapado", "servico.discriminacao"), ("discriminacao objeto", "servico.discriminacao"),
    ("ano 9999", "data_emissao"), ("30 de fevereiro", "data_emissao"),
])
def test_the_refusal_names_the_field(alvo: Alvo, nome: str, campo: str) -> None:
    body = focus(alvo.request("POST", "/v2/nfse?ref=campo", content=CORPOS[nome]))
    assert body["codigo"] == "requisicao_invalida"
    assert campo in [e.get("campo") for e in body["erros"]], body


def test_every_problem_is_listed(alvo: Alvo) -> None:
    corpo = CORPOS["emoji"].replace(b'"Alto da XV"', b'"Alto \\u202e"').replace(
        b'"99999', b'"\\ud800')
    body = focus(alvo.request("POST", "/v2/nfse?ref=varios", content=corpo))
    campos = {e["campo"] for e in body["erros"]}
    assert {"servico.discriminacao", "tomador.endereco.bairro"} <= campos, body


def test_the_company_numbering_without_a_series_is_created(alvo: Alvo) -> None:
    """A reseller moving a company from Focus sends its next number without a series: the
    default series 1 takes it (it was a KeyError, while dry_run called the body valid)."""
    corpo = (b'{"cnpj": "07504505000132", "nome": "OUTRA LTDA", "inscricao_municipal": "1",'
             b' "codigo_municipio": "4106902", "proximo_numero_nfse_homologacao": 42}')
    simulated = alvo.request("POST", "/v2/empresas?dry_run=1", content=corpo, token=alvo.admin)
    assert simulated.status_code == 200, simulated.text
    created = alvo.request("POST", "/v2/empresas", content=corpo, token=alvo.admin)
    assert created.status_code == 201, created.text
    assert created.json()["proximo_numero_nfse_homologacao"] == 42


def test_keep_alive_survives_every_refusal(alvo: Alvo) -> None:
    """Under uvicorn, on one connection: each refusal, then a normal request, all answered
    on the same socket (a 500 used to reset it)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(alvo.runtime), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    import base64
    auth = {"Authorization": "Basic " + base64.b64encode(f"{alvo.token}:".encode()).decode()}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/v2/nfse/nenhuma", headers=auth)
        assert conn.getresponse().read() and conn.sock is not None
        sock = conn.sock
        for nome in ("listas aninhadas", "inteiro 5000 digitos", "surrogate cru",
                     "surrogate escapado", "nan", "chave repetida", "utf8 invalido"):
            conn.request("POST", "/v2/nfse?ref=keep", body=CORPOS[nome], headers=auth)
            answer = conn.getresponse()
            answer.read()
            assert 400 <= answer.status < 500, (nome, answer.status)
            assert conn.sock is sock, f"connection closed after {nome}"
        conn.request("GET", "/v2/nfse/nenhuma", headers=auth)
        assert conn.getresponse().status == 404 and conn.sock is sock
    finally:
        conn.close()
        server.should_exit = True
        thread.join(timeout=10)
