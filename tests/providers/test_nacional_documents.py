"""The documents the Nacional provider builds: DPS and pedRegEvento valid under the official
XSDs and correctly signed; the access-key check digit; answers in every shape."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from importlib import resources

import pytest
from lxml import etree

from nfse.certs.a1 import document_of
from nfse.certs.generate import generate_a1
from nfse.fuso import SAO_PAULO
from nfse.model.nfse import parse_nfse
from nfse.providers.base import Emissor, Rps
from nfse.providers.nacional import respostas
from nfse.providers.nacional.chave import chave_valida, dv_mod11
from nfse.providers.nacional.dps import DpsInvalida, build_dps, dps_id, problemas
from nfse.providers.nacional.evento import pedido_cancelamento
from nfse.sandbox.nacional.assinatura import AssinaturaInvalida, verificar
from nfse.xml.validate import nacional_schema_dir, validate
from tests.support import CNPJ, nota_exemplo

NS = {"n": "http://www.sped.fazenda.gov.br/nfse"}
A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")


def emissor(regime: int | None = 3) -> Emissor:
    return Emissor(a1=A1, ambiente="homologacao", base_url="https://x", ca_file=None,
                   razao_social="EMPRESA TESTE LTDA", regime_tributario=regime)


def build(body: dict, regime: int | None = 3, numero: int = 7) -> etree._Element:
    xml = build_dps(parse_nfse(body), Rps("1", numero), emissor(regime))
    assert xml.startswith(b"<?xml")
    assert b"ds:" not in xml and b"ns0:" not in xml
    root = etree.fromstring(xml)
    assert validate(root, nacional_schema_dir() / "DPS_v1.01.xsd") == []
    assert document_of(verificar(root)) == CNPJ
    return root


def text(root: etree._Element, path: str) -> str | None:
    return root.findtext(path, namespaces=NS)


def test_seed_example_dps() -> None:
    root = build(nota_exemplo())
    inf = root.find("n:infDPS", NS)
    assert inf.get("Id") == f"DPS3516200{2}{CNPJ}{1:05d}{7:015d}"
    assert text(inf, "n:tpAmb") == "2"
    assert text(inf, "n:dhEmi") == "2017-09-21T22:15:00-03:00"
    assert text(inf, "n:prest/n:regTrib/n:opSimpNac") == "1"  # company regime 3 = normal
    assert text(inf, "n:toma/n:xNome") == "Acras Tecnologia da Informação LTDA"
    assert text(inf, "n:toma/n:end/n:endNac/n:cMun") == "4106902"
    assert text(inf, "n:serv/n:cServ/n:cTribNac") == "010701"
    assert text(inf, "n:serv/n:cServ/n:cTribMun") is None  # "620910000" is not 3 digits
    # a não optante in a municipality active in the national system: the rate is the
    # municipality's, pAliq is refused (E0617)
    assert text(inf, "n:valores/n:trib/n:tribMun/n:pAliq") is None
    # no percentual_total_tributos: a não optante may not send indTotTrib (E0713)
    assert text(inf, "n:valores/n:trib/n:totTrib/n:indTotTrib") is None
    assert text(inf, "n:valores/n:trib/n:totTrib/n:pTotTrib/n:pTotTribFed") == "0.00"


def test_simples_nacional_retained_iss_discounts_and_federal_retentions() -> None:
    body = nota_exemplo(optante_simples_nacional="1")
    body["servico"].update(valor_servicos="1000", iss_retido=True, desconto_incondicionado=10,
                           desconto_condicionado=5, valor_deducoes=20, valor_ir="15",
                           valor_inss=11, valor_csll="10", percentual_total_tributos="6.5")
    inf = build(body).find("n:infDPS", NS)
    assert text(inf, "n:prest/n:regTrib/n:opSimpNac") == "3"
    assert text(inf, "n:prest/n:regTrib/n:regApTribSN") == "1"
    assert text(inf, "n:prest/n:regTrib/n:regEspTrib") == "0"
    assert text(inf, "n:valores/n:trib/n:tribMun/n:tpRetISSQN") == "2"
    assert text(inf, "n:valores/n:vDescCondIncond/n:vDescIncond") == "10.00"
    assert text(inf, "n:valores/n:vDedRed/n:vDR") == "20.00"
    assert text(inf, "n:valores/n:trib/n:tribFed/n:vRetIRRF") == "15.00"
    assert text(inf, "n:valores/n:trib/n:totTrib/n:pTotTribSN") == "6.50"


def test_mei_without_rate_and_imune_nature() -> None:
    body = nota_exemplo(optante_simples_nacional=True, regime_especial_tributacao=5)
    inf = build(body).find("n:infDPS", NS)
    assert text(inf, "n:prest/n:regTrib/n:opSimpNac") == "2"
    assert text(inf, "n:valores/n:trib/n:tribMun/n:pAliq") is None
    imune = build(nota_exemplo(natureza_operacao=4)).find("n:infDPS", NS)
    assert text(imune, "n:valores/n:trib/n:tribMun/n:tribISSQN") == "2"


def test_cpf_tomador_intermediario_and_no_address() -> None:
    body = nota_exemplo(intermediario={"cnpj": "07504505000132", "razao_social": "Inter"})
    body["tomador"] = {"cpf": "529.982.247-25", "razao_social": "Fulano"}
    inf = build(body).find("n:infDPS", NS)
    assert text(inf, "n:toma/n:CPF") == "52998224725"
    assert inf.find("n:toma/n:end", NS) is None
    assert text(inf, "n:interm/n:CNPJ") == "07504505000132"


def test_tomador_without_name_cannot_become_a_dps() -> None:
    body = nota_exemplo()
    del body["tomador"]["razao_social"]
    nota = parse_nfse(body)
    assert [p.campo for p in problemas(nota)] == ["tomador.razao_social"]
    with pytest.raises(DpsInvalida, match="tomador.razao_social"):
        build_dps(nota, Rps("1", 1), emissor())


def test_a_dps_outside_the_schema_is_refused_before_it_is_signed() -> None:
    """The XSD check comes before the RSA operation: a document that cannot leave costs no
    signature, and the message names the schema's complaint (nDPS has at most 15 digits)."""

    class ChaveVigiada:
        usos = 0

        def sign(self, *args: object) -> bytes:
            ChaveVigiada.usos += 1
            return A1.key.sign(*args)

    vigiado = replace(emissor(), a1=replace(A1, key=ChaveVigiada()))
    nota = parse_nfse(nota_exemplo())
    assert etree.fromstring(build_dps(nota, Rps("1", 7), vigiado)) is not None
    assert ChaveVigiada.usos == 1
    with pytest.raises(DpsInvalida, match="DPS fora do leiaute oficial: .*nDPS"):
        build_dps(nota, Rps("1", 10**16), vigiado)
    assert ChaveVigiada.usos == 1


