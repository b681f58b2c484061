"""The ``/v2/nfsen`` door (SPEC §3): the flat body of the Focus NFS-e Nacional API goes the
same way as ``/v2/nfse`` (same DPS, same sandbox) and answers with the access key as
``codigo_verificacao`` and the national consultation as ``url``."""

from __future__ import annotations

import time

import httpx
from lxml import etree
from sqlalchemy import update

from nfse.store import admin_tokens
from nfse.store.numbering import definir_proximo
from nfse.store.tables import empresas
from tests.support import CNPJ, Gateway, nota_plana

N = {"n": "http://www.sped.fazenda.gov.br/nfse"}


def wait_final(gateway: Gateway, ref: str) -> dict:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        body = gateway.client.get(f"/v2/nfsen/{ref}").json()
        if body.get("status") != "processando_autorizacao":
            return body
        time.sleep(0.05)
    raise AssertionError(f"{ref} still processing")


def test_flat_note_is_authorized_and_answers_with_its_key(gateway: Gateway) -> None:
    accepted = gateway.client.post("/v2/nfsen?ref=plana-1", json=nota_plana())
    assert accepted.status_code == 202, accepted.text
    assert accepted.json() == {"cnpj_prestador": CNPJ, "ref": "plana-1",
                               "status": "processando_autorizacao"}
    nota = wait_final(gateway, "plana-1")
    assert nota["status"] == "autorizado", nota
    assert len(nota["codigo_verificacao"]) == 50 and nota["codigo_verificacao"].isdigit()
    assert nota["url"] == ("https://www.nfse.gov.br/ConsultaPublica/?tpc=1&chave="
                           + nota["codigo_verificacao"])
    xml = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content
    inf = etree.fromstring(xml).find(".//n:infDPS", N)
    assert inf.findtext("n:serv/n:cServ/n:cTribNac", namespaces=N) == "010701"
    assert inf.findtext("n:toma/n:CNPJ", namespaces=N) == "07504505000132"
    assert gateway.client.get("/v2/nfse/plana-1").status_code == 404  # another door
    cancel = gateway.client.request("DELETE", "/v2/nfsen/plana-1",
                                    json={"justificativa": "Emitida por engano no teste"})
    assert cancel.json() == {"status": "cancelado"}


def test_flat_errors_name_flat_fields(gateway: Gateway) -> None:
    body = nota_plana()
    del body["codigo_municipio_emissora"]
    answer = gateway.client.post("/v2/nfsen?ref=plana-2", json=body)
    assert answer.status_code == 400
    assert answer.json()["mensagem"] == 'Parâmetro "codigo_municipio_emissora" não informado'


def test_nfsen_series_and_enablement_follow_the_company(gateway: Gateway) -> None:
    with gateway.runtime.engine.begin() as conn:
        conn.execute(update(empresas).values(serie_nfsen_homologacao="900"))
        definir_proximo(conn, 1, "homologacao", "900", 6)
    assert gateway.client.post("/v2/nfsen?ref=serie", json=nota_plana()).status_code == 202
    nota = wait_final(gateway, "serie")
    assert (nota["serie_rps"], nota["numero_rps"]) == ("900", "6")
    with gateway.runtime.engine.begin() as conn:
        admin = admin_tokens.criar(conn, "teste")
    disabled = gateway.client.put("/v2/empresas/1", auth=(admin, ""),
                                  json={"habilita_nfsen_homologacao": False})
    assert disabled.status_code == 200, disabled.text
    refused = gateway.client.post("/v2/nfsen?ref=desabilitada", json=nota_plana())
    assert refused.status_code == 400 and refused.json()["codigo"] == "empresa_nao_habilitada"


def test_data_emissao_is_answered_as_sent(gateway: Gateway) -> None:
    """Focus's PHP example offset (``-3:00``) was refused, and GET answered the authority's
    dhProc as data_emissao; the authority's time is data_autorizacao."""
    accepted = gateway.client.post("/v2/nfsen?ref=plana-offset",
                                   json=nota_plana(data_emissao="2026-11-20T10:00:00-3:00"))
    assert accepted.status_code == 202, accepted.text
    nota = wait_final(gateway, "plana-offset")
    assert nota["status"] == "autorizado", nota
    assert nota["data_emissao"] == "2026-11-20T10:00:00-03:00"
    xml = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content
    dh_proc = etree.fromstring(xml).findtext(".//n:infNFSe/n:dhProc", namespaces=N)
    assert nota["data_autorizacao"] == dh_proc


def test_oca_odoo_payload_is_issued_with_its_shares(gateway: Gateway) -> None:
    """The OCA l10n_br_nfse_focus module's payload was answered 400 (all-zero PIS/COFINS
    without CST), and its three tax shares were summed into the federal one."""
    body = nota_plana(
        base_calculo_pis_cofins=0, aliquota_pis="0.00", aliquota_cofins="0.00",
        tipo_retencao_pis_cofins="0", valor_pis=0.0, valor_cofins=0.0,
        percentual_total_tributos_federais="13.45", percentual_total_tributos_estaduais="0.00",
        percentual_total_tributos_municipais="2.00", percentual_aliquota_relativa_municipio=2,
        serie_dps=1, numero_dps=1, emitente_dps=1, telefone_prestador="1633334444",
        codigo_municipio_incidencia=3516200, informacoes_complementares=False)
    accepted = gateway.client.post("/v2/nfsen?ref=plana-oca", json=body)
    assert accepted.status_code == 202, accepted.text
    nota = wait_final(gateway, "plana-oca")
    assert nota["status"] == "autorizado", nota
    xml = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content
    inf = etree.fromstring(xml).find(".//n:infDPS", N)
    tot = "n:valores/n:trib/n:totTrib/n:pTotTrib/"
    assert [inf.findtext(tot + tag, namespaces=N) for tag in (
        "n:pTotTribFed", "n:pTotTribEst", "n:pTotTribMun")] == ["13.45", "0.00", "2.00"]
    assert inf.find("n:valores/n:trib/n:tribFed", N) is None
    assert inf.find("n:valores/n:trib/n:tribMun/n:pAliq", N) is None  # E0617
    assert inf.findtext("n:prest/n:fone", namespaces=N) == "1633334444"
