"""Each DPS group the issue lists, end to end: JSON → DPS (XSD-checked before it leaves) →
the NFS-e Nacional sandbox authorizes it → GET autorizado → the authorized XML carries it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from lxml import etree

from nfse.sandbox.nacional.parametrizacao import ISENCAO, Beneficio
from tests.support import MUNICIPIO, Gateway, nota_exemplo, nota_plana
from tests.test_nfsen_flow import wait_final

N = {"n": "http://www.sped.fazenda.gov.br/nfse"}

GRUPOS: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {
    "pis_cofins": ("nfsen", nota_plana(
        situacao_tributaria_pis_cofins="01", base_calculo_pis_cofins=100, aliquota_pis="0.65",
        aliquota_cofins=3, valor_pis="0.65", valor_cofins=3, tipo_retencao_pis_cofins=4,
        valor_csll="1.00",
        valor_cp="1.10"), {
        "n:valores/n:trib/n:tribFed/n:piscofins/n:CST": "01",
        "n:valores/n:trib/n:tribFed/n:piscofins/n:vBCPisCofins": "100.00",
        "n:valores/n:trib/n:tribFed/n:piscofins/n:pAliqCofins": "3.00",
        "n:valores/n:trib/n:tribFed/n:piscofins/n:vPis": "0.65",
        "n:valores/n:trib/n:tribFed/n:piscofins/n:tpRetPisCofins": "4",
        "n:valores/n:trib/n:tribFed/n:vRetCP": "1.10"}),
    "intermediario": ("nfse", nota_exemplo(intermediario={
        "cnpj": "11444777000161", "razao_social": "Intermediadora de Serviços LTDA",
        "endereco": {"logradouro": "Avenida Paulista", "numero": "1000", "bairro": "Bela Vista",
                     "codigo_municipio": "3550308", "uf": "SP", "cep": "01310100"}}), {
        "n:interm/n:CNPJ": "11444777000161",
        "n:interm/n:xNome": "Intermediadora de Serviços LTDA",
        "n:interm/n:end/n:endNac/n:cMun": "3550308"}),
    "obra": ("nfsen", nota_plana(codigo_tributacao_nacional_iss="070201",
                                 codigo_obra="OBRA-2026-77",
                                 inscricao_imobiliaria_fiscal_obra="IMOB-123"), {
        "n:serv/n:obra/n:inscImobFisc": "IMOB-123",
        "n:serv/n:obra/n:cObra": "OBRA-2026-77"}),
    "obra_por_endereco": ("nfse", nota_exemplo(obra={"endereco": {
        "cep": "14400000", "logradouro": "Rua da Obra", "numero": "12", "bairro": "Centro"}},
        servico={**nota_exemplo()["servico"], "item_lista_servico": "070201"}), {
        "n:serv/n:obra/n:end/n:CEP": "14400000",
        "n:serv/n:obra/n:end/n:xLgr": "Rua da Obra"}),
    "evento": ("nfsen", nota_plana(
        codigo_tributacao_nacional_iss="120101", nome_evento="Festival de Inverno",
        data_inicio_evento="2026-07-01", data_fim_evento="2026-07-05",
        cep_evento="14400000", logradouro_evento="Praça Central", numero_evento="S/N",
        bairro_evento="Centro"), {
        "n:serv/n:atvEvento/n:xNome": "Festival de Inverno",
        "n:serv/n:atvEvento/n:dtIni": "2026-07-01",
        "n:serv/n:atvEvento/n:end/n:CEP": "14400000"}),
    "deducao_com_documentos": ("nfsen", nota_plana(documentos_deducao=[
        # an NF-e: other documents need the fornecedor group (E0477), which the model lacks
        {"tipo_deducao": "2", "chave_nfe": "35261111222333000181550010000000011000000014",
         "data_emissao": "2026-11-01", "valor_dedutivel": 40, "valor_deducao": 30}]), {
        "n:valores/n:vDedRed/n:documentos/n:docDedRed/n:chNFe":
            "35261111222333000181550010000000011000000014",
        "n:valores/n:vDedRed/n:documentos/n:docDedRed/n:tpDedRed": "2",
        "n:valores/n:vDedRed/n:documentos/n:docDedRed/n:vDeducaoReducao": "30.00"}),
    "deducao_percentual": ("nfsen", nota_plana(percentual_deducao_servico="12.5"), {
        "n:valores/n:vDedRed/n:pDR": "12.50"}),
    "beneficio_e_total_de_tributos": ("nfsen", nota_plana(
        numero_beneficio_municipal="35162000000001",
        percentual_total_tributos_federais="11.33"), {
        "n:valores/n:trib/n:tribMun/n:BM/n:nBM": "35162000000001",
        "n:valores/n:trib/n:totTrib/n:pTotTrib/n:pTotTribFed": "11.33"}),
}


@pytest.mark.parametrize("grupo", list(GRUPOS))
def test_group_reaches_the_authorized_xml(gateway: Gateway, grupo: str) -> None:
    porta, body, esperado = GRUPOS[grupo]
    if grupo == "beneficio_e_total_de_tributos":  # a benefício the municipality granted
        gateway.sandbox.parametrizacao.definir(MUNICIPIO, beneficios={
            "35162000000001": Beneficio(ISENCAO)})
    ref = f"grupo-{grupo}".replace("_", "-")
    answer = gateway.client.post(f"/v2/{porta}?ref={ref}", json=body)
    assert answer.status_code == 202, answer.text
    nota = wait_final(gateway, ref) if porta == "nfsen" else gateway.wait_final(ref)
    assert nota["status"] == "autorizado", nota
    xml = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content
    inf = etree.fromstring(xml).find(".//n:infDPS", N)
    found = {path: inf.findtext(path, namespaces=N) for path in esperado}
    assert found == esperado


def test_pis_cofins_values_without_their_cst_are_refused(gateway: Gateway) -> None:
    body = nota_exemplo()
    body["servico"]["valor_pis"] = "0.65"
    answer = gateway.client.post("/v2/nfse?ref=sem-cst", json=body)
    assert answer.status_code == 400
    assert answer.json()["erros"][0]["campo"] == "servico.situacao_tributaria_pis_cofins"


def test_substitution_by_key_through_the_flat_door(gateway: Gateway) -> None:
    assert gateway.client.post("/v2/nfsen?ref=chave-a", json=nota_plana()).status_code == 202
    original = wait_final(gateway, "chave-a")
    chave = original["codigo_verificacao"]
    answer = gateway.client.post("/v2/nfsen?ref=chave-b", json=nota_plana(
        chave_nfse_substituida=chave, codigo_justificativa_substituicao="05",
        motivo_substituicao="Rejeitada pelo tomador do serviço"))
    assert answer.status_code == 202, answer.text
    nova = wait_final(gateway, "chave-b")
    assert nova["status"] == "autorizado", nova
    assert nova["numero_nfse_substituida"] == original["numero"]
    antiga = gateway.client.get("/v2/nfsen/chave-a").json()
    assert antiga["status"] == "substituido"
    assert antiga["numero_nfse_substituta"] == nova["numero"]
    xml = httpx.get(gateway.base_url + nova["caminho_xml_nota_fiscal"]).content
    subst = etree.fromstring(xml).find(".//n:infDPS/n:subst", N)
    assert subst.findtext("n:chSubstda", namespaces=N) == chave
    assert subst.findtext("n:cMotivo", namespaces=N) == "05"

    unknown = gateway.client.post("/v2/nfsen?ref=chave-c", json=nota_plana(
        chave_nfse_substituida="1" * 50))
    assert unknown.status_code == 400
    assert unknown.json()["erros"][0]["campo"] == "chave_nfse_substituida"


def test_the_national_service_list_decides_code_and_required_group(gateway: Gateway) -> None:
    lista = gateway.client.get("/v2/municipios/3516200/codigos_tributacao_nacional")
    assert lista.headers["X-Total-Count"] == "337"
    obra = gateway.client.get("/v2/municipios/3516200/codigos_tributacao_nacional/07.02.01")
    assert obra.json()["grupo_obrigatorio"] == "obra"

    vetado = gateway.client.post("/v2/nfsen?ref=sem-codigo",
                                 json=nota_plana(codigo_tributacao_nacional_iss="030101"))
    assert vetado.status_code == 400
    assert vetado.json()["erros"][0]["campo"] == "codigo_tributacao_nacional_iss"
    sem_obra = gateway.client.post("/v2/nfsen?ref=sem-obra",
                                   json=nota_plana(codigo_tributacao_nacional_iss="070201"))
    assert sem_obra.status_code == 400
    erro = sem_obra.json()["erros"][0]
    assert erro["campo"] == "codigo_obra" and "070201" in erro["correcao"]
    sem_evento = gateway.client.post("/v2/nfse?ref=sem-evento", json=nota_exemplo(
        servico=nota_exemplo()["servico"] | {"item_lista_servico": "120101"}))
    assert sem_evento.json()["erros"][0]["campo"] == "evento"


def test_text_the_national_layout_refuses_is_a_400_at_post(gateway: Gateway) -> None:
    answer = gateway.client.post("/v2/nfsen?ref=emoji", json=nota_plana(
        razao_social_tomador="Acme 😀 LTDA", descricao_servico="Suporte 😀\nmarço"))
    assert answer.status_code == 400
    # the DANFSe's fonts cannot print an emoji in any field (issue 20: no PDF ever)
    assert [e["campo"] for e in answer.json()["erros"]] == ["razao_social_tomador",
                                                            "descricao_servico"]
    ok = gateway.client.post("/v2/nfsen?ref=acentos", json=nota_plana(
        razao_social_tomador="Conceição & Filhos Ltda.", descricao_servico="Suporte – “março”"
                                                                             "\nabril"))
    assert ok.status_code == 202, ok.text  # the description admits line breaks
    assert wait_final(gateway, "acentos")["status"] == "autorizado"


def test_an_export_is_refused_while_the_gateway_cannot_build_comext(
        gateway: Gateway) -> None:
    """A tomador abroad or a service provided abroad is an export for the Sefin: it wants the
    NBS code (E0318) and the comércio exterior group (E0330), which the model cannot express
    yet. Refused at POST, as the Sefin would, instead of sent."""
    exterior = nota_plana(
        cnpj_tomador=None, codigo_municipio_tomador=None, cep_tomador=None,
        nif_tomador="98-7654321", razao_social_tomador="Acme Corporation",
        codigo_pais_ext_tomador="US", cep_ext_tomador="10001", nome_cidade_ext_tomador="New York",
        regiao_ext_tomador="NY", logradouro_tomador="Fifth Avenue", numero_tomador="350",
        bairro_tomador="Midtown")
    for ref, body in (("exterior-1", exterior),
                      ("exterior-2", nota_plana(codigo_pais_prestacao="AR"))):
        answer = gateway.client.post(f"/v2/nfsen?ref={ref}", json=body)
        assert answer.status_code == 400, answer.text
        assert {e["codigo"] for e in answer.json()["erros"]} >= {"E0318", "E0330"}
        simulada = gateway.client.post(f"/v2/nfsen?ref={ref}&dry_run=1", json=body).json()
        assert simulada["valido"] is False
