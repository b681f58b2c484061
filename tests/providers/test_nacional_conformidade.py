"""Issue 18 on the gateway's side: the DPS takes the form the Sefin's rules (Anexo I v1.01)
admit for the regime — pAliq, totTrib, the three tax shares — and a note that breaks a rule
the customer controls is refused with the rule's code. Each case reproduces what was seen:
every one of these DPS was built and sent before."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.model.errors import RequisicaoInvalida
from nfse.model.nfse import parse_nfse
from nfse.model.nfsen import parse_nfsen
from nfse.model.nota import Nota
from nfse.providers.base import Emissor, Result, Rps
from nfse.providers.nacional import respostas
from nfse.providers.nacional.conformidade import mensagem_oficial
from nfse.providers.nacional.dps import DpsInvalida, build_dps, problemas
from nfse.providers.nacional.provider import NacionalProvider
from nfse.work.breaker import is_failure
from nfse.xml.validate import nacional_schema_dir, validate
from tests.support import CNPJ, nota_exemplo, nota_plana

NS = {"n": "http://www.sped.fazenda.gov.br/nfse"}
A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
TRIB = "n:infDPS/n:valores/n:trib/"


def emissor(regime: int | None = 3) -> Emissor:
    return Emissor(a1=A1, ambiente="homologacao", base_url="https://x", ca_file=None,
                   razao_social="EMPRESA TESTE LTDA", regime_tributario=regime)


def dps(nota: Nota, ativo: bool = True) -> etree._Element:
    root = etree.fromstring(build_dps(nota, Rps("1", 9), emissor(), municipio_ativo=ativo))
    assert validate(root, nacional_schema_dir() / "DPS_v1.01.xsd") == []
    return root


def nota(optante: str | None = "false", retido: bool = False, **servico: object) -> Nota:
    body = nota_exemplo(data_emissao="2026-11-20T10:00:00-03:00")
    if optante is not None:
        body["optante_simples_nacional"] = optante
    body["servico"].update(iss_retido=retido, **servico)
    return parse_nfse(body)


def codigos(found: Nota) -> list[str]:
    return [p.codigo for p in problemas(found)]


# -- pAliq --------------------------------------------------------------------------------

def test_nao_optante_in_an_active_municipality_sends_no_rate() -> None:
    """E0617: the rate is the municipality's; the Focus example's aliquota 3 was sent."""
    assert dps(nota()).findtext(TRIB + "n:tribMun/n:pAliq", namespaces=NS) is None


def test_nao_optante_in_a_municipality_not_active_sends_its_rate() -> None:
    """E0619: there the rate is required."""
    assert dps(nota(), ativo=False).findtext(TRIB + "n:tribMun/n:pAliq", namespaces=NS) == "3.00"


@pytest.mark.parametrize("retido,esperado", [(False, None), (True, "3.00")])
def test_me_epp_by_the_simples_sends_the_rate_only_when_retained(retido: bool,
                                                                 esperado: str | None) -> None:
    """E0625 (no retention: forbidden) and E0621 (retention: required)."""
    root = dps(nota("true", retido=retido))
    assert root.findtext(TRIB + "n:tribMun/n:pAliq", namespaces=NS) == esperado


@pytest.mark.parametrize("apuracao,ativo,esperado", [(2, True, None), (3, True, None),
                                                     (2, False, "3.00"), (3, False, "3.00")])
def test_me_epp_outside_the_simples_follows_the_municipality(apuracao: int, ativo: bool,
                                                             esperado: str | None) -> None:
    """E0635 (active: forbidden) and E0640 (not active: required); regApTribSN as sent."""
    found = replace(nota("true"), regime_apuracao_simples=apuracao)
    root = dps(found, ativo=ativo)
    assert root.findtext("n:infDPS/n:prest/n:regTrib/n:regApTribSN",
                         namespaces=NS) == str(apuracao)
    assert root.findtext(TRIB + "n:tribMun/n:pAliq", namespaces=NS) == esperado


# -- totTrib ------------------------------------------------------------------------------

def tot(root: etree._Element) -> list[tuple[str, str]]:
    group = root.find(TRIB + "n:totTrib", NS)
    return [(e.tag.split("}")[1], (e.text or "").strip()) for e in group.iter()][1:]


def test_tot_trib_by_regime_without_an_estimate() -> None:
    """E0713 (não optante: no indTotTrib), E0712 (ME/EPP: no indTotTrib); MEI may say
    "not informed"."""
    assert tot(dps(nota())) == [("pTotTrib", ""), ("pTotTribFed", "0.00"),
                                ("pTotTribEst", "0.00"), ("pTotTribMun", "0.00")]
    assert tot(dps(nota("true"))) == [("pTotTribSN", "0.00")]
    mei = replace(nota("true", aliquota=None), regime_especial_tributacao=5)
    assert tot(dps(mei)) == [("indTotTrib", "0")]


def test_tot_trib_with_an_estimate() -> None:
    """E0710: the MEI never pTotTribSN; ME/EPP pTotTribSN."""
    assert tot(dps(nota("true", percentual_total_tributos="6.5"))) == [("pTotTribSN", "6.50")]
    mei = replace(nota("true", aliquota=None, percentual_total_tributos="4"),
                  regime_especial_tributacao=5)
    assert tot(dps(mei)) == [("pTotTrib", ""), ("pTotTribFed", "4.00"),
                             ("pTotTribEst", "0.00"), ("pTotTribMun", "0.00")]


def test_the_three_shares_stay_apart() -> None:
    """They were summed into pTotTribFed, state and municipal sent as 0."""
    body = nota_plana(percentual_total_tributos_federais="13.45",
                      percentual_total_tributos_estaduais="1.10",
                      percentual_total_tributos_municipais="2.00")
    root = dps(parse_nfsen(body))
    assert tot(root) == [("pTotTrib", ""), ("pTotTribFed", "13.45"), ("pTotTribEst", "1.10"),
                         ("pTotTribMun", "2.00")]


def test_prestador_contacts_and_complementary_information_reach_the_dps() -> None:
    """They were dropped. E0121/E0128 forbid only xNome and end of the prestador."""
    body = nota_plana(telefone_prestador="(16) 3333-4444", email_prestador="nf@empresa.com.br",
                      informacoes_complementares="Pedido 4471",
                      codigo_interno_contribuinte="SRV42")
    inf = dps(parse_nfsen(body)).find("n:infDPS", NS)
    assert inf.findtext("n:prest/n:fone", namespaces=NS) == "1633334444"
    assert inf.findtext("n:prest/n:email", namespaces=NS) == "nf@empresa.com.br"
    assert inf.find("n:prest/n:xNome", NS) is None and inf.find("n:prest/n:end", NS) is None
    assert inf.findtext("n:serv/n:infoCompl/n:xInfComp", namespaces=NS) == "Pedido 4471"
    assert inf.findtext("n:serv/n:cServ/n:cIntContrib", namespaces=NS) == "SRV42"


# -- rules the customer controls ----------------------------------------------------------

def test_retained_iss_without_tomador() -> None:
    sem_tomador = replace(nota(retido=True), tomador=None)
    assert codigos(sem_tomador) == ["E0204"]
    assert codigos(nota(retido=True)) == []  # just inside: a tomador with CNPJ


def test_rate_over_five_percent() -> None:
    assert codigos(nota(aliquota="5.01")) == ["E0595"]
    assert codigos(nota(aliquota="5")) == []


def test_ibs_cbs_without_nbs() -> None:
    reforma = {"codigo_indicador_operacao": "100301", "ibs_cbs_situacao_tributaria": "000",
               "ibs_cbs_classificacao_tributaria": "000001"}
    assert codigos(nota(**reforma)) == ["E0322"]
    assert codigos(nota(codigo_nbs="115021000", **reforma)) == []


def test_retention_on_an_immune_note_and_immune_with_a_special_regime() -> None:
    imune = replace(nota(retido=True), natureza_operacao=4)
    assert codigos(imune) == ["E0580"]
    especial = replace(nota(), natureza_operacao=4, regime_especial_tributacao=1)
    assert codigos(especial) == ["E0172"]
    assert codigos(replace(nota(), natureza_operacao=4)) == []


def test_retention_for_mei() -> None:
    mei = replace(nota("true", retido=True, aliquota=None), regime_especial_tributacao=5)
    assert codigos(mei) == ["E0583"]
    assert codigos(replace(mei, servico=replace(mei.servico, iss_retido=False))) == []


def test_mei_known_only_from_the_company_is_checked_when_the_dps_is_built() -> None:
    """At POST the note did not say its regime; the company's (4 = MEI) decides at build."""
    found = nota(None, retido=True, aliquota=None)
    assert codigos(found) == []
    with pytest.raises(DpsInvalida) as caught:
        build_dps(found, Rps("1", 1), emissor(regime=4))
    assert [p.codigo for p in caught.value.problemas] == ["E0583"]


