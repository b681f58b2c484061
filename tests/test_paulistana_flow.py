"""São Paulo (NFS-e Paulistana) through the same contract: a note of a prestador in São
Paulo goes over SOAP 1.2 to the Paulistana sandbox, comes back authorized with its number and
verification code, is cancelled; a lost answer is reconciled by ConsultaNFe, never resent."""

from __future__ import annotations

import httpx
from lxml import etree
from sqlalchemy import select

from nfse.sandbox.paulistana import PaulistanaSandbox
from nfse.store.tables import artefatos
from tests.support import Gateway, nota_exemplo

SAO_PAULO = "3550308"


def nota_sp(**overrides: object) -> dict:
    body = nota_exemplo(**overrides)
    body["prestador"].update(codigo_municipio=SAO_PAULO, inscricao_municipal="31000000")
    body["servico"]["codigo_tributario_municipio"] = "02658"
    return body


def test_note_is_issued_queried_and_cancelled(gateway: Gateway,
                                              paulistana: PaulistanaSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{SAO_PAULO}").json()
    assert municipio["provedor_nfse"] == "paulistana"
    assert municipio["nfse_habilitada"] is True
    nota = gateway.autorizar("sp-1", nota_sp())
    assert nota["numero"] == "1"
    assert len(nota["codigo_verificacao"]) == 8
    [emitida] = paulistana.emitidas()
    assert emitida["codigo_verificacao"] == nota["codigo_verificacao"]
    assert (emitida["inscricao"], emitida["rps_numero"]) == ("31000000", int(nota["numero_rps"]))
    xml = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content
    nfe = etree.fromstring(xml)
    assert nfe.findtext("ChaveNFe/NumeroNFe") == "1"
    assert nfe.findtext("Discriminacao") == "Nota fiscal referente a serviços prestados"

    cancel = gateway.client.request("DELETE", "/v2/nfse/sp-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/sp-1").json()["status"] == "cancelado"
    assert [e["status"] for e in paulistana.emitidas()] == ["cancelada"]


def test_lost_answer_is_reconciled_not_resent(gateway: Gateway,
                                              paulistana: PaulistanaSandbox) -> None:
    paulistana.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    nota = gateway.autorizar("sp-perdida", nota_sp())
    [emitida] = paulistana.emitidas()  # issued once, found by ConsultaNFe
    assert str(emitida["numero"]) == nota["numero"]
    assert emitida["codigo_verificacao"] == nota["codigo_verificacao"]
    with gateway.runtime.engine.connect() as conn:
        kinds = list(conn.execute(select(artefatos.c.kind)).scalars())
    assert kinds.count("exchange:emissao:request") == 1  # sent once, never resent
    assert "exchange:consulta_rps:response" in kinds


def test_a_lost_cancel_answer_is_reconciled(gateway: Gateway,
                                            paulistana: PaulistanaSandbox) -> None:
    gateway.autorizar("sp-c", nota_sp())
    paulistana.inject("reset")
    cancel = gateway.client.request("DELETE", "/v2/nfse/sp-c",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert [e["status"] for e in paulistana.emitidas()] == ["cancelada"]


def test_layout_problems_are_a_400(gateway: Gateway, paulistana: PaulistanaSandbox) -> None:
    body = nota_sp()
    body["servico"]["codigo_tributario_municipio"] = "620910000"
    answer = gateway.client.post("/v2/nfse?ref=sp-400", json=body)
    assert answer.status_code == 400
    assert any(e["campo"] == "servico.codigo_tributario_municipio"
               for e in answer.json()["erros"]) or "codigo_tributario" in answer.text
    assert paulistana.emitidas() == []


def test_dry_run_shows_the_signed_request(gateway: Gateway,
                                          paulistana: PaulistanaSandbox) -> None:
    answer = gateway.client.post("/v2/nfse?ref=sp-ensaio&dry_run=1", json=nota_sp())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["valido"] is True, body
    pedido = etree.fromstring(body["rps_xml"].encode())
    assert etree.QName(pedido).localname == "PedidoEnvioRPS"
    assert pedido.findtext("RPS/ChaveRPS/InscricaoPrestador") == "31000000"
    assert paulistana.emitidas() == []
