"""The rejection catalogue as data: every rule of the official annexes, found by code."""

from __future__ import annotations

import re

import pytest

from nfse.regras import catalogo, tabelas


def test_anexo_i_has_its_442_rules_with_code_message_and_classification() -> None:
    regras = catalogo.anexo_i()
    assert len(regras) == 442
    assert sum(r.planilha == "RN_RECEPCAO_DPS" for r in regras) == 13
    for r in regras:
        assert re.fullmatch(r"E\d{4}", r.codigo) and r.mensagem and r.descricao
        assert r.offline == (r.motivo == "")  # a rule not decidable offline says why
        assert r.offline == (r.fonte != "")
    assert len({r.codigo for r in regras}) == 441  # E1570 names two rules


def test_lookup_by_code() -> None:
    pAliq = catalogo.regra("E0617")
    assert pAliq.campos == ("NFSe/infNFSe/DPS/infDPS/valores/trib/tribMun/pAliq",)
    assert pAliq.offline and pAliq.fonte == "parametros" and pAliq.nivel == "3"
    assert catalogo.mensagem("E0595") == "Não é permitido informar alíquota superior a 5%."
    assert catalogo.mensagem("E1200") == "Certificado de Transmissão Inválido"
    assert not catalogo.regra("E0082").offline and "CNPJ" in catalogo.regra("E0082").motivo
    with pytest.raises(KeyError):
        catalogo.regra("E9999")


def test_e1570_is_reused_for_two_rules() -> None:
    ibs, cbs = catalogo.regras("E1570")
    assert ibs.campos[0].endswith("gIBSMunTot/vDifMun")
    assert cbs.campos[0].endswith("gCBS/vDifCBS")
    assert catalogo.regra("E1570") is ibs


def test_events_of_anexo_ii() -> None:
    assert catalogo.mensagem("E1845").startswith("Ambiente informado diverge")
    assert catalogo.regra("E0840").campos == ("evento/pedRegEvento/infPedReg/e101101",)
    assert len(catalogo.regras()) == 442 + 58


def test_incidence_and_country_tables() -> None:
    assert tabelas.incidencia("010701") == "EP"  # software: the prestador's establishment
    assert tabelas.incidencia("070201") == "LP"  # construction: where it is built
    assert tabelas.incidencia("170501") == "ET"  # labour supply: the tomador's
    assert tabelas.incidencia("990101") is None
    assert {"BR", "US", "PT", "AR"} <= tabelas.paises() and "XX" not in tabelas.paises()
