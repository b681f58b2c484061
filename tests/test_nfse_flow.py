"""The whole path of SPEC §2 on real sockets: POST → worker → sandbox (mutual TLS) → GET,
public documents, cancellation, and the contract's error codes."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from importlib import resources

import httpx
from lxml import etree

from nfse.certs.a1 import document_of
from nfse.sandbox.nacional.assinatura import verificar
from nfse.xml.validate import nacional_schema_dir, validate
from tests.support import CNPJ, MUNICIPIO, Gateway, nota_exemplo

NS = {"n": "http://www.sped.fazenda.gov.br/nfse", "ds": "http://www.w3.org/2000/09/xmldsig#"}


def nfse_schema() -> etree.XMLSchema:
    path = resources.files("nfelib") / "nfse" / "schemas" / "v1_0" / "NFSe_v1.01.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def post(gw: Gateway, ref: str, body: object) -> httpx.Response:
    """As the seed's clients do: ``data=json.dumps(...)``, no Content-Type header."""
    return httpx.post(f"{gw.base_url}/v2/nfse", params={"ref": ref},
                      content=json.dumps(body).encode(), auth=(gw.token, ""))


def test_note_is_authorized_and_its_documents_are_public(gateway: Gateway) -> None:
    answer = post(gateway, "nota-1", nota_exemplo())
    assert answer.status_code == 202
    assert answer.json() == {"cnpj_prestador": CNPJ, "ref": "nota-1",
                             "status": "processando_autorizacao"}

    nota = gateway.wait_final("nota-1")
    assert nota["status"] == "autorizado", nota
    for field in ("numero", "codigo_verificacao", "data_emissao", "url", "url_danfse",
                  "caminho_xml_nota_fiscal", "numero_rps", "serie_rps", "chave_acesso"):
        assert nota.get(field), field
    assert nota["numero_rps"] == "1" and nota["serie_rps"] == "1"
    assert len(nota["chave_acesso"]) == 50
    assert nota["data_emissao"].endswith("-03:00")

    xml = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"])  # no token
    assert xml.status_code == 200
    doc = etree.fromstring(xml.content)
    schema = nfse_schema()
    assert schema.validate(doc), schema.error_log
    assert doc.findtext("n:infNFSe/n:nNFSe", namespaces=NS) == nota["numero"]
    dh_proc = datetime.fromisoformat(doc.findtext("n:infNFSe/n:dhProc", namespaces=NS))
    assert datetime.fromisoformat(nota["data_autorizacao"]) == dh_proc
    assert nota["data_emissao"] == "2017-09-21T22:15:00-03:00"  # as sent
    dps = doc.find("n:infNFSe/n:DPS", NS)
    assert dps is not None and dps.find("ds:Signature", NS) is not None
    assert document_of(verificar(dps)) == CNPJ  # signed by the company's A1
    verificar(doc)  # and the note by the authority
    assert dps.findtext("n:infDPS/n:prest/n:CNPJ", namespaces=NS) == CNPJ

    pdf = httpx.get(nota["url_danfse"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    view = httpx.get(nota["url"])
    assert view.status_code == 200 and nota["numero"] in view.text
    assert view.headers["content-type"].startswith("text/html")
    assert "Franca/SP" in view.text and "NOTA CANCELADA" not in view.text
    assert f"ConsultaPublica/?tpc=1&amp;chave={nota['chave_acesso']}" in view.text
    assert "<svg" in view.text

    again = post(gateway, "nota-1", nota_exemplo())
    assert again.status_code == 422
    assert again.json()["codigo"] == "nfe_autorizada"


def test_cancellation(gateway: Gateway) -> None:
    post(gateway, "cancelar", nota_exemplo())
    assert gateway.wait_final("cancelar")["status"] == "autorizado"

    short = gateway.client.request("DELETE", "/v2/nfse/cancelar",
                                   content=json.dumps({"justificativa": "curta"}))
    assert short.status_code == 400
    assert short.json()["codigo"] == "requisicao_invalida"

    justificativa = {"justificativa": "Nota emitida com valor incorreto"}
    done = gateway.client.request("DELETE", "/v2/nfse/cancelar", content=json.dumps(justificativa))
    assert done.status_code == 200 and done.json() == {"status": "cancelado"}

    nota = gateway.client.get("/v2/nfse/cancelar").json()
    assert nota["status"] == "cancelado"
    event = httpx.get(gateway.base_url + nota["caminho_xml_cancelamento"])
    assert event.status_code == 200
    assert b"101101" in event.content and nota["chave_acesso"].encode() in event.content
    view = httpx.get(nota["url"])
    assert view.status_code == 200 and "NOTA CANCELADA" in view.text

    twice = gateway.client.request("DELETE", "/v2/nfse/cancelar", content=json.dumps(justificativa))
    assert twice.status_code == 400
    assert twice.json() == {"codigo": "nfe_cancelada", "mensagem": "Nota Fiscal já cancelada"}
    assert {e["cancelada"] for e in gateway.sandbox.emitidas()} == {True}


def test_rejection_by_the_authority_is_reported_and_the_ref_can_be_reused(
        gateway: Gateway) -> None:
    # a competência before the municipality joined the convênio (E0016): only the authority
    # knows (a competência after the emission, E0015, is refused at POST: the gateway checks it)
    assert post(gateway, "antes", nota_exemplo(data_competencia="2017-10-01")).status_code == 400
    gateway.sandbox.parametrizacao.definir(MUNICIPIO, ativacao=date(2020, 1, 1))
    post(gateway, "rejeitada", nota_exemplo())
    nota = gateway.wait_final("rejeitada")
    assert nota["status"] == "erro_autorizacao"
    assert nota["erros"] and {"codigo", "mensagem", "correcao"} <= set(nota["erros"][0])
    assert any(e["codigo"] == "E0016" for e in nota["erros"]), nota["erros"]

    gateway.sandbox.parametrizacao.definir(MUNICIPIO)
    retry = post(gateway, "rejeitada", nota_exemplo())
    assert retry.status_code == 202
    assert gateway.wait_final("rejeitada")["status"] == "autorizado"


def test_errors_of_the_contract(gateway: Gateway) -> None:
    body = nota_exemplo()
    del body["prestador"]["codigo_municipio"]
    bad = post(gateway, "sem-municipio", body)
    assert bad.status_code == 400
    assert bad.json()["codigo"] == "requisicao_invalida"
    assert "prestador.codigo_municipio" in bad.json()["mensagem"]
    assert any("prestador.codigo_municipio" in e["mensagem"] for e in bad.json()["erros"])

    assert post(gateway, "ref com espaço", nota_exemplo()).status_code == 400
    not_json = httpx.post(f"{gateway.base_url}/v2/nfse?ref=x", content=b"<xml/>",
                          auth=(gateway.token, ""))
    assert not_json.status_code == 415 and not_json.json()["codigo"] == "requisicao_invalida"

    missing = gateway.client.get("/v2/nfse/nao-existe")
    assert missing.status_code == 404 and missing.json()["codigo"] == "nao_encontrado"
    assert gateway.client.request(
        "DELETE", "/v2/nfse/nao-existe",
        content=json.dumps({"justificativa": "x" * 20})).status_code == 404

    wrong = httpx.get(f"{gateway.base_url}/v2/nfse/x", auth=("token-errado", ""))
    assert wrong.status_code == 401
    assert httpx.get(f"{gateway.base_url}/v2/nfse/x").status_code == 401
    by_query = httpx.get(f"{gateway.base_url}/v2/nfse/nao-existe",
                         params={"token": gateway.token})
    assert by_query.status_code == 404

    other = nota_exemplo()
    other["prestador"]["cnpj"] = "07504505000132"
    other["tomador"]["cnpj"] = CNPJ  # not the prestador (E0202)
    refused = post(gateway, "outra-empresa", other)
    assert refused.status_code == 400 and refused.json()["codigo"] == "empresa_nao_habilitada"

    answer = gateway.client.get("/v2/nfse/nao-existe")
    limit = gateway.runtime.settings.rate_limit
    assert answer.headers["Rate-Limit-Limit"] == str(limit)
    assert 0 <= int(answer.headers["Rate-Limit-Remaining"]) < limit
    assert 0 <= int(answer.headers["Rate-Limit-Reset"]) <= 60


def test_basic_auth_header_forms(gateway: Gateway) -> None:
    header = "Basic " + base64.b64encode(f"{gateway.token}:".encode()).decode()
    answer = httpx.get(f"{gateway.base_url}/v2/nfse/nada", headers={"Authorization": header})
    assert answer.status_code == 404


def test_ibs_cbs_classification_reaches_the_authorized_xml(gateway: Gateway) -> None:
    servico = nota_exemplo()["servico"] | {
        "codigo_indicador_operacao": "100301", "ibs_cbs_situacao_tributaria": "000",
        "ibs_cbs_classificacao_tributaria": "000001", "codigo_nbs": "115021000"}  # E0322
    corpo = nota_exemplo(servico=servico, data_emissao="2026-11-20T10:00:00-03:00")  # E0850
    assert post(gateway, "reforma", corpo).status_code == 202
    nota = gateway.wait_final("reforma")
    assert nota["status"] == "autorizado", nota
    xml = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content
    assert b"<cIndOp>100301</cIndOp>" in xml and b"<cClassTrib>000001</cClassTrib>" in xml
    assert validate(etree.fromstring(xml), nacional_schema_dir() / "NFSe_v1.01.xsd") == []
    # the values the authority computed: IBS/CBS at the 2026 test rates (the ISS of a não
    # optante comes from the municipal parameters: the DPS carries no pAliq, E0617)
    valores = nota["valores_nfse"]
    assert {k: v for k, v in valores.items() if k.startswith(("ibs", "cbs", "valor_total"))} == {
        "ibs_cbs_base_calculo": "1.00", "ibs_uf_aliquota": "0.10",
        "ibs_mun_aliquota": "0.00", "cbs_aliquota": "0.90", "ibs_uf_valor": "0.00",
        "ibs_mun_valor": "0.00", "ibs_valor": "0.00", "cbs_valor": "0.01",
        "valor_total_nfse": "1.00"}
    assert valores["valor_liquido"] == "1.00"
