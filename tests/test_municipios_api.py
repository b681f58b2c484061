"""``/v2/municipios`` (SPEC §6) over HTTP: every IBGE municipality with its provider and
flags, filters and pages of 100 with X-Total-Count, the LC 116 list in the provider's spelling,
municipal codes from NFSE_MUNICIPIOS_FILE, and Focus-shaped 400/401/404."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nfse.api.app import create_app
from nfse.config import Settings
from nfse.municipios import registry, routing
from nfse.runtime import Runtime, build_runtime
from tests.support import empresa_teste

TOTAL = len(registry.all_municipios())
CAMPOS = ["codigo_municipio", "nome_municipio", "sigla_uf", "nome_uf", "nfse_habilitada",
          "requer_certificado_nfse", "possui_ambiente_homologacao_nfse",
          "possui_cancelamento_nfse", "provedor_nfse", "endereco_obrigatorio_nfse",
          "cpf_cnpj_obrigatorio_nfse", "codigo_cnae_obrigatorio_nfse",
          "item_lista_servico_obrigatorio_nfse", "codigo_tributario_municipio_obrigatorio_nfse",
          "status_nfse", "sistema_nfse", "motivo_nfse", "sem_tls_nfse"]


def cliente(tmp: Path, municipios_file: Path | None = None) -> Iterator[TestClient]:
    """An API on its own SQLite database, authenticated with the test company's token."""
    runtime: Runtime = build_runtime(Settings(
        data_dir=tmp / "data", database_url=f"sqlite:///{tmp / 'nfse.db'}",
        secret_key="test-key", rate_limit=100_000, municipios_file=municipios_file))
    token, _a1 = empresa_teste(runtime)
    try:
        with TestClient(create_app(runtime)) as client:
            client.auth = (token, "")
            yield client
    finally:
        runtime.engine.dispose()
        routing.carregar(None)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from cliente(tmp_path_factory.mktemp("municipios"))


def test_a_token_is_required(api: TestClient) -> None:
    for path in ("/v2/municipios", "/v2/municipios/3550308",
                 "/v2/municipios/3550308/itens_lista_servico"):
        answer = api.get(path, auth=("token-que-nao-existe", ""))
        assert answer.status_code == 401
        assert answer.json()["codigo"] == "nao_autorizado"
    assert api.get("/v2/municipios", auth=None).status_code == 401


def test_lists_every_municipality_100_per_page(api: TestClient) -> None:
    first = api.get("/v2/municipios")
    assert first.status_code == 200
    assert first.headers["X-Total-Count"] == str(TOTAL) and TOTAL >= 5570
    page = first.json()
    assert len(page) == 100
    assert list(page[0]) == CAMPOS
    assert page[0]["codigo_municipio"] == "1100015"  # IBGE code order
    codigos = [m["codigo_municipio"] for m in page]
    assert codigos == sorted(codigos)

    second = api.get("/v2/municipios", params={"offset": 100}).json()
    assert second[0]["codigo_municipio"] > codigos[-1]
    last = api.get("/v2/municipios", params={"offset": TOTAL - 30})
    assert len(last.json()) == 30 and last.json()[-1]["codigo_municipio"] == "5300108"
    beyond = api.get("/v2/municipios", params={"offset": TOTAL})
    assert beyond.json() == [] and beyond.headers["X-Total-Count"] == str(TOTAL)


