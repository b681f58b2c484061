"""The 400 empresa_nao_habilitada says what is wrong: a prestador that is not the token's
company (both documents named), or the token's own company with issuance disabled (named
once, not as if it were another company)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from nfse.api.app import create_app
from nfse.runtime import Runtime
from nfse.store.tables import empresas
from tests.support import CNPJ, empresa_teste, nota_exemplo

OUTRO = "07504505000132"


@pytest.fixture
def token(runtime: Runtime) -> str:
    return empresa_teste(runtime)[0]


@pytest.fixture
def client(runtime: Runtime, token: str) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        test_client.auth = (token, "")
        yield test_client


def _erro(client: TestClient, body: dict) -> dict:
    answer = client.post("/v2/nfse?ref=r1", content=json.dumps(body))
    assert answer.status_code == 400, answer.text
    assert answer.json()["codigo"] == "empresa_nao_habilitada"
    [erro] = answer.json()["erros"]
    return erro


def test_another_companys_prestador_names_both(client: TestClient) -> None:
    body = nota_exemplo()
    body["prestador"]["cnpj"] = OUTRO
    body["tomador"]["cnpj"] = "11444777000161"  # not the prestador (E0202 would answer first)
    erro = _erro(client, body)
    assert erro["mensagem"] == (f"O prestador {OUTRO} não é a empresa deste token ({CNPJ})")
    assert erro["correcao"]


def test_a_disabled_company_is_named_once(runtime: Runtime, token: str) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(update(empresas).values(habilita_nfse=False))
    with TestClient(create_app(runtime)) as client:
        client.auth = (token, "")
        erro = _erro(client, nota_exemplo())
    assert erro["mensagem"].count(CNPJ) == 1
    assert "desabilitada" in erro["mensagem"] and "não é a empresa" not in erro["mensagem"]