def test_every_violation_is_listed_with_the_official_message_and_a_correction() -> None:
    body = nota_exemplo(data_emissao="2026-11-20T10:00:00-03:00", natureza_operacao=4)
    body.pop("tomador")
    body["servico"].update(iss_retido=True, aliquota="7")
    found = problemas(parse_nfse(body))
    assert [p.codigo for p in found] == ["E0204", "E0580", "E0595"]
    for problema in found:
        assert problema.mensagem == mensagem_oficial(problema.codigo)
        assert problema.correcao and problema.correcao[0].isupper()


def test_tomador_who_is_the_prestador() -> None:
    body = nota_exemplo(data_emissao="2026-11-20T10:00:00-03:00")
    body["tomador"]["cnpj"] = CNPJ
    assert codigos(parse_nfse(body)) == ["E0202"]


def test_csll_against_its_retention_type() -> None:
    pis_cofins = {"situacao_tributaria_pis_cofins": "01", "valor_servicos": "1000"}
    assert codigos(nota(tipo_retencao_pis_cofins="0", valor_csll="10", **pis_cofins)) == [
        "E0720"]
    assert codigos(nota(tipo_retencao_pis_cofins="3", **pis_cofins)) == ["E0724"]
    assert codigos(nota(tipo_retencao_pis_cofins="4", **pis_cofins)) == []  # CSLL not retained


