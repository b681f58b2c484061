"""``/v2/empresas`` with an administrator token (SPEC §5): certificates checked with the
contract's errors, tokens shown to the administrator only, listing, numbering settings,
deletion that keeps the notes, and the rules a note's POST applies to its company."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import update

from nfse.api.app import create_app
from nfse.certs.generate import generate_a1, generate_ca
from nfse.runtime import Runtime
from nfse.store import admin_tokens, notas
from nfse.store.tables import empresas
from nfse.work import worker as worker_module
from tests.support import CNPJ, Gateway, empresa_teste, nota_exemplo

OUTRO = "07504505000132"


def pfx_b64(cnpj: str = OUTRO, **kwargs: object) -> str:
    return base64.b64encode(generate_a1(cnpj, "OUTRA EMPRESA LTDA", **kwargs)
                            .to_pfx("senha")).decode()


def empresa(**extra: object) -> dict:
    return {"cnpj": OUTRO, "nome": "OUTRA EMPRESA LTDA", "inscricao_municipal": "999",
            "codigo_municipio": "4106902", "arquivo_certificado_base64": pfx_b64(),
            "senha_certificado": "senha", **extra}


@pytest.fixture
def admin(runtime: Runtime) -> Iterator[TestClient]:
    runtime.settings.rate_limit = 100_000
    with runtime.engine.begin() as conn:
        token = admin_tokens.criar(conn, "teste")
    with TestClient(create_app(runtime)) as client:
        client.auth = (token, "")
        yield client


def test_create_shows_tokens_never_secrets(admin: TestClient) -> None:
    answer = admin.post("/v2/empresas", json={"empresa": empresa(senha_responsavel="x1")})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["cnpj"] == OUTRO and body["nome"] == "OUTRA EMPRESA LTDA"
    assert body["token_producao"] and body["token_homologacao"]
    assert body["certificado_cnpj"] == OUTRO and body["certificado_valido_ate"]
    assert body["senha_responsavel_preenchida"] is True
    text = answer.text
    for secret in ("senha_certificado", "arquivo_certificado_base64", '"senha_responsavel"'):
        assert secret not in text
    shown = admin.get(f"/v2/empresas/{body['id']}").json()
    assert shown["token_homologacao"] == body["token_homologacao"]
    works = admin.get("/v2/nfse/nada", auth=(body["token_homologacao"], ""))
    assert works.status_code == 404 and works.json()["codigo"] == "nao_encontrado"


def test_certificate_errors_are_422_with_the_reason(admin: TestClient) -> None:
    wrong = admin.post("/v2/empresas", json=empresa(senha_certificado="errada"))
    assert wrong.status_code == 422
    assert wrong.json() == {"codigo": "erro_validacao", "mensagem":
                            "Senha do certificado incorreta"}
    other = admin.post("/v2/empresas", json=empresa(arquivo_certificado_base64=pfx_b64(CNPJ)))
    assert other.status_code == 422 and CNPJ in other.json()["mensagem"]
    expired = admin.post("/v2/empresas", json=empresa(arquivo_certificado_base64=pfx_b64(
        not_before=datetime.now(UTC) - timedelta(days=400), days=30)))
    assert expired.status_code == 422 and "vencido" in expired.json()["mensagem"]
    garbage = admin.post("/v2/empresas", json=empresa(arquivo_certificado_base64="bm90IGEgcGZ4"))
    assert garbage.status_code == 422
    assert admin.get("/v2/empresas").json() == []  # nothing was created


def test_dry_run_listing_and_filters(admin: TestClient) -> None:
    dry = admin.post("/v2/empresas?dry_run=1", json=empresa())
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    assert admin.get("/v2/empresas").headers["X-Total-Count"] == "0"
    admin.post("/v2/empresas", json=empresa())
    admin.post("/v2/empresas", json=empresa(cnpj=CNPJ, arquivo_certificado_base64=pfx_b64(CNPJ)))
    page = admin.get("/v2/empresas?offset=1")
    assert page.headers["X-Total-Count"] == "2" and len(page.json()) == 1
    found = admin.get("/v2/empresas", params={"cnpj": "07.504.505/0001-32"}).json()
    assert [e["cnpj"] for e in found] == [OUTRO]
    duplicate = admin.post("/v2/empresas", json=empresa())
    assert duplicate.status_code == 400


def test_company_tokens_and_anonymous_callers_are_refused(admin: TestClient,
                                                          runtime: Runtime) -> None:
    token, _ = empresa_teste(runtime)
    as_company = admin.get("/v2/empresas", auth=(token, ""))
    assert as_company.status_code == 403 and as_company.json()["codigo"] == "permissao_negada"
    assert admin.get("/v2/empresas", auth=("desconhecido", "")).status_code == 401


def test_update_numbering_and_refusals(admin: TestClient, runtime: Runtime) -> None:
    created = admin.post("/v2/empresas", json=empresa()).json()
    url = f"/v2/empresas/{created['id']}"
    changed = admin.put(url, json={"proximo_numero_nfse_homologacao": 100,
                                   "serie_nfse_homologacao": "7", "email": "a@b.test"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["proximo_numero_nfse_homologacao"] == 100
    assert changed.json()["serie_nfse_homologacao"] == "7"
    with runtime.engine.begin() as conn:
        nota_id = notas.aceitar(conn, empresa_id=created["id"], ambiente="homologacao",
                                ref="n1", requisicao=nota_exemplo(), cnpj_prestador=OUTRO,
                                provider="nacional", modelo="nfse")
    assert list(notas.claim(runtime.engine, "w", 1, timedelta(seconds=60))) == [nota_id]
    with runtime.engine.connect() as conn:
        row = notas.get(conn, nota_id)
    assert (row.serie_rps, row.numero_rps) == ("7", 100)
    lower = admin.put(url, json={"proximo_numero_nfse_homologacao": 50})
    assert lower.status_code == 400 and "100" in lower.json()["mensagem"]
    assert admin.put(url, json={"cnpj": CNPJ}).status_code == 400
    dry = admin.put(f"{url}?dry_run=1", json={"nome": "NOVO NOME"})
    assert dry.status_code == 200 and admin.get(url).json()["nome"] == "OUTRA EMPRESA LTDA"
    assert admin.put("/v2/empresas/9999", json={"nome": "X"}).status_code == 404


def test_a_company_name_cannot_be_emptied(admin: TestClient) -> None:
    """The name is required on creation and stays required: a PUT that clears it (null,
    blank) is a 400 naming the field, never a 500, and the company keeps its name."""
    url = f"/v2/empresas/{admin.post('/v2/empresas', json=empresa()).json()['id']}"
    for vazio in (None, "", "   "):
        answer = admin.put(url, json={"nome": vazio, "email": "novo@b.test"})
        assert answer.status_code == 400, answer.text
        assert answer.json()["codigo"] == "requisicao_invalida"
        assert "nome" in answer.text
    for vazio in (None, ""):
        answer = admin.put(url, json={"inscricao_municipal": vazio})
        assert answer.status_code == 400, answer.text
        assert "inscricao_municipal" in answer.text
    shown = admin.get(url).json()
    assert shown["nome"] == "OUTRA EMPRESA LTDA" and shown["email"] != "novo@b.test"
    assert shown["inscricao_municipal"]


def test_note_rules_follow_the_company(gateway: Gateway, runtime: Runtime) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(update(empresas).values(
            certificado_valido_ate=datetime.now(UTC) - timedelta(days=1)))
    gateway.runtime.settings.rate_limit = 100_000
    answer = gateway.client.post("/v2/nfse?ref=velho", json=nota_exemplo())
    # the token's company is cached up to 5 s: wait it out
    deadline = datetime.now(UTC) + timedelta(seconds=7)
    while answer.status_code == 202 and datetime.now(UTC) < deadline:
        answer = gateway.client.post("/v2/nfse?ref=velho2", json=nota_exemplo())
    assert answer.status_code == 400 and answer.json()["codigo"] == "certificado_vencido"


def test_delete_revokes_access_and_keeps_the_notes(gateway: Gateway) -> None:
    with gateway.runtime.engine.begin() as conn:
        token = admin_tokens.criar(conn)
    assert gateway.client.post("/v2/nfse?ref=guardada", json=nota_exemplo()).status_code == 202
    nota = gateway.wait_final("guardada")
    completa = gateway.client.get("/v2/nfse/guardada?completa=1").json()
    assert "avisos" not in completa  # a one-year certificate raises no warning
    with httpx.Client(base_url=gateway.base_url, auth=(token, "")) as admin:
        [company] = admin.get("/v2/empresas").json()
        rotated = admin.post(f"/v2/empresas/{company['id']}/tokens").json()
        assert rotated["token_homologacao"] != gateway.token
        assert gateway.client.get("/v2/nfse/guardada").status_code == 401
        deleted = admin.delete(f"/v2/empresas/{company['id']}")
        assert deleted.status_code == 200 and deleted.json()["excluida"] is True
        with httpx.Client(base_url=gateway.base_url,
                          auth=(rotated["token_homologacao"], "")) as old:
            assert old.get("/v2/nfse/guardada").status_code == 401
        assert admin.get(f"/v2/empresas/{company['id']}").status_code == 404
        export = admin.get(f"/v2/empresas/{company['id']}/export")
    assert export.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(export.content)).namelist()
    assert names == [f"homologacao/guardada-{nota['numero']}-nfse.xml"]


def _assinante_da_dps(gateway: Gateway, nota: dict) -> bytes:
    """The certificate (DER) that signed the DPS inside the note's authorized NFS-e."""
    xml = etree.fromstring(httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content)
    [cert] = xml.xpath("//n:DPS/ds:Signature//ds:X509Certificate/text()", namespaces={
        "n": "http://www.sped.fazenda.gov.br/nfse", "ds": "http://www.w3.org/2000/09/xmldsig#"})
    return base64.b64decode(cert)


