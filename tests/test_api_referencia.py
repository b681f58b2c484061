"""The API reference (issue 23.1): every route documented with its body schema, examples
that validate against it and that the server accepts, the status codes and ``codigo`` it
answers, HTTP Basic; Swagger UI and ReDoc from the package, never a CDN."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from nfse.api.app import create_app
from nfse.api.openapi import OPERACOES, SEM_CORPO
from nfse.model.errors import RequisicaoInvalida
from nfse.model.nfse import validar_ref
from nfse.runtime import Runtime
from tests.support import Gateway

METODOS = {"get", "post", "put", "delete", "patch"}


@pytest.fixture
def cliente(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as client:
        yield client


@pytest.fixture
def spec(cliente: TestClient) -> dict[str, Any]:
    answer = cliente.get("/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def _operacoes(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for caminho, operacoes in spec["paths"].items():
        for metodo, op in operacoes.items():
            if metodo in METODOS:
                yield metodo.upper(), caminho, op


def _validador(spec: dict[str, Any], ref: str) -> jsonschema.Draft202012Validator:
    registro = Registry().with_resource("urn:spec", Resource(spec, DRAFT202012))
    return jsonschema.Draft202012Validator({"$ref": "urn:spec" + ref}, registry=registro)


def test_every_route_is_in_the_reference_with_a_tag_and_a_portuguese_summary(
        spec: dict[str, Any]) -> None:
    servidas = {(metodo, caminho) for metodo, caminho, _ in _operacoes(spec)}
    assert servidas == set(OPERACOES), "rotas sem documentação (ou documentação sem rota)"
    for metodo, caminho, op in _operacoes(spec):
        assert op.get("tags") and op.get("summary"), (metodo, caminho)
        assert op["summary"] not in (metodo, caminho)  # not FastAPI's "Post Nfse"
        assert "422" not in op["responses"] or "Validation" not in str(op["responses"]["422"])


def test_every_route_that_takes_a_body_has_its_schema(spec: dict[str, Any]) -> None:
    com_corpo = 0
    for metodo, caminho, op in _operacoes(spec):
        muda = metodo in ("POST", "PUT") or caminho in ("/v2/nfse/{ref}", "/v2/nfsen/{ref}")
        if not muda or (metodo, caminho) in SEM_CORPO or metodo == "GET":
            continue
        corpo = op.get("requestBody")
        assert corpo, f"{metodo} {caminho} sem corpo documentado"
        ref = corpo["content"]["application/json"]["schema"]["$ref"]
        esquema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert esquema["properties"], ref
        assert corpo["content"]["application/json"]["examples"], f"{metodo} {caminho}"
        com_corpo += 1
    assert com_corpo == 8  # both notes, both cancellations, e-mail, hooks, POST/PUT empresas


def test_every_field_has_a_portuguese_description(spec: dict[str, Any]) -> None:
    def campos(esquema: dict[str, Any], caminho: str) -> Iterator[tuple[str, dict]]:
        for nome, filho in esquema.get("properties", {}).items():
            yield f"{caminho}.{nome}", filho
            yield from campos(filho, f"{caminho}.{nome}")
            if isinstance(filho.get("items"), dict):
                yield from campos(filho["items"], f"{caminho}.{nome}[]")

    for nome in ("NotaNfse", "NotaNfsen", "Cancelamento", "Email", "Hook", "Empresa"):
        for caminho, esquema in campos(spec["components"]["schemas"][nome], nome):
            descricao = esquema.get("description", "")
            assert len(descricao) > 3, caminho
    nota = spec["components"]["schemas"]["NotaNfse"]["properties"]
    assert "Natureza da operação" in nota["natureza_operacao"]["description"]
    assert nota["servico"]["properties"]["iss_retido"]["description"].startswith(
        "Se o ISS foi retido")
    plana = spec["components"]["schemas"]["NotaNfsen"]["properties"]
    assert "`tomador.endereco.cep` em /v2/nfse" in plana["cep_tomador"]["description"]


def test_examples_validate_against_their_schemas(spec: dict[str, Any]) -> None:
    vistos = 0
    for metodo, caminho, op in _operacoes(spec):
        corpo = op.get("requestBody")
        if not corpo:
            continue
        conteudo = corpo["content"]["application/json"]
        validador = _validador(spec, conteudo["schema"]["$ref"])
        for nome, exemplo in conteudo["examples"].items():
            erros = [e.message for e in validador.iter_errors(exemplo["value"])]
            assert not erros, (metodo, caminho, nome, erros)
            vistos += 1
    assert vistos >= 10
    invalido = _validador(spec, "#/components/schemas/NotaNfse")
    assert not invalido.is_valid({"prestador": {}})  # the schemas do refuse something


def test_the_seed_note_is_among_the_examples(spec: dict[str, Any]) -> None:
    exemplos = spec["paths"]["/v2/nfse"]["post"]["requestBody"]["content"][
        "application/json"]["examples"]
    seed = exemplos["seed"]["value"]
    assert seed["servico"]["discriminacao"] == "Nota fiscal referente a serviços prestados"
    assert seed["tomador"]["razao_social"] == "Acras Tecnologia da Informação LTDA"


def test_post_answers_202_and_every_error_code_is_listed(spec: dict[str, Any]) -> None:
    for modelo in ("nfse", "nfsen"):
        post = spec["paths"][f"/v2/{modelo}"]["post"]
        assert "202" in post["responses"] and "200" in post["responses"]  # 200 = dry_run
        codigos = {codigo for status in ("400", "422")
                   for codigo in post["responses"][status]["content"]["application/json"][
                       "examples"]}
        assert codigos == {"requisicao_invalida", "empresa_nao_habilitada",
                           "certificado_vencido", "nfe_autorizada", "em_processamento"}
        delete = spec["paths"][f"/v2/{modelo}/{{ref}}"]["delete"]["responses"]
        assert set(delete["400"]["content"]["application/json"]["examples"]) == {
            "requisicao_invalida", "nfe_cancelada", "nfe_nao_autorizada"}
        assert delete["404"]["content"]["application/json"]["examples"]["nao_encontrado"]
        parametros = {p["name"]: p for p in post["parameters"]}
        assert parametros["dry_run"]["in"] == "query"
        get = spec["paths"][f"/v2/{modelo}/{{ref}}"]["get"]
        assert "completa" in {p["name"] for p in get["parameters"]}
    assert spec["paths"]["/v2/hooks"]["post"]["responses"]["201"]
    assert spec["paths"]["/v2/empresas"]["post"]["responses"]["422"]
    assert spec["paths"]["/v2/empresas"]["get"]["responses"]["403"]


def test_ref_limit_is_the_one_the_server_enforces(spec: dict[str, Any]) -> None:
    parametro = next(p for p in spec["paths"]["/v2/nfse"]["post"]["parameters"]
                     if p["name"] == "ref")
    limite = parametro["schema"]["maxLength"]
    assert validar_ref("a" * limite) == "a" * limite
    with pytest.raises(RequisicaoInvalida):
        validar_ref("a" * (limite + 1))
    assert re.fullmatch(parametro["schema"]["pattern"], "pedido-1_A")


def test_basic_auth_scheme_and_public_routes(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]["basic"] == {
        **spec["components"]["securitySchemes"]["basic"], "type": "http", "scheme": "basic"}
    assert {"basic": []} in spec["security"]
    assert spec["paths"]["/healthz"]["get"]["security"] == []
    assert "security" not in spec["paths"]["/v2/nfse"]["post"]  # the global one applies
    nomes = {t["name"] for t in spec["tags"]}
    assert {op["tags"][0] for _, _, op in _operacoes(spec)} <= nomes


def test_the_examples_are_accepted_by_the_server(gateway: Gateway) -> None:
    spec = gateway.client.get("/openapi.json").json()
    for modelo in ("nfse", "nfsen"):
        exemplos = spec["paths"][f"/v2/{modelo}"]["post"]["requestBody"]["content"][
            "application/json"]["examples"]
        for nome, exemplo in exemplos.items():
            answer = gateway.client.post(f"/v2/{modelo}?ref=exemplo-{nome}&dry_run=1",
                                         json=exemplo["value"])
            assert answer.status_code == 200, answer.text
            assert answer.json()["valido"] is True, (modelo, nome, answer.json())
    hook = spec["paths"]["/v2/hooks"]["post"]["requestBody"]["content"]["application/json"][
        "examples"]["assinado"]["value"]
    # the example's public name cannot resolve offline, and a hook must resolve: its other
    # fields are checked with a loopback address the test allows
    gateway.runtime.settings.webhook_allow = ["127.0.0.1"]
    local = {**hook, "url": "http://127.0.0.1:9/nfse"}
    assert gateway.client.post("/v2/hooks", json=local).status_code == 201


def test_a_method_a_route_does_not_take_is_refused_in_portuguese(cliente: TestClient) -> None:
    answer = cliente.put("/v2/nfse")
    assert answer.status_code == 405
    assert answer.json() == {"codigo": "metodo_nao_permitido",
                             "mensagem": "Método PUT não permitido em /v2/nfse; use POST"}
    assert answer.headers["allow"] == "POST"


@pytest.mark.parametrize("pagina", ["/docs", "/redoc"])
def test_docs_pages_load_their_assets_from_the_server(cliente: TestClient, pagina: str) -> None:
    html = cliente.get(pagina).text
    fontes = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert fontes and all(f.startswith("/") and not f.startswith("//") for f in fontes), fontes
    assert "http://" not in html and "https://" not in html
    for fonte in fontes:
        assert cliente.get(fonte).status_code == 200, fonte
