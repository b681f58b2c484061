"""The RPS signature string of layout 2 against the examples the Prefeitura's manual publishes
("Manual de Utilização Web Service" v3.3.4, item 4.3.2, "Passos básicos para assinatura de um
RPS – versão 2", pp. 47-48): IM 123456789012, série RTNT, RPS 1 of 2026-01-01, tributado em
SP, ValorInicialCobrado R$ 20.500,00 with R$ 5.000,00 of deductions, service 2658, tomador CPF
131.674.742-54 (or NIF W123456789, or NaoNIF 2), intermediário CNPJ 09.999.999/0001-06
withholding the ISS."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from nfse.providers.paulistana.assinatura import CamposRps, Documento, texto_rps

EXEMPLO_V2 = CamposRps(
    inscricao_prestador="123456789012", serie="RTNT", numero=1, data_emissao=date(2026, 1, 1),
    tributacao="T", status="N", iss_retido=False, valor_servicos=Decimal("20500.00"),
    valor_deducoes=Decimal("5000.00"), codigo_servico="2658",
    tomador=Documento(cpf="13167474254"), versao=2)
INTERMEDIARIO = {"intermediario": Documento(cnpj="09999999000106"),
                 "iss_retido_intermediario": True}
BASE = "123456789012RTNT 00000000000120260101TNN000000002050000000000000500000" "02658"
"""What every example shares: IM (12), série, RPS, date, T, N, N, valor, deduções, código."""


def test_the_manuals_layout_2_string_has_90_characters() -> None:
    texto = texto_rps(EXEMPLO_V2)
    assert texto == ("123456789012RTNT 00000000000120260101TNN00000000205000000000000050000002"
                     "658100013167474254")  # as printed in the manual
    assert len(texto) == 90


def test_the_manuals_layout_2_string_with_intermediario() -> None:
    assert texto_rps(replace(EXEMPLO_V2, **INTERMEDIARIO)) == (
        BASE + "100013167474254" + "209999999000106S")


def test_a_tomador_abroad_is_indicator_4_and_its_nif_at_the_end() -> None:
    abroad = replace(EXEMPLO_V2, tomador=Documento(nif="W123456789"))
    assert texto_rps(abroad) == BASE + "400000000000000W123456789"
    assert texto_rps(replace(abroad, **INTERMEDIARIO)) == (
        BASE + "400000000000000" + "209999999000106S" + "W123456789")


def test_a_tomador_without_nif_signs_the_reason() -> None:
    sem_nif = replace(EXEMPLO_V2, tomador=Documento(nao_nif="2"))
    assert texto_rps(sem_nif) == BASE + "4000000000000002"
    assert texto_rps(replace(sem_nif, **INTERMEDIARIO)) == (
        BASE + "400000000000000" + "209999999000106S2")


def test_layout_1_keeps_8_digits_and_cannot_name_a_tomador_abroad() -> None:
    v1 = replace(EXEMPLO_V2, inscricao_prestador="31000000", versao=1,
                 tomador=Documento(nif="W123456789"))
    texto = texto_rps(v1)
    assert texto.startswith("31000000RTNT ") and texto.endswith("3" + "0" * 14)
    assert len(texto) == 86
