"""A wrong password and a file that is not a PKCS#12 are told apart (issue 23.5): the user
learns whether to retype the password or to pick another file."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from nfse.api.app import create_app
from nfse.certs.a1 import NaoEPkcs12, SenhaIncorreta, load_pfx
from nfse.certs.generate import generate_a1
from nfse.runtime import Runtime
from nfse.store import admin_tokens


def test_wrong_password_and_not_a_pkcs12_are_different_errors() -> None:
    pfx = generate_a1("11222333000181", "EMPRESA LTDA").to_pfx("segredo")
    with pytest.raises(SenhaIncorreta, match="Senha do certificado incorreta"):
        load_pfx(pfx, "outra")
    for lixo in (b"not a pkcs12", b"", b"\x30\x03\x02\x01\x03", pfx[:40],
                 generate_a1("11222333000181", "X").cert_pem()):
        with pytest.raises(NaoEPkcs12, match=r"não é um certificado PKCS#12 \(\.pfx/\.p12\)"):
            load_pfx(lixo, "segredo")


def test_the_api_tells_them_apart(runtime: Runtime) -> None:
    with runtime.engine.begin() as conn:
        token = admin_tokens.criar(conn, "teste")
    pfx = generate_a1("11222333000181", "EMPRESA LTDA").to_pfx("segredo")
    base = {"nome": "EMPRESA LTDA", "cnpj": "11222333000181", "inscricao_municipal": "1",
            "codigo_municipio": "3516200", "senha_certificado": "outra",
            "arquivo_certificado_base64": base64.b64encode(pfx).decode()}
    with TestClient(create_app(runtime)) as client:
        senha = client.post("/v2/empresas", json=base, auth=(token, ""))
        arquivo = client.post("/v2/empresas", auth=(token, ""), json={
            **base, "arquivo_certificado_base64": base64.b64encode(b"um PDF").decode()})
    assert (senha.status_code, senha.json()["mensagem"]) == (
        422, "Senha do certificado incorreta")
    assert arquivo.status_code == 422
    assert arquivo.json()["mensagem"] == (
        "Certificado digital inválido: o arquivo não é um certificado PKCS#12 (.pfx/.p12)")