# -- the NFS-e the authority returns --------------------------------------------------------

SAMPLE = Path(str(resources.files("nfelib") / "nfse" / "samples" / "v1_0" / "nfse-ibscbs.xml"))


def test_an_nfse_that_fails_the_schema_is_never_authorized() -> None:
    """The sandbox answered a service abroad with an empty xLocPrestacao, and it was stored
    and served as valid."""
    provider = NacionalProvider()
    valid = SAMPLE.read_bytes()
    ok = provider._authorized("1" * 50, respostas.pack(valid), ())
    assert ok.result == Result.AUTHORIZED and ok.xml == valid
    broken = etree.fromstring(valid)
    broken.find(".//n:xLocPrestacao", NS).text = ""
    bad = provider._authorized("1" * 50, respostas.pack(etree.tostring(broken)), ())
    assert bad.result == Result.UNKNOWN and bad.xml is None
    assert not is_failure(bad)  # it answered: the breaker stays closed for the other notes
    assert "xLocPrestacao" in (bad.mensagem or "")
    assert "leiaute oficial" in (bad.mensagem or "")


def test_pis_cofins_all_zero_without_cst_is_absent() -> None:
    """The OCA l10n_br_nfse_focus payload was answered 400."""
    body = nota_plana(base_calculo_pis_cofins=0, aliquota_pis="0.00", aliquota_cofins="0.00",
                      tipo_retencao_pis_cofins="0")
    found = parse_nfsen(body)
    assert found.servico.pis_cofins is None
    assert dps(found).find(TRIB + "n:tribFed", NS) is None


