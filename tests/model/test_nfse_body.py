"""SPEC §2.1: coercions, checks and messages of the /v2/nfse body."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from nfse.model.digitos import cnpj_valido, cpf_valido, limpar_cnpj
from nfse.model.errors import RequisicaoInvalida
from nfse.model.nfse import parse_nfse, validar_ref
from tests.support import nota_exemplo


def problemas(body: dict) -> dict[str, str]:
    with pytest.raises(RequisicaoInvalida) as caught:
        parse_nfse(body)
    return {p.campo: p.mensagem for p in caught.value.problemas}


def with_servico(**fields: object) -> dict:
    body = nota_exemplo()
    body["servico"].update(fields)
    return body


def test_seed_example_parses_with_defaults() -> None:
    nota = parse_nfse(nota_exemplo())
    assert nota.data_emissao.isoformat() == "2017-09-21T22:15:00-03:00"
    assert nota.data_competencia == date(2017, 9, 21)
    assert nota.natureza_operacao == 1
    assert nota.optante_simples_nacional is None
    assert nota.servico.codigo_municipio == nota.prestador.codigo_municipio
    assert nota.servico.item_lista_servico == "0107"
    assert nota.servico.codigo_tributacao_nacional == "010701"
    assert nota.servico.valor_iss == Decimal("0.03")
    assert nota.tomador.endereco.tipo_logradouro == "Rua"


@pytest.mark.parametrize("raw,expected", [
    (True, True), ("true", True), ("1", True), (1, True),
    (False, False), ("false", False), ("0", False), (0, False), ("2", False),
])
def test_booleans_in_every_convention(raw: object, expected: bool) -> None:
    assert parse_nfse(with_servico(iss_retido=raw)).servico.iss_retido is expected


def test_iss_retido_is_required_and_checked() -> None:
    body = nota_exemplo()
    del body["servico"]["iss_retido"]
    assert problemas(body) == {
        "servico.iss_retido": 'Parâmetro "servico.iss_retido" não informado'}
    assert "servico.iss_retido" in problemas(with_servico(iss_retido="talvez"))


@pytest.mark.parametrize("raw", ["0107", "01.07", "107", "1.07", "010701"])
def test_item_lista_servico_forms(raw: str) -> None:
    servico = parse_nfse(with_servico(item_lista_servico=raw)).servico
    assert (servico.item_lista_servico, servico.codigo_tributacao_nacional) == ("0107", "010701")


def test_item_lista_servico_out_of_the_list() -> None:
    assert "servico.item_lista_servico" in problemas(with_servico(item_lista_servico="4199"))
    assert "servico.item_lista_servico" in problemas(with_servico(item_lista_servico="abc"))


def test_decimals_from_numbers_and_strings() -> None:
    servico = parse_nfse(with_servico(valor_servicos="1500.5", valor_pis=1,
                                      aliquota="2.9215")).servico
    assert servico.valor_servicos == Decimal("1500.50")
    assert servico.valor_pis == Decimal("1.00")
    assert servico.aliquota == Decimal("2.9215")
    assert "servico.valor_servicos" in problemas(with_servico(valor_servicos="1,5x"))
    assert "servico.valor_servicos" in problemas(with_servico(valor_servicos=0))
    assert "servico.valor_pis" in problemas(with_servico(valor_pis=-1))
    assert "servico.valor_pis" in problemas(with_servico(valor_pis="1.234"))
    assert "servico.aliquota" in problemas(with_servico(aliquota="1.23456"))


def test_absent_optionals_as_null_false_or_empty() -> None:
    nota = parse_nfse(with_servico(codigo_cnae=None, valor_deducoes="", valor_ir=False))
    assert nota.servico.codigo_cnae is None
    assert nota.servico.valor_deducoes == Decimal("0.00")


def test_tax_arithmetic_half_up_and_liquido() -> None:
    servico = parse_nfse(with_servico(valor_servicos="0.50", aliquota=1)).servico
    assert servico.valor_iss == Decimal("0.01")  # 0.005 rounds half-up
    servico = parse_nfse(with_servico(
        valor_servicos="1000", valor_deducoes="100", desconto_incondicionado="50",
        desconto_condicionado="10", aliquota=5, iss_retido=True, valor_pis="6.5",
        valor_ir="15", outras_retencoes="1")).servico
    assert servico.base_calculo == Decimal("850.00")
    assert servico.valor_iss == Decimal("42.50")
    assert servico.valor_liquido == Decimal("1000") - Decimal("6.5") - Decimal("15") \
        - Decimal("1") - Decimal("42.50") - Decimal("50") - Decimal("10")


def test_negative_liquido_is_refused() -> None:
    assert "servico.valor_servicos" in problemas(with_servico(valor_servicos=10, valor_ir=20))


def test_every_problem_is_reported_in_contract_order() -> None:
    body = nota_exemplo()
    del body["prestador"]["codigo_municipio"]
    body["servico"]["valor_servicos"] = "x"
    body["tomador"]["cnpj"] = "07504505000133"
    found = list(problemas(body))
    assert found == ["prestador.codigo_municipio", "tomador.cnpj", "servico.valor_servicos"]


def test_documents_and_address_checks() -> None:
    body = nota_exemplo()
    body["tomador"]["cnpj"] = "07.504.505/0001-32"
    body["tomador"]["endereco"]["cep"] = "80045-165"
    body["tomador"]["telefone"] = "(41) 3333-4444"
    nota = parse_nfse(body)
    assert nota.tomador.cnpj == "07504505000132"
    assert nota.tomador.endereco.cep == "80045165"
    assert nota.tomador.telefone == "4133334444"

    bad = copy.deepcopy(nota_exemplo())
    bad["tomador"]["endereco"].update(uf="SP", cep="123", codigo_municipio="9999999")
    bad["tomador"]["email"] = "sem-arroba"
    found = problemas(bad)
    assert {"tomador.endereco.cep", "tomador.endereco.codigo_municipio",
            "tomador.email"} <= set(found)

    mismatch = nota_exemplo()
    mismatch["tomador"]["endereco"]["uf"] = "SP"
    assert "tomador.endereco.uf" in problemas(mismatch)

    anonymous = nota_exemplo()
    del anonymous["tomador"]["cnpj"]
    assert "tomador.cpf" in problemas(anonymous)


def test_discriminacao_keeps_line_breaks_and_refuses_control_characters() -> None:
    assert parse_nfse(with_servico(discriminacao="a\nb\tc")).servico.discriminacao == "a\nb\tc"
    assert "servico.discriminacao" in problemas(with_servico(discriminacao="a\x07b"))


def test_dates_with_and_without_offset() -> None:
    body = nota_exemplo(data_emissao="2016-12-25T12:00-0300")
    assert parse_nfse(body).data_emissao.isoformat() == "2016-12-25T12:00:00-03:00"
    body = nota_exemplo(data_emissao="2026-01-31", data_competencia="2026-01-15")
    nota = parse_nfse(body)
    assert nota.data_competencia == date(2026, 1, 15)
    assert "data_emissao" in problemas(nota_exemplo(data_emissao="31/01/2026"))


def test_substituted_rps_needs_its_series() -> None:
    assert "serie_rps_substituido" in problemas(nota_exemplo(numero_rps_substituido="10"))
    nota = parse_nfse(nota_exemplo(numero_rps_substituido="10", serie_rps_substituido="1"))
    assert nota.tipo_rps_substituido == "1"


def test_unknown_fields_are_accepted() -> None:
    body = nota_exemplo(razao_social="ACME", status="1")
    body["servico"]["valor_liquido"] = "1.00"
    parse_nfse(body)


def test_body_must_be_an_object() -> None:
    with pytest.raises(RequisicaoInvalida):
        parse_nfse([1, 2])


def test_ref_rules() -> None:
    assert validar_ref("pedido-12_A") == "pedido-12_A"
    for bad in (None, "", "com espaço", "a/b", "x" * 101):
        with pytest.raises(RequisicaoInvalida):
            validar_ref(bad)


def _alnum_cnpj(base: str) -> str:
    """Compute the check digits of a 12-character base independently of the code under test
    (the Receita's published rule, step by step)."""
    values = [ord(c) - 48 for c in base]
    weights1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    r = sum(v * w for v, w in zip(values, weights1, strict=True)) % 11
    d1 = 0 if r < 2 else 11 - r
    weights2 = [6] + weights1
    r = sum(v * w for v, w in zip(values + [d1], weights2, strict=True)) % 11
    d2 = 0 if r < 2 else 11 - r
    return f"{base}{d1}{d2}"


def test_alphanumeric_cnpj() -> None:
    cnpj = _alnum_cnpj("12ABC34501DE")
    assert cnpj_valido(cnpj)
    assert not cnpj_valido(cnpj[:-1] + str((int(cnpj[-1]) + 1) % 10))
    assert limpar_cnpj("12.abc.345/01de-" + cnpj[-2:]) == cnpj
    body = nota_exemplo()
    body["tomador"]["cnpj"] = cnpj.lower()
    assert parse_nfse(body).tomador.cnpj == cnpj
    assert cnpj_valido("11222333000181") and not cnpj_valido("11111111111111")
    assert cpf_valido("52998224725") and not cpf_valido("52998224724")