def test_a_renewed_certificate_signs_the_next_notes(gateway: Gateway,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A company renews its A1 (PUT /v2/empresas): the running worker signs the next notes
    with the new one, once it reads the company again, without a restart."""
    monkeypatch.setattr(worker_module, "EMPRESA_TTL", 0.0)
    antes = gateway.autorizar("antes", nota_exemplo())
    assert _assinante_da_dps(gateway, antes) == gateway.a1.cert.public_bytes(Encoding.DER)

    # issued by a CA the authority trusts, as ICP-Brasil's are (a second self-signed
    # certificate with the first one's name would not pass TLS: the name finds the first)
    ac = generate_ca("AC TESTE")
    novo = generate_a1(CNPJ, "EMPRESA TESTE LTDA", issuer=ac, days=730)
    gateway.sandbox.trust(ac.cert)
    with gateway.runtime.engine.begin() as conn:
        token = admin_tokens.criar(conn)
    with httpx.Client(base_url=gateway.base_url, auth=(token, "")) as admin:
        [company] = admin.get("/v2/empresas").json()
        renewed = admin.put(f"/v2/empresas/{company['id']}", json={
            "arquivo_certificado_base64": base64.b64encode(novo.to_pfx("nova")).decode(),
            "senha_certificado": "nova"})
    assert renewed.status_code == 200, renewed.text

    depois = gateway.autorizar("depois", nota_exemplo())
    assert _assinante_da_dps(gateway, depois) == novo.cert.public_bytes(Encoding.DER)
