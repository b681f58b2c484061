"""Substitution (SPEC §7): a note posted with ``numero_rps_substituido`` naming an authorized
note of the same company is emitted with the DPS ``subst`` group; on authorization the old
note becomes ``substituido`` and each side shows the other's number."""

from __future__ import annotations

import httpx
from lxml import etree

from tests.support import Gateway, nota_exemplo

N = {"n": "http://www.sped.fazenda.gov.br/nfse"}


def test_substitution_chain(gateway: Gateway) -> None:
    original = gateway.autorizar("original", nota_exemplo())
    substituta = gateway.autorizar("substituta", nota_exemplo(
        numero_rps_substituido=original["numero_rps"],
        serie_rps_substituido=original["serie_rps"],
        codigo_motivo_substituicao="99",
        motivo_substituicao="Valor do serviço informado errado"))
    assert substituta["numero_nfse_substituida"] == original["numero"]

    antiga = gateway.client.get("/v2/nfse/original?completa=1").json()
    assert antiga["status"] == "substituido"
    assert antiga["numero_nfse_substituta"] == substituta["numero"]
    assert antiga["historico"][-1]["status"] == "substituido"
    [evento] = antiga["eventos"]
    assert (evento["tipo"], evento["numero_nfse_substituta"]) == ("105102", substituta["numero"])

    xml = httpx.get(gateway.base_url + substituta["caminho_xml_nota_fiscal"]).content
    subst = etree.fromstring(xml).find(".//n:infDPS/n:subst", N)
    assert subst.findtext("n:chSubstda", namespaces=N) == original["chave_acesso"]
    assert subst.findtext("n:cMotivo", namespaces=N) == "99"
    assert subst.findtext("n:xMotivo", namespaces=N) == "Valor do serviço informado errado"
    emitidas = {e["chaveAcesso"]: e for e in gateway.sandbox.emitidas()}
    assert emitidas[original["chave_acesso"]]["cancelada"] is True  # event 105102
    assert emitidas[substituta["chave_acesso"]]["cancelada"] is False

    again = gateway.client.post("/v2/nfse?ref=terceira", json=nota_exemplo(
        numero_rps_substituido=original["numero_rps"],
        serie_rps_substituido=original["serie_rps"]))
    assert again.status_code == 400
    assert "substituido" in again.json()["mensagem"]
    cancel = gateway.client.request("DELETE", "/v2/nfse/original",
                                    json={"justificativa": "Tentativa de cancelar"})
    assert cancel.json()["codigo"] == "nfe_nao_autorizada"
    cancel = gateway.client.request("DELETE", "/v2/nfse/substituta",
                                    json={"justificativa": "Cancelamento da substituta"})
    assert cancel.json() == {"status": "cancelado"}
    [evento] = gateway.client.get("/v2/nfse/substituta?completa=1").json()["eventos"]
    assert evento["tipo"] == "101101" and evento["descricao"] == "Cancelamento de NFS-e"
    assert httpx.get(gateway.base_url + evento["caminho_xml"]).status_code == 200


def test_substituting_an_unknown_rps_is_refused_at_post(gateway: Gateway) -> None:
    answer = gateway.client.post("/v2/nfse?ref=orfa", json=nota_exemplo(
        numero_rps_substituido="999", serie_rps_substituido="1"))
    assert answer.status_code == 400
    body = answer.json()
    assert body["codigo"] == "requisicao_invalida"
    assert body["erros"][0]["campo"] == "numero_rps_substituido"
    bad = gateway.client.post("/v2/nfse?ref=orfa", json=nota_exemplo(
        numero_rps_substituido="1", serie_rps_substituido="1", codigo_motivo_substituicao=7))
    assert bad.status_code == 400
    assert bad.json()["erros"][0]["campo"] == "codigo_motivo_substituicao"