def test_emission_time_never_in_the_authoritys_future() -> None:
    now = datetime(2026, 11, 24, 10, 0, 0, tzinfo=SAO_PAULO)
    body = nota_exemplo(data_emissao="2026-11-24T10:00:00-03:00")
    root = etree.fromstring(build_dps(parse_nfse(body), Rps("1", 1), emissor(), now=now))
    assert text(root, "n:infDPS/n:dhEmi") == "2026-11-24T09:59:55-03:00"


def test_tampered_dps_fails_the_signature_check() -> None:
    root = build(nota_exemplo())
    root.find("n:infDPS/n:valores/n:vServPrest/n:vServ", NS).text = "999.00"
    with pytest.raises(AssinaturaInvalida):
        verificar(root)


def test_dps_id_for_cpf_prestador() -> None:
    body = nota_exemplo()
    body["prestador"] = {"cpf": "52998224725", "inscricao_municipal": "1",
                         "codigo_municipio": "3516200"}
    ident = dps_id(parse_nfse(body), Rps("900", 6))
    assert ident == "DPS" + "3516200" + "1" + "00052998224725" + "00900" + "000000000000006"
    assert len(ident) == 45


@pytest.mark.parametrize("chave", [
    "14001591201761135000132000000000000022097781063609",  # nfelib's real 2022 sample
])
def test_access_key_check_digit(chave: str) -> None:
    assert chave_valida(chave)
    assert dv_mod11(chave[:49]) == chave[49]
    assert not chave_valida(chave[:49] + str((int(chave[49]) + 1) % 10))


def test_sample_key_from_nfelib_matches() -> None:
    sample = resources.files("nfelib") / "nfse" / "samples" / "v1_0" / \
        "ConsultarNFSeEnvio-ped-sitnfse.xml"
    root = etree.parse(str(sample)).getroot()
    chave = root.find("n:infNFSe", NS).get("Id").removeprefix("NFS")
    assert chave_valida(chave)


def test_cancellation_request_is_valid_and_signed() -> None:
    chave = "3516200222112223330001810000000000001261101234567896"[:49]
    chave += dv_mod11(chave)
    xml = pedido_cancelamento(parse_nfse(nota_exemplo()), chave,
                              "Nota emitida com valor incorreto", emissor())
    root = etree.fromstring(xml)
    assert validate(root, nacional_schema_dir() / "pedRegEvento_v1.01.xsd") == []
    inf = root.find("n:infPedReg", NS)
    assert inf.get("Id") == f"PRE{chave}101101" and len(inf.get("Id")) == 59
    assert text(inf, "n:e101101/n:xMotivo") == "Nota emitida com valor incorreto"
    assert document_of(verificar(root)) == CNPJ


