"""Contract rules that need no authority: the API in process, no worker running, so notes
stay in processando_autorizacao as long as the test needs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import update

from nfse.api.app import create_app
from nfse.certs.a1 import document_of
from nfse.runtime import Runtime
from nfse.sandbox.nacional.assinatura import verificar
from nfse.store import ciclo, notas
from nfse.store.tables import empresas as empresas_table
from nfse.work.worker import Worker
from nfse.xml.validate import nacional_schema_dir, validate
from tests.support import empresa_teste, nota_exemplo


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    token, _ = empresa_teste(runtime)
    with TestClient(create_app(runtime)) as test_client:
        test_client.auth = (token, "")
        yield test_client


def test_repost_while_processing_is_refused(client: TestClient) -> None:
    first = client.post("/v2/nfse?ref=r1", content=json.dumps(nota_exemplo()))
    assert first.status_code == 202
    again = client.post("/v2/nfse?ref=r1", content=json.dumps(nota_exemplo()))
    assert again.status_code == 422
    assert again.json()["codigo"] == "em_processamento"
    cancel = client.request("DELETE", "/v2/nfse/r1",
                            content=json.dumps({"justificativa": "Cancelamento de teste"}))
    assert cancel.status_code == 422 and cancel.json()["codigo"] == "em_processamento"
    nota = client.get("/v2/nfse/r1").json()
    assert nota == {"cnpj_prestador": nota_exemplo()["prestador"]["cnpj"], "ref": "r1",
                    "status": "processando_autorizacao"}


def test_cancel_of_a_rejected_note(client: TestClient, runtime: Runtime) -> None:
    client.post("/v2/nfse?ref=r2", content=json.dumps(nota_exemplo()))
    with runtime.engine.begin() as conn:
        row = notas.get_by_ref(conn, 1, "homologacao", "r2")
        ciclo.rejeitar(conn, row.id, None,
                       [{"codigo": "E1", "mensagem": "recusada", "correcao": None}])
    nota = client.get("/v2/nfse/r2?completa=1").json()
    assert nota["status"] == "erro_autorizacao"
    assert nota["erros"] == [{"codigo": "E1", "mensagem": "recusada", "correcao": None}]
    assert [h["status"] for h in nota["historico"]] == ["processando_autorizacao",
                                                       "erro_autorizacao"]
    assert nota["requisicao_nfse"]["servico"]["item_lista_servico"] == "0107"
    cancel = client.request("DELETE", "/v2/nfse/r2",
                            content=json.dumps({"justificativa": "Cancelamento de teste"}))
    assert cancel.status_code == 400 and cancel.json()["codigo"] == "nfe_nao_autorizada"


def test_every_problem_is_listed(client: TestClient) -> None:
    body = nota_exemplo()
    del body["prestador"]["codigo_municipio"]
    body["servico"]["valor_servicos"] = "abc"
    answer = client.post("/v2/nfse?ref=r3", content=json.dumps(body))
    assert answer.status_code == 400
    campos = {e["campo"] for e in answer.json()["erros"]}
    assert {"prestador.codigo_municipio", "servico.valor_servicos"} <= campos
    assert answer.json()["mensagem"] == answer.json()["erros"][0]["mensagem"]


def test_rate_limit(runtime: Runtime) -> None:
    runtime.settings.rate_limit = 3
    token, _ = empresa_teste(runtime)
    with TestClient(create_app(runtime)) as client:
        client.auth = (token, "")
        seen = [client.get("/v2/nfse/x") for _ in range(4)]
    assert [r.status_code for r in seen] == [404, 404, 404, 429]
    assert [r.headers["Rate-Limit-Remaining"] for r in seen] == ["2", "1", "0", "0"]
    assert seen[3].json()["codigo"] == "limite_excedido"


def test_unknown_route_and_token_answer_in_the_contract_format(client: TestClient) -> None:
    assert client.get("/v2/nada").json()["codigo"] == "nao_encontrado"
    anonymous = client.get("/v2/nfse/x", auth=("", ""))
    assert anonymous.status_code == 401
    assert anonymous.json()["codigo"] == "nao_autorizado"


def test_health_needs_a_live_worker(client: TestClient, runtime: Runtime) -> None:
    down = client.get("/healthz")
    assert down.status_code == 503 and down.json()["worker"] == "parado"
    Worker(runtime.engine, runtime.settings, runtime.emissores).heartbeat(force=True)
    up = client.get("/healthz")
    assert up.status_code == 200
    assert up.json() == {"api": "ok", "database": "ok", "worker": "ok"}


def test_layout_requirements_are_checked_at_post(client: TestClient) -> None:
    body = nota_exemplo()
    del body["tomador"]["razao_social"]
    answer = client.post("/v2/nfse?ref=sem-nome", content=json.dumps(body))
    assert answer.status_code == 400
    assert answer.json()["mensagem"] == 'Parâmetro "tomador.razao_social" não informado'
    assert client.get("/v2/nfse/sem-nome").status_code == 404


def test_expired_certificate_is_refused_at_post(client: TestClient, runtime: Runtime) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(update(empresas_table).values(
            certificado_valido_ate=datetime.now(UTC) - timedelta(days=1)))
    answer = client.post("/v2/nfse?ref=vencido", content=json.dumps(nota_exemplo()))
    assert answer.status_code == 400
    assert answer.json() == {"codigo": "certificado_vencido",
                             "mensagem": "O certificado do emitente está vencido"}


def test_dry_run_builds_signs_and_checks_without_storing(client: TestClient,
                                                         runtime: Runtime) -> None:
    answer = client.post("/v2/nfse?ref=ensaio&dry_run=1", json=nota_exemplo())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["valido"] is True and body["erros"] == []
    assert (body["serie_rps"], body["numero_rps"]) == ("1", "1")
    root = etree.fromstring(body["dps_xml"].encode())
    assert validate(root, nacional_schema_dir() / "DPS_v1.01.xsd") == []
    assert document_of(verificar(root)) == nota_exemplo()["prestador"]["cnpj"]
    assert client.get("/v2/nfse/ensaio").status_code == 404  # nothing stored
    broken = client.post("/v2/nfse?ref=ensaio&dry_run=1",
                         json=nota_exemplo(servico={"valor_servicos": -1}))
    assert broken.status_code == 200 and broken.json()["valido"] is False
    assert {e["campo"] for e in broken.json()["erros"]} >= {"servico.valor_servicos"}
    orphan = client.post("/v2/nfse?ref=ensaio&dry_run=1", json=nota_exemplo(
        numero_rps_substituido="5", serie_rps_substituido="1"))
    assert orphan.json()["erros"][0]["campo"] == "numero_rps_substituido"
    assert client.post("/v2/nfse?ref=real", json=nota_exemplo()).status_code == 202
    with runtime.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM numeracao").scalar() == 0


@pytest.mark.parametrize("codificacao", ["utf-8", "utf-8-sig", "utf-16"])
def test_a_body_is_kept_as_sent_and_read_back_whatever_its_unicode_encoding(
        client: TestClient, runtime: Runtime, codificacao: str) -> None:
    """The note's request is stored as the client's own JSON text when it is UTF-8 (a BOM
    dropped), and re-serialised when it came in UTF-16: either way the worker reads the same
    note back."""
    body = nota_exemplo()
    body["servico"]["discriminacao"] = "Análise de sistemas, São Paulo"
    texto = json.dumps(body, ensure_ascii=False, indent=1)
    answer = client.post(f"/v2/nfse?ref=cod-{codificacao}", content=texto.encode(codificacao))
    assert answer.status_code == 202, answer.text
    with runtime.engine.connect() as conn:
        guardada = notas.get_by_ref(conn, 1, "homologacao", f"cod-{codificacao}").requisicao
    assert json.loads(guardada) == body
    if codificacao != "utf-16":
        assert guardada == texto


@pytest.mark.parametrize("door", ["nfse", "nfsen"])
def test_the_post_doors_answer_in_the_contract_format_and_are_documented(
        client: TestClient, door: str) -> None:
    """The POSTs skip FastAPI's request machinery (``RotaDireta``): their refusals still come
    in the contract's format, and the OpenAPI schema still shows them with their ref."""
    anonymous = client.post(f"/v2/{door}?ref=a", content=b"{}", auth=("", ""))
    assert (anonymous.status_code, anonymous.json()["codigo"]) == (401, "nao_autorizado")
    broken = client.post(f"/v2/{door}?ref=b", content=b'{"prestador": ')
    assert (broken.status_code, broken.json()["codigo"]) == (415, "requisicao_invalida")
    schema = client.get("/openapi.json").json()
    assert [p["name"] for p in schema["paths"][f"/v2/{door}"]["post"]["parameters"]] == [
        "ref", "dry_run"]