def test_filters(api: TestClient) -> None:
    sp = api.get("/v2/municipios", params={"sigla_uf": "sp"})
    assert sp.headers["X-Total-Count"] == "645"
    assert {m["sigla_uf"] for m in sp.json()} == {"SP"}
    assert sp.json()[0]["nome_uf"] == "São Paulo"

    exato = api.get("/v2/municipios", params={"nome_municipio": "sao  PAULO"}).json()
    assert [m["codigo_municipio"] for m in exato] == ["3550308"]
    parte = api.get("/v2/municipios", params={"nome": "são paulo"})
    nomes = {m["nome_municipio"] for m in parte.json()}
    assert "São Paulo" in nomes and "São Paulo de Olivença" in nomes
    assert int(parte.headers["X-Total-Count"]) == len(nomes) > 1
    juntos = api.get("/v2/municipios", params={"nome": "paulo", "sigla_uf": "AM"}).json()
    assert [m["nome_municipio"] for m in juntos] == ["São Paulo de Olivença"]

    ativos = api.get("/v2/municipios", params={"status_nfse": "ativo", "offset": 5500})
    assert ativos.headers["X-Total-Count"] == str(TOTAL)
    inativos = api.get("/v2/municipios", params={"status_nfse": "inativo"})
    assert inativos.json() == [] and inativos.headers["X-Total-Count"] == "0"
    nenhum = api.get("/v2/municipios", params={"nome": "xyzzy"})
    assert nenhum.json() == [] and nenhum.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize(("params", "parametro"), [
    ({"offset": "-1"}, "offset"), ({"offset": "dez"}, "offset"),
    ({"sigla_uf": "XX"}, "sigla_uf"), ({"sigla_uf": "São"}, "sigla_uf"),
    ({"status_nfse": "quebrado"}, "status_nfse"),
])
def test_bad_filters_are_400(api: TestClient, params: dict, parametro: str) -> None:
    answer = api.get("/v2/municipios", params=params)
    assert answer.status_code == 400
    body = answer.json()
    assert body["codigo"] == "requisicao_invalida"
    assert body["mensagem"].startswith(f'Parâmetro "{parametro}" inválido')


def test_one_municipality(api: TestClient) -> None:
    curitiba = api.get("/v2/municipios/4106902")
    assert curitiba.status_code == 200
    assert curitiba.json() == {
        "codigo_municipio": "4106902", "nome_municipio": "Curitiba", "sigla_uf": "PR",
        "nome_uf": "Paraná", "nfse_habilitada": True, "requer_certificado_nfse": True,
        "possui_ambiente_homologacao_nfse": True, "possui_cancelamento_nfse": True,
        "provedor_nfse": "nacional", "endereco_obrigatorio_nfse": False,
        "cpf_cnpj_obrigatorio_nfse": False, "codigo_cnae_obrigatorio_nfse": False,
        "item_lista_servico_obrigatorio_nfse": True,
        "codigo_tributario_municipio_obrigatorio_nfse": False, "status_nfse": "ativo",
        "sistema_nfse": None, "motivo_nfse": None, "sem_tls_nfse": False}
    caceres = api.get("/v2/municipios/5102504").json()
    assert caceres["provedor_nfse"] == "abrasf" and caceres["sistema_nfse"] == "RLZ"
    assert caceres["nome_municipio"] == "Cáceres" and caceres["nfse_habilitada"] is True
    assert api.get("/v2/municipios/3551702").json()["provedor_nfse"] == "nacional"


def test_unsupported_municipalities_are_reported_honestly(api: TestClient) -> None:
    mg = api.get("/v2/municipios/3111101").json()  # Campina Verde/MG, on Horus
    assert mg["nfse_habilitada"] is False and mg["provedor_nfse"] is None
    assert mg["sistema_nfse"] == "Horus"
    assert "Horus" in mg["motivo_nfse"] and "não atende" in mg["motivo_nfse"]
    # Franca: SilTecnologia, served in produção at its own address (the emitter's NFS-e);
    # the test company's token is homologação, served by the national test address
    franca = api.get("/v2/municipios/3516200").json()
    assert franca["nfse_habilitada"] is True and franca["provedor_nfse"] == "nacional"
    assert franca["sistema_nfse"] == "SilTecnologia" and franca["motivo_nfse"] is None
    pagina = api.get("/v2/municipios", params={"sigla_uf": "MG", "nome": "campina v"}).json()
    nomes = {m["nome_municipio"]: m["nfse_habilitada"] for m in pagina}
    assert nomes["Campina Verde"] is False


@pytest.mark.parametrize("path", [
    "/v2/municipios/9999999", "/v2/municipios/abc", "/v2/municipios/35503080",
    "/v2/municipios/9999999/itens_lista_servico",
    "/v2/municipios/9999999/codigos_tributarios_municipio",
])
def test_unknown_municipality_is_404(api: TestClient, path: str) -> None:
    answer = api.get(path)
    assert answer.status_code == 404
    assert answer.json() == {"codigo": "nao_encontrado", "mensagem": "Município não encontrado"}


