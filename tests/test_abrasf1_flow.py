"""A Ginfes municipality (Guarulhos/SP) through the same contract: the seed-shaped note goes
as an ABRASF 1.0 lot to the sandbox, is still processing at the first situation query,
comes back authorized (GET /v2/nfse, its XML, public page and DANFSe), and is cancelled with
DELETE; a lost answer is reconciled, not resent."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree
from pypdf import PdfReader

from nfse.providers.abrasf1 import esquema
from nfse.sandbox.abrasf1 import Abrasf1Sandbox
from tests.abrasf1_support import homologacao_abrasf1
from tests.support import Gateway, nota_exemplo, pasta_sandbox

GUARULHOS = "3518800"
T = {"t": "http://www.ginfes.com.br/tipos_v03.xsd"}


@pytest.fixture
def ginfes(gateway: Gateway, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Abrasf1Sandbox]:
    """The ABRASF 1.0 sandbox beside the gateway's: every abrasf_v1 homologação goes to it
    (``NFSE_ABRASF_V1_URL_HOMOLOGACAO``, as an operator would point it)."""
    with homologacao_abrasf1(gateway, Abrasf1Sandbox(
            pasta_sandbox(tmp_path / "sandbox-ginfes"), sistema="Ginfes"), monkeypatch) as box:
        yield box


def nota_ginfes(**overrides: object) -> dict:
    body = nota_exemplo(**overrides)
    body["prestador"]["codigo_municipio"] = GUARULHOS
    return body


def test_emit_query_and_cancel_through_v2_nfse(gateway: Gateway,
                                                ginfes: Abrasf1Sandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{GUARULHOS}").json()
    assert municipio["provedor_nfse"] == "abrasf_v1"
    nota = gateway.autorizar("ginfes-1", nota_ginfes())
    (emitida,) = ginfes.emitidas()
    assert nota["numero"] == str(emitida["numero"])
    assert nota["codigo_verificacao"] == emitida["codigo_verificacao"]
    (lote,) = ginfes.lotes()
    assert lote["situacao"] == "4" and lote["consultas"] >= 1  # waited once: asynchronous
    xml = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content
    inf = etree.fromstring(xml).find(".//t:InfNfse", T)
    assert inf.findtext("t:Numero", namespaces=T) == nota["numero"]
    assert inf.findtext("t:Servico/t:Discriminacao", namespaces=T) == \
        "Nota fiscal referente a serviços prestados"
    page = httpx.get(nota["url"])
    assert page.status_code == 200 and nota["codigo_verificacao"] in page.text
    pdf = httpx.get(nota["url_danfse"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    texto = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert nota["codigo_verificacao"] in texto and "SEM VALIDADE JURÍDICA" in texto

    cancel = gateway.client.request("DELETE", "/v2/nfse/ginfes-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    cancelada = gateway.client.get("/v2/nfse/ginfes-1?completa=1").json()
    assert cancelada["status"] == "cancelado"
    resposta = httpx.get(gateway.base_url + cancelada["caminho_xml_cancelamento"]).content
    assert etree.fromstring(resposta).findtext(".//t:Sucesso", namespaces=T) == "true"
    assert [e["status"] for e in ginfes.emitidas()] == ["cancelada"]


def test_a_lot_unprocessed_for_a_while_is_reconciled_into_one_note(
        gateway: Gateway, ginfes: Abrasf1Sandbox) -> None:
    ginfes.pendencia(consultas_pendentes=0, atraso=2.5)  # longer than the provider's polls
    nota = gateway.autorizar("ginfes-lento", nota_ginfes())
    assert [e["numero"] for e in ginfes.emitidas()] == [int(nota["numero"])]
    assert len(ginfes.lotes()) == 1  # the RPS answered E92 while waiting: never resent


def test_lost_answer_of_the_lot_is_reconciled_not_resent(gateway: Gateway,
                                                          ginfes: Abrasf1Sandbox) -> None:
    ginfes.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    nota = gateway.autorizar("ginfes-perdida", nota_ginfes())
    assert [e["numero"] for e in ginfes.emitidas()] == [int(nota["numero"])]


def test_municipality_errors_are_surfaced(gateway: Gateway, ginfes: Abrasf1Sandbox) -> None:
    body = nota_ginfes()
    body["tomador"]["cnpj"] = body["prestador"]["cnpj"]  # the sandbox refuses (E52)
    assert gateway.client.post("/v2/nfse?ref=ginfes-erro", json=body).status_code == 202
    nota = gateway.wait_final("ginfes-erro")
    assert nota["status"] == "erro_autorizacao"
    assert nota["erros"][0]["codigo"] == "E52"


def test_lost_answer_of_the_cancellation_is_confirmed_by_the_query(
        gateway: Gateway, ginfes: Abrasf1Sandbox) -> None:
    gateway.autorizar("ginfes-cancel-perdido", nota_ginfes())
    ginfes.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    cancel = gateway.client.request("DELETE", "/v2/nfse/ginfes-cancel-perdido",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert [e["status"] for e in ginfes.emitidas()] == ["cancelada"]


def test_dry_run_builds_the_signed_lot_and_sends_nothing(gateway: Gateway,
                                                         ginfes: Abrasf1Sandbox) -> None:
    answer = gateway.client.post("/v2/nfse?ref=ginfes-ensaio&dry_run=1", json=nota_ginfes())
    assert answer.status_code == 200
    body = answer.json()
    assert body["valido"] is True, body
    assert body["provedor"] == "abrasf_v1"
    envio = etree.fromstring(body["rps_xml"].encode())
    assert esquema.problemas(envio) == []
    assert ginfes.lotes() == [] and ginfes.emitidas() == []


def test_a_prestador_without_cnpj_is_refused_at_post(gateway: Gateway,
                                                      ginfes: Abrasf1Sandbox) -> None:
    body = nota_ginfes()
    body["prestador"] = {"cpf": "52998224725", "inscricao_municipal": "12345",
                         "codigo_municipio": GUARULHOS}
    answer = gateway.client.post("/v2/nfse?ref=ginfes-cpf", json=body)
    assert answer.status_code == 400, answer.text
    assert "prestador.cnpj" in answer.text


def test_a_substitution_is_refused_at_post(gateway: Gateway, ginfes: Abrasf1Sandbox) -> None:
    """The provider does not substitute notes: the API says so at once."""
    answer = gateway.client.post("/v2/nfse?ref=ginfes-subst", json=nota_ginfes(
        numero_rps_substituido="7", serie_rps_substituido="1"))
    assert answer.status_code == 400, answer.text
    assert "substituição" in answer.text.lower()
    assert ginfes.lotes() == []