def test_answers_in_every_shape() -> None:
    emission = json.dumps({"idDPS": "DPS1", "erros": [
        {"Codigo": "E0014", "Descricao": "Duplicada", "Complemento": "x", "Parametros": None},
        {"Codigo": "E0008", "Descricao": "Data", "Complemento": None}]}).encode()
    erros = respostas.erros_of(respostas.json_of(emission))
    assert [(e.codigo, e.mensagem, e.correcao) for e in erros] == [
        ("E0014", "Duplicada", "x"), ("E0008", "Data", None)]
    query = json.dumps({"erro": {"codigo": "E2401", "descricao": "não encontrada"}}).encode()
    assert respostas.erros_of(respostas.json_of(query))[0].codigo == "E2401"
    legacy = json.dumps([{"codigo": "X1", "mensagem": "m"}]).encode()
    assert respostas.erros_of(respostas.json_of(legacy))[0].mensagem == "m"
    assert respostas.json_of(b"<html>502</html>") is None
    assert respostas.unpack(respostas.pack(b"<a/>")) == b"<a/>"


def test_text_that_xml_must_escape_survives_signature_and_schema() -> None:
    discriminacao = 'Serviço "A" & <B>\r\nlinha 2 – 50% > 10%'
    servico = nota_exemplo()["servico"] | {"discriminacao": discriminacao}
    root = build(nota_exemplo(servico=servico))
    assert text(root, "n:infDPS/n:serv/n:cServ/n:xDescServ") == discriminacao


def test_characters_xml_cannot_carry_are_refused_not_sent() -> None:
    """The API refuses them at POST; a note stored before that check still never leaves."""
    nota = parse_nfse(nota_exemplo())
    nota = replace(nota, servico=replace(nota.servico, discriminacao="controle \x07 no meio"))
    with pytest.raises(DpsInvalida, match="caracteres não permitidos"):
        build_dps(nota, Rps("1", 1), emissor())


@pytest.mark.parametrize("natureza,extra,path,expected", [
    (5, {"numero_processo_suspensao": "1" * 30}, "n:exigSusp/n:tpSusp", "1"),
    (6, {"numero_processo_suspensao": "2" * 30}, "n:exigSusp/n:nProcesso", "2" * 30),
    (3, {"numero_beneficio_municipal": "35162000100001"}, "n:BM/n:nBM", "35162000100001"),
    (4, {"tipo_imunidade": 3}, "n:tpImunidade", "3"),
])
def test_natureza_operacao_groups(natureza: int, extra: dict, path: str, expected: str) -> None:
    root = build(nota_exemplo(natureza_operacao=natureza, **extra))
    mun = root.find("n:infDPS/n:valores/n:trib/n:tribMun", NS)
    assert text(mun, path) == expected
    assert text(mun, "n:tribISSQN") == ("2" if natureza == 4 else "1")


@pytest.mark.parametrize("natureza,campo", [(5, "numero_processo_suspensao"),
                                            (6, "numero_processo_suspensao"),
                                            (3, "numero_beneficio_municipal")])
def test_natureza_needs_its_reference(natureza: int, campo: str) -> None:
    assert [p.campo for p in problemas(parse_nfse(nota_exemplo(natureza_operacao=natureza)))] \
        == [campo]


REFORMA = {"codigo_indicador_operacao": "100301", "ibs_cbs_situacao_tributaria": "000",
           "ibs_cbs_classificacao_tributaria": "000001", "codigo_nbs": "1.1502.10.00"}
EM_2026 = {"data_emissao": "2026-03-10T10:00:00-03:00"}
"""IBS/CBS is declared from the competência of 2026 (E0850)."""


def test_ibs_cbs_group_declares_the_operation_and_its_classification() -> None:
    servico = nota_exemplo()["servico"] | REFORMA
    root = build(nota_exemplo(servico=servico, **EM_2026))
    group = root.find("n:infDPS/n:IBSCBS", NS)
    assert [child.tag.split("}")[1] for child in group] == ["finNFSe", "cIndOp", "indDest",
                                                            "valores"]
    assert text(group, "n:cIndOp") == "100301"
    assert text(group, "n:valores/n:trib/n:gIBSCBS/n:CST") == "000"
    assert text(group, "n:valores/n:trib/n:gIBSCBS/n:cClassTrib") == "000001"
    assert root.find("n:infDPS/n:IBSCBS", NS) is not None
    assert build(nota_exemplo()).find("n:infDPS/n:IBSCBS", NS) is None


def test_ibs_cbs_fields_must_come_together_and_agree() -> None:
    partial = nota_exemplo()["servico"] | {"codigo_indicador_operacao": "100301",
                                           "codigo_nbs": "115021000"}
    campos = [p.campo for p in problemas(parse_nfse(nota_exemplo(servico=partial, **EM_2026)))]
    assert campos == ["servico.ibs_cbs_situacao_tributaria",
                      "servico.ibs_cbs_classificacao_tributaria"]
    mismatch = nota_exemplo()["servico"] | REFORMA | {
        "ibs_cbs_classificacao_tributaria": "200001"}
    [problema] = problemas(parse_nfse(nota_exemplo(servico=mismatch, **EM_2026)))
    assert "E0959" in problema.correcao