def test_service_list(api: TestClient) -> None:
    lista = api.get("/v2/municipios/3550308/itens_lista_servico")
    assert lista.status_code == 200 and lista.headers["X-Total-Count"] == "193"
    assert len(lista.json()) == 100
    assert lista.json()[0] == {"codigo": "01.01",
                               "descricao": "Análise e desenvolvimento de sistemas."}
    resto = api.get("/v2/municipios/3550308/itens_lista_servico", params={"offset": 100})
    assert len(resto.json()) == 93 and resto.json()[-1]["codigo"] == "40.01"
    informatica = api.get("/v2/municipios/3550308/itens_lista_servico",
                          params={"descricao": "INFORMATICA"}).json()
    assert [i["codigo"] for i in informatica] == ["01.06", "01.07"]

    for escrito in ("0107", "01.07", "107", "010701"):
        item = api.get(f"/v2/municipios/5102504/itens_lista_servico/{escrito}")
        assert item.status_code == 200, escrito
        assert item.json()["codigo"] == "01.07"
        assert item.json()["descricao"].startswith("Suporte técnico em informática")
    for ausente in ("9999", "0109", "nada"):
        answer = api.get(f"/v2/municipios/3550308/itens_lista_servico/{ausente}")
        assert answer.status_code == 404
        assert answer.json() == {"codigo": "nao_encontrado",
                                 "mensagem": "Item da lista de serviço não encontrado"}


def test_municipal_codes_are_empty_unless_configured(api: TestClient) -> None:
    vazio = api.get("/v2/municipios/3550308/codigos_tributarios_municipio")
    assert vazio.status_code == 200
    assert vazio.json() == [] and vazio.headers["X-Total-Count"] == "0"
    ausente = api.get("/v2/municipios/3550308/codigos_tributarios_municipio/0107")
    assert ausente.status_code == 404 and ausente.json()["codigo"] == "nao_encontrado"


EXTRA = """
[perfis.quatro_digitos]
padrao = "abrasf"
formato_item_lista = "0107"
codigo_tributario_municipio_obrigatorio_nfse = true

[municipios."5102504"]
perfil = "nacional"

[municipios."3550308"]
perfil = "nacional"

[municipios."2800308"]
perfil = "quatro_digitos"
url_producao = "https://aracaju.example/ws/nfse.asmx"
status_nfse = "inativo"

[municipios."2800308".codigos_tributarios]
"620910000" = "Suporte técnico, manutenção e outros serviços em TI"
"631190000" = "Tratamento de dados, provedores de serviços de aplicação"
"""


def test_operator_file_from_the_settings(tmp_path: Path) -> None:
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(EXTRA, encoding="utf-8")
    for api in cliente(tmp_path, municipios_file=arquivo):
        assert api.get("/v2/municipios/5102504").json()["provedor_nfse"] == "nacional"
        sp = api.get("/v2/municipios/3550308").json()
        assert sp["nfse_habilitada"] is True and sp["sistema_nfse"] is None
        aracaju = api.get("/v2/municipios/2800308").json()
        assert aracaju["provedor_nfse"] == "abrasf"
        assert aracaju["codigo_tributario_municipio_obrigatorio_nfse"] is True
        assert aracaju["status_nfse"] == "inativo"
        inativos = api.get("/v2/municipios", params={"status_nfse": "inativo"})
        assert [m["codigo_municipio"] for m in inativos.json()] == ["2800308"]

        item = api.get("/v2/municipios/2800308/itens_lista_servico/01.07").json()
        assert item["codigo"] == "0107"
        assert api.get("/v2/municipios/2800308/itens_lista_servico").json()[0]["codigo"] == "0101"

        codigos = api.get("/v2/municipios/2800308/codigos_tributarios_municipio")
        assert codigos.headers["X-Total-Count"] == "2"
        assert codigos.json()[0] == {
            "codigo": "620910000",
            "descricao": "Suporte técnico, manutenção e outros serviços em TI"}
        filtrados = api.get("/v2/municipios/2800308/codigos_tributarios_municipio",
                            params={"descricao": "tratamento"}).json()
        assert [c["codigo"] for c in filtrados] == ["631190000"]
        um = api.get("/v2/municipios/2800308/codigos_tributarios_municipio/631190000")
        assert um.status_code == 200 and um.json()["codigo"] == "631190000"
    assert routing.provider_for("5102504") == "abrasf"  # the shipped table again