def test_offset_without_the_hour_zero_parses() -> None:
    """Focus's PHP example: ``2017-12-27T17:43:14-3:00``."""
    found = parse_nfse(nota_exemplo(data_emissao="2017-12-27T17:43:14-3:00"))
    assert found.data_emissao.isoformat() == "2017-12-27T17:43:14-03:00"
    assert found.servico.aliquota == Decimal("3")


def test_retained_me_epp_must_give_its_simples_rate() -> None:
    """E0621: the DPS needs pAliq (at least 1.8 %), which only the company knows."""
    assert codigos(nota("true", retido=True, aliquota=None)) == ["E0621"]
    assert codigos(nota("true", retido=True, aliquota="1.79")) == ["E0621"]
    assert codigos(nota("true", retido=True, aliquota="1.8")) == []
    assert codigos(nota("true", retido=False, aliquota=None)) == []


def test_rate_required_by_a_municipality_not_active_comes_from_its_parameters() -> None:
    """E0619: a não optante without a rate in a municipality not active in the national
    system; found by the property test (the DPS went without pAliq)."""
    sem_aliquota = nota(aliquota=None)
    root = etree.fromstring(build_dps(sem_aliquota, Rps("1", 1), emissor(),
                                      municipio_ativo=False, aliquota_municipal=Decimal("2.5")))
    assert root.findtext(TRIB + "n:tribMun/n:pAliq", namespaces=NS) == "2.50"
    with pytest.raises(DpsInvalida) as caught:
        build_dps(sem_aliquota, Rps("1", 1), emissor(), municipio_ativo=False)
    assert [p.codigo for p in caught.value.problemas] == ["E0619"]


def test_the_burden_in_money_reaches_vtottrib() -> None:
    """valor_total_tributos_* were ignored."""
    body = nota_plana(valor_total_tributos_federais="13.45",
                      valor_total_tributos_municipais="2.00")
    assert tot(dps(parse_nfsen(body))) == [("vTotTrib", ""), ("vTotTribFed", "13.45"),
                                           ("vTotTribEst", "0.00"), ("vTotTribMun", "2.00")]
    with pytest.raises(RequisicaoInvalida) as caught:
        parse_nfsen(nota_plana(valor_total_tributos_federais="100.01"))  # over vServ
    assert [p.campo for p in caught.value.problemas] == ["valor_total_tributos_federais"]


def test_complementary_information_with_a_line_break_is_refused_not_rewritten() -> None:
    """xInfComp is a TSString (no line breaks): the note is refused with the field named."""
    found = parse_nfsen(nota_plana(informacoes_complementares="Pedido 4471\nLote 9"))
    assert [p.campo for p in problemas(found)] == ["informacoes_complementares"]


def test_foreign_party_without_nif_may_not_give_reason_zero() -> None:
    """E0226/E0286: cNaoNIF 0 is refused by the Sefin; 1 and 2 pass."""
    body = nota_exemplo(data_emissao="2026-11-20T10:00:00-03:00")
    exterior = {"razao_social": "Acme Corporation", "motivo_ausencia_nif": "0"}
    body["tomador"] = exterior
    body["intermediario"] = exterior
    assert codigos(parse_nfse(body)) == ["E0226", "E0286"]
    body["tomador"] = body["intermediario"] = exterior | {"motivo_ausencia_nif": "1"}
    assert codigos(parse_nfse(body)) == []


def test_competence_after_the_emission_date() -> None:
    """E0015 was checked only by the Sefin: the DPS was built and sent."""
    body = nota_exemplo(data_emissao="2026-11-20T23:30:00-03:00", data_competencia="2026-11-21")
    assert codigos(parse_nfse(body)) == ["E0015"]
    body["data_competencia"] = "2026-11-20"  # just inside: the same day
    assert codigos(parse_nfse(body)) == []
    body["data_emissao"] = "2026-11-21T01:30:00Z"  # 22:30 of the 20th in São Paulo
    body["data_competencia"] = "2026-11-21"
    assert codigos(parse_nfse(body)) == ["E0015"]
