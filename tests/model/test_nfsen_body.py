"""SPEC §3: the flat ``/v2/nfsen`` body gives the same ``Nota`` as the equivalent nested
``/v2/nfse`` body, every problem named after the flat field, and a DPS that says back what the
flat body said."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.model.errors import Problema, RequisicaoInvalida
from nfse.model.nfse import parse_nfse
from nfse.model.nfsen import parse_nfsen, plano
from nfse.model.nota import Endereco, Nota, Pessoa
from nfse.providers.base import Emissor, Rps
from nfse.providers.nacional.dps import build_dps
from nfse.providers.nacional.dps import problemas as problemas_dps
from tests.support import CNPJ, IM, MUNICIPIO

NS = {"n": "http://www.sped.fazenda.gov.br/nfse"}
TOMADOR = "07504505000132"

FLAT: dict[str, Any] = {
    "data_emissao": "2026-03-10T10:30:00-0300",
    "data_competencia": "2026-03-10",
    "codigo_municipio_emissora": 3516200,
    "cnpj_prestador": CNPJ,
    "inscricao_municipal_prestador": IM,
    "codigo_opcao_simples_nacional": 1,
    "regime_especial_tributacao": 0,
    "cnpj_tomador": "07.504.505/0001-32",
    "razao_social_tomador": "Acras Tecnologia da Informação LTDA",
    "inscricao_municipal_tomador": "0123456",
    "codigo_municipio_tomador": 4106902,
    "cep_tomador": "80045-165",
    "logradouro_tomador": "Rua Dias da Rocha Filho",
    "numero_tomador": "999",
    "complemento_tomador": "Prédio 04 - Sala 34C",
    "bairro_tomador": "Alto da XV",
    "telefone_tomador": "(41) 3333-4444",
    "email_tomador": "contato@focusnfe.com.br",
    "codigo_municipio_prestacao": 3516200,
    "codigo_tributacao_nacional_iss": "010701",
    "codigo_tributacao_municipal_iss": "001",
    "codigo_nbs": "115021000",
    "descricao_servico": "Suporte técnico em informática\nMarço de 2026",
    "valor_servico": 100.00,
    "desconto_incondicionado": "5.00",
    "valor_deducao_servico": 0,
    "tributacao_iss": 1,
    "tipo_retencao_iss": 1,
    "percentual_aliquota_relativa_municipio": 2.5,
    "valor_cp": 0,
    "valor_irrf": "1.50",
    "valor_csll": 0,
    "percentual_total_tributos_federais": "13.45",
    "percentual_total_tributos_estaduais": "0.00",
    "percentual_total_tributos_municipais": "0.00",
    # sent by real clients, accepted and ignored
    "serie_dps": 1,
    "numero_dps": 1,
    "emitente_dps": 1,
    "codigo_municipio_incidencia": 3516200,
    "informacoes_complementares": False,
    # carried to the DPS (prest/fone)
    "telefone_prestador": "1133334444",
    # the PIS/COFINS group
    "situacao_tributaria_pis_cofins": "00",
    "valor_pis": 0.0,
}

NESTED: dict[str, Any] = {
    "data_emissao": "2026-03-10T10:30:00-03:00",
    "data_competencia": "2026-03-10",
    "natureza_operacao": 1,
    "optante_simples_nacional": False,
    "prestador": {"cnpj": CNPJ, "inscricao_municipal": IM, "codigo_municipio": MUNICIPIO,
                  "telefone": "1133334444"},
    "tomador": {
        "cnpj": TOMADOR,
        "razao_social": "Acras Tecnologia da Informação LTDA",
        "inscricao_municipal": "0123456",
        "telefone": "4133334444",
        "email": "contato@focusnfe.com.br",
        "endereco": {
            "logradouro": "Rua Dias da Rocha Filho", "numero": "999",
            "complemento": "Prédio 04 - Sala 34C", "bairro": "Alto da XV",
            "codigo_municipio": "4106902", "cep": "80045165",
        },
    },
    "servico": {
        "valor_servicos": "100.00",
        "desconto_incondicionado": 5,
        "iss_retido": False,
        "item_lista_servico": "010701",
        "codigo_tributario_municipio": "001",
        "codigo_nbs": "115021000",
        "discriminacao": "Suporte técnico em informática\nMarço de 2026",
        "codigo_municipio": MUNICIPIO,
        "aliquota": "2.50",
        "valor_ir": 1.5,
        "percentual_total_tributos_federais": 13.45,
        "percentual_total_tributos_estaduais": 0,
        "percentual_total_tributos_municipais": 0,
        "situacao_tributaria_pis_cofins": "00",
        "valor_pis": 0,
    },
}
"""The same note in the nested model. What the flat model cannot carry stays out of it:
incentivador_cultural, art, codigo_cnae, valor_iss, valor_iss_retido, base_calculo,
outras_retencoes, fonte_total_tributos, tomador.endereco.tipo_logradouro and uf (both then
derived alike), and the RPS substitution fields."""

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")


def flat(**changes: object) -> dict:
    body = copy.deepcopy(FLAT)
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def sem(*campos: str) -> dict:
    return {k: v for k, v in copy.deepcopy(FLAT).items() if k not in campos}


def problemas(body: object) -> dict[str, Problema]:
    with pytest.raises(RequisicaoInvalida) as caught:
        parse_nfsen(body)
    return {p.campo: p for p in caught.value.problemas}


def dps(body: dict, regime_empresa: int | None = 3) -> etree._Element:
    emissor = Emissor(a1=A1, ambiente="homologacao", base_url="https://x", ca_file=None,
                      razao_social="EMPRESA TESTE LTDA", regime_tributario=regime_empresa)
    root = etree.fromstring(build_dps(parse_nfsen(body), Rps("1", 3), emissor))
    return root.find("n:infDPS", NS)


def tomador(nota: Nota) -> Pessoa:
    assert nota.tomador is not None
    return nota.tomador


def endereco(nota: Nota) -> Endereco:
    found = tomador(nota).endereco
    assert found is not None
    return found


def text(node: etree._Element, path: str) -> str | None:
    return node.findtext(path, namespaces=NS)


def test_flat_example_is_the_nested_note() -> None:
    nota = parse_nfsen(FLAT)
    assert nota == parse_nfse(NESTED)
    assert nota.prestador.codigo_municipio == MUNICIPIO
    assert tomador(nota).cnpj == TOMADOR
    assert endereco(nota).uf == "PR"
    assert nota.servico.codigo_tributacao_nacional == "010701"
    assert nota.servico.base_calculo == Decimal("95.00")
    assert nota.servico.valor_iss == Decimal("2.38")
    assert nota.servico.valor_liquido == Decimal("93.50")
    assert nota.servico.reforma == {"codigo_nbs": "115021000"}


def test_minimal_body_uses_the_defaults_of_the_nested_door() -> None:
    body = {k: FLAT[k] for k in ("data_emissao", "codigo_municipio_emissora", "cnpj_prestador",
                                 "inscricao_municipal_prestador", "codigo_tributacao_nacional_iss",
                                 "descricao_servico", "valor_servico", "tipo_retencao_iss")}
    prestador = {k: v for k, v in NESTED["prestador"].items() if k != "telefone"}
    nested = {"data_emissao": NESTED["data_emissao"], "prestador": prestador,
              "servico": {"valor_servicos": 100, "iss_retido": "false",
                          "item_lista_servico": "010701",
                          "discriminacao": NESTED["servico"]["discriminacao"]}}
    nota = parse_nfsen(body)
    assert nota == parse_nfse(nested)
    assert (nota.natureza_operacao, nota.optante_simples_nacional, nota.tomador) == (1, None, None)
    assert nota.servico.codigo_municipio == MUNICIPIO


def test_erp_blanks_and_zero_municipalities_mean_absent() -> None:
    """The OCA module sends "" for a missing tomador and 0 for unknown IBGE codes."""
    blanks: dict[str, object] = {k: "" for k in FLAT if k.endswith("_tomador")}
    blanks["codigo_municipio_tomador"] = 0
    nota = parse_nfsen(flat(**blanks, codigo_municipio_prestacao=0))
    assert nota.tomador is None
    assert nota.servico.codigo_municipio == MUNICIPIO
    partial = {k: "" for k in ("complemento_tomador", "telefone_tomador", "email_tomador")}
    assert endereco(parse_nfsen(flat(**partial))).complemento is None


def test_every_missing_required_field_by_its_flat_name() -> None:
    required = ("data_emissao", "codigo_municipio_emissora", "cnpj_prestador",
                "codigo_tributacao_nacional_iss", "descricao_servico", "valor_servico",
                "tipo_retencao_iss")
    found = problemas(sem(*required, "cpf_prestador"))
    assert list(found) == list(required)
    for campo, problema in found.items():
        assert problema.mensagem == f'Parâmetro "{campo}" não informado'
    assert list(problemas({})) == list(required)


def test_inscricao_municipal_is_optional() -> None:
    """The national system refuses an IM the CNC does not know (E0120)."""
    nota = parse_nfsen(sem("inscricao_municipal_prestador"))
    assert nota.prestador.inscricao_municipal == ""
    assert text(dps(sem("inscricao_municipal_prestador")), "n:prest/n:IM") is None


def test_prestador_by_cpf() -> None:
    nota = parse_nfsen(flat(cnpj_prestador=None, cpf_prestador="111.444.777-35"))
    assert (nota.prestador.cnpj, nota.prestador.cpf) == (None, "11144477735")


def test_invalid_values_are_named_after_the_flat_fields_all_at_once() -> None:
    found = problemas(flat(cnpj_tomador="07504505000131", cep_tomador="123",
                           codigo_municipio_tomador="4199999", email_tomador="nada",
                           valor_servico="1,5x", codigo_tributacao_nacional_iss="0107",
                           percentual_aliquota_relativa_municipio="abc",
                           codigo_municipio_emissora=1234567))
    assert list(found) == ["codigo_municipio_emissora", "cnpj_tomador", "email_tomador",
                           "codigo_municipio_tomador", "cep_tomador",
                           "codigo_tributacao_nacional_iss", "valor_servico",
                           "percentual_aliquota_relativa_municipio"]
    for campo, problema in found.items():
        assert problema.mensagem == f'Parâmetro "{campo}" inválido'
        assert "." not in problema.campo


def test_tomador_without_document() -> None:
    found = problemas(flat(cnpj_tomador=None))
    assert found["cpf_tomador"].mensagem == 'Parâmetro "cpf_tomador" não informado'
    nota = parse_nfsen(flat(cnpj_tomador=None, nif_tomador="AB123", codigo_municipio_tomador=None,
                            cep_tomador=None))
    assert (tomador(nota).cnpj, tomador(nota).nif) == (None, "AB123")


def test_intermediario_mirrors_the_tomador() -> None:
    nota = parse_nfsen(flat(cpf_intermediario="11144477735",
                            razao_social_intermediario="Fulano de Tal"))
    assert nota.intermediario is not None
    assert nota.intermediario.cpf == "11144477735"
    assert nota.intermediario.razao_social == "Fulano de Tal"
    assert "cpf_intermediario" in problemas(flat(razao_social_intermediario="Fulano"))


def test_numbers_and_codes_as_strings() -> None:
    nota = parse_nfsen(flat(valor_servico="1500.5", codigo_municipio_emissora="3516200",
                            codigo_opcao_simples_nacional="1", tributacao_iss="1",
                            tipo_retencao_iss="2", valor_cp="10", valor_csll=1,
                            percentual_aliquota_relativa_municipio="2"))
    servico = nota.servico
    assert servico.valor_servicos == Decimal("1500.50")
    assert servico.iss_retido is True
    assert (servico.valor_inss, servico.valor_csll) == (Decimal("10.00"), Decimal("1.00"))
    assert servico.aliquota == Decimal("2.0000")
    assert servico.valor_iss == Decimal("29.91")  # (1500.50 - 5.00) x 2 %
    assert servico.valor_liquido == Decimal("1500.50") - 5 - 10 - 1 - Decimal("1.50") \
        - Decimal("29.91")


@pytest.mark.parametrize("raw,retido", [(1, False), ("1", False), (2, True), ("2", True),
                                        (3, True), ("3", True)])
def test_tipo_retencao_iss_codes(raw: object, retido: bool) -> None:
    """1/2/3 are codes of tpRetISSQN: "2" is retido, not the ABRASF "2" = não."""
    assert parse_nfsen(flat(tipo_retencao_iss=raw)).servico.iss_retido is retido


@pytest.mark.parametrize("raw", ["sim", 0, 4, "true"])
def test_tipo_retencao_iss_invalid(raw: object) -> None:
    found = problemas(flat(tipo_retencao_iss=raw))
    assert list(found) == ["tipo_retencao_iss"]
    assert found["tipo_retencao_iss"].mensagem == 'Parâmetro "tipo_retencao_iss" inválido'


@pytest.mark.parametrize("opcao,optante,regime", [
    (1, False, None), ("2", True, 5), (3, True, None), (None, None, None)])
def test_opcao_simples_nacional(opcao: object, optante: bool | None, regime: int | None) -> None:
    nota = parse_nfsen(flat(codigo_opcao_simples_nacional=opcao))
    assert (nota.optante_simples_nacional, nota.regime_especial_tributacao) == (optante, regime)


@pytest.mark.parametrize("nacional,modelo", [(0, None), (1, 4), (2, 2), (3, 1), ("6", 3)])
def test_regime_especial_national_to_model(nacional: object, modelo: int | None) -> None:
    assert parse_nfsen(flat(regime_especial_tributacao=nacional)).regime_especial_tributacao \
        == modelo


@pytest.mark.parametrize("nacional", [4, 5, 9])
def test_regime_especial_not_representable(nacional: int) -> None:
    problema = problemas(flat(regime_especial_tributacao=nacional))["regime_especial_tributacao"]
    assert "ainda não suportado" in problema.mensagem
    # MEI must declare regEspTrib 0 (E0174): whatever came is ignored
    assert parse_nfsen(flat(regime_especial_tributacao=nacional, codigo_opcao_simples_nacional=2)
                       ).regime_especial_tributacao == 5


def test_regime_especial_invalid() -> None:
    campo = "regime_especial_tributacao"
    for raw in (7, "x", -1):
        assert problemas(flat(**{campo: raw}))[campo].mensagem == f'Parâmetro "{campo}" inválido'
    assert "codigo_opcao_simples_nacional" in problemas(flat(codigo_opcao_simples_nacional=4))


@pytest.mark.parametrize("tributacao,nome", [(3, "exportação"), ("4", "não incidência")])
def test_tributacao_iss_3_and_4_are_refused(tributacao: int | str, nome: str) -> None:
    found = problemas(flat(tributacao_iss=tributacao))
    assert list(found) == ["tributacao_iss"]
    problema = found["tributacao_iss"]
    assert problema.mensagem == \
        f'Parâmetro "tributacao_iss" = {int(tributacao)} ({nome}) ainda não suportado'
    assert "use 1 (operação tributável) ou 2 (imunidade)" in str(problema.correcao)


def test_tributacao_iss_imune() -> None:
    nota = parse_nfsen(flat(tributacao_iss=2, tipo_imunidade="3"))
    assert (nota.natureza_operacao, nota.tipo_imunidade) == (4, 3)
    assert "tributacao_iss" in problemas(flat(tributacao_iss=5))


def test_suspensao_and_beneficio_municipal() -> None:
    processo = "1" * 30
    nota = parse_nfsen(flat(tipo_exigibilidade_suspensao=1, numero_processo_suspensao=processo))
    assert (nota.natureza_operacao, nota.numero_processo_suspensao) == (5, processo)
    assert parse_nfsen(flat(tipo_exigibilidade_suspensao="2")).natureza_operacao == 6
    nota = parse_nfsen(flat(numero_beneficio_municipal="12345678901234"))
    assert (nota.natureza_operacao, nota.numero_beneficio_municipal) == (3, "12345678901234")
    assert "tipo_exigibilidade_suspensao" in problemas(flat(numero_processo_suspensao=processo))
    assert "numero_beneficio_municipal" in problemas(flat(
        tipo_exigibilidade_suspensao=1, numero_beneficio_municipal="12345678901234"))
    assert "tipo_exigibilidade_suspensao" in problemas(flat(tributacao_iss=2,
                                                            tipo_exigibilidade_suspensao=1))


def test_percentual_total_tributos() -> None:
    """The three shares stay apart (they were summed into the federal one)."""
    servico = parse_nfsen(flat(percentual_total_tributos_municipais="2.00")).servico
    assert servico.percentuais_tributos == (Decimal("13.45"), Decimal("0.00"), Decimal("2.00"))
    assert servico.percentual_total_tributos is None
    simples = {"codigo_opcao_simples_nacional": 3, "percentual_total_tributos_simples_nacional": 6}
    assert parse_nfsen(flat(**simples)).servico.percentual_total_tributos == Decimal("6.00")
    only_sn = sem(*(k for k in FLAT if k.startswith("percentual_total")))
    only_sn["percentual_total_tributos_simples_nacional"] = "4.5"
    assert parse_nfsen(only_sn).servico.percentual_total_tributos == Decimal("4.50")
    assert "percentual_total_tributos_estaduais" in problemas(
        flat(percentual_total_tributos_estaduais="-1"))


def test_fields_that_must_not_be_dropped_are_refused() -> None:
    found = problemas(flat(emitente_dps=2, tributacao_iss=3))
    assert list(found) == ["emitente_dps", "tributacao_iss"]


def test_percentual_deducao_becomes_pdr_and_lowers_the_base() -> None:
    servico = parse_nfsen(flat(percentual_deducao_servico="10")).servico
    assert servico.percentual_deducoes == Decimal("10.00")
    assert servico.valor_deducoes == Decimal("10.00")
    assert servico.base_calculo == Decimal("85.00")  # 100 - 10 - 5 (desconto incondicionado)
    assert parse_nfsen(flat(percentual_deducao_servico="0.00")).servico.valor_deducoes == 0


def test_substitution_by_key() -> None:
    nota = parse_nfsen(flat(chave_nfse_substituida="3" * 50,
                            codigo_justificativa_substituicao="05",
                            motivo_substituicao="Rejeitada pelo tomador do serviço"))
    assert nota.chave_nfse_substituida == "3" * 50
    assert nota.codigo_motivo_substituicao == "05"
    assert nota.motivo_substituicao == "Rejeitada pelo tomador do serviço"
    found = problemas(flat(chave_nfse_substituida="123"))
    assert found["chave_nfse_substituida"].mensagem == \
        'Parâmetro "chave_nfse_substituida" inválido'


def test_national_groups_through_the_flat_door() -> None:
    nota = parse_nfsen(flat(
        cnpj_tomador=None, nif_tomador="123456789", codigo_municipio_tomador=None,
        cep_tomador=None, codigo_pais_ext_tomador="us", cep_ext_tomador="10001",
        nome_cidade_ext_tomador="New York", regiao_ext_tomador="NY",
        situacao_tributaria_pis_cofins="1", base_calculo_pis_cofins=95, aliquota_pis="0.65",
        aliquota_cofins=3, valor_pis="0.62", valor_cofins="2.85", tipo_retencao_pis_cofins=2,
        codigo_obra="OBRA-1", inscricao_imobiliaria_fiscal_obra="IMOB-9",
        nome_evento="Feira de Tecnologia", data_inicio_evento="2026-03-01",
        data_fim_evento="2026-03-03", identificacao_evento="EVT-2026-1",
        codigo_pais_prestacao="AR"))
    endereco = nota.tomador.endereco
    assert (endereco.codigo_pais, endereco.codigo_postal, endereco.cidade, endereco.regiao) == (
        "US", "10001", "New York", "NY")
    grupo = nota.servico.pis_cofins
    assert (grupo.situacao_tributaria, grupo.tipo_retencao, grupo.base_calculo,
            grupo.valor_pis, grupo.valor_cofins) == ("01", "2", Decimal("95.00"),
                                                     Decimal("0.62"), Decimal("2.85"))
    # not retained: they stay in valor_liquido
    assert nota.servico.valor_liquido == Decimal("100.00") - 5 - Decimal("1.50")
    assert (nota.obra.codigo, nota.obra.inscricao_imobiliaria_fiscal) == ("OBRA-1", "IMOB-9")
    assert (nota.evento.nome, nota.evento.identificacao) == ("Feira de Tecnologia", "EVT-2026-1")
    assert nota.servico.codigo_pais == "AR"
    found = problemas(flat(codigo_pais_ext_tomador="US", nome_evento="Feira"))
    assert {"cep_ext_tomador", "nome_cidade_ext_tomador", "regiao_ext_tomador",
            "data_inicio_evento", "data_fim_evento", "identificacao_evento"} <= set(found)
    sem_cst = sem("situacao_tributaria_pis_cofins")
    sem_cst["aliquota_pis"] = 1
    assert "aliquota_pis" in problemas(sem_cst)


def test_valor_liquido_negative_is_reported_on_valor_servico() -> None:
    found = problemas(flat(valor_irrf=200))
    assert found["valor_servico"].mensagem == 'Parâmetro "valor_servico" inválido'
    found = problemas(flat(valor_deducao_servico=200))
    assert "valor_deducao_servico" in found


def test_body_must_be_an_object() -> None:
    bodies: tuple[object, ...] = (None, [], "texto")
    for body in bodies:
        assert list(problemas(body)) == [""]


def test_provider_problems_renamed_for_the_flat_door() -> None:
    nota = parse_nfsen(flat(razao_social_tomador=None))
    renamed = plano(problemas_dps(nota))
    assert [(p.campo, p.mensagem) for p in renamed] == [
        ("razao_social_tomador", 'Parâmetro "razao_social_tomador" não informado')]


@pytest.mark.parametrize("opcao,especial,op_simp_nac,reg_esp_trib", [
    (1, 0, "1", "0"), (1, 1, "1", "1"), (1, 2, "1", "2"), (1, 3, "1", "3"), (1, 6, "1", "6"),
    (2, 0, "2", "0"), (3, 0, "3", "0"),
])
def test_dps_says_back_the_regime(opcao: int, especial: int, op_simp_nac: str,
                                  reg_esp_trib: str) -> None:
    body = flat(codigo_opcao_simples_nacional=opcao, regime_especial_tributacao=especial)
    if opcao == 2:  # MEI: no federal taxes (E0676) nor rate
        body.update(valor_irrf=None, percentual_aliquota_relativa_municipio=None,
                    situacao_tributaria_pis_cofins=None, valor_pis=None)
    inf = dps(body, regime_empresa=None)
    assert text(inf, "n:prest/n:regTrib/n:opSimpNac") == op_simp_nac
    assert text(inf, "n:prest/n:regTrib/n:regEspTrib") == reg_esp_trib


@pytest.mark.parametrize("tributacao,retencao", [(1, 1), (1, 2), (2, 1)])
def test_dps_says_back_the_iss(tributacao: int, retencao: int) -> None:
    inf = dps(flat(tributacao_iss=tributacao, tipo_retencao_iss=retencao))
    assert text(inf, "n:cLocEmi") == MUNICIPIO
    assert text(inf, "n:prest/n:CNPJ") == CNPJ
    assert text(inf, "n:toma/n:CNPJ") == TOMADOR
    assert text(inf, "n:serv/n:locPrest/n:cLocPrestacao") == MUNICIPIO
    assert text(inf, "n:serv/n:cServ/n:cTribNac") == "010701"
    assert text(inf, "n:serv/n:cServ/n:cTribMun") == "001"
    assert text(inf, "n:serv/n:cServ/n:cNBS") == "115021000"
    assert text(inf, "n:valores/n:vServPrest/n:vServ") == "100.00"
    assert text(inf, "n:valores/n:trib/n:tribMun/n:tribISSQN") == str(tributacao)
    assert text(inf, "n:valores/n:trib/n:tribMun/n:tpRetISSQN") == str(retencao)
    assert text(inf, "n:valores/n:trib/n:tribFed/n:vRetIRRF") == "1.50"


def test_deduction_documents() -> None:
    documentos = [{"tipo_deducao": "7", "chave_nfse": "1" * 50, "data_emissao": "2026-03-01",
                   "valor_dedutivel": "20", "valor_deducao": "12.5"}]
    servico = parse_nfsen(flat(valor_deducao_servico=None, documentos_deducao=documentos)).servico
    assert servico.valor_deducoes == Decimal("12.50")
    [documento] = servico.documentos_deducao
    assert (documento.tipo, documento.chave_nfse) == ("7", "1" * 50)
    found = problemas(flat(documentos_deducao=[{"tipo_deducao": "99", "chave_nfe": "123"}]))
    assert {"documentos_deducao[0].descricao", "documentos_deducao[0].chave_nfe",
            "documentos_deducao[0].data_emissao", "documentos_deducao[0].valor_deducao"} \
        <= set(found)


def test_combinations_that_would_lose_a_value_are_refused() -> None:
    found = problemas(flat(valor_deducao_servico=10, percentual_deducao_servico=5))
    assert "percentual_deducao_servico" in found
    documento = {"tipo_deducao": "2", "numero_documento": "1", "data_emissao": "2026-03-01",
                 "valor_dedutivel": 1, "valor_deducao": 1}
    assert "documentos_deducao" in problemas(flat(percentual_deducao_servico=5,
                                                  documentos_deducao=[documento]))
    assert "logradouro_obra" in problemas(flat(codigo_obra="X", cep_obra="14400000",
                                               logradouro_obra="Rua", numero_obra="1",
                                               bairro_obra="Centro"))
    assert "logradouro_evento" in problemas(flat(
        nome_evento="Feira", data_inicio_evento="2026-03-01", data_fim_evento="2026-03-02",
        identificacao_evento="E1", cep_evento="14400000", logradouro_evento="Rua",
        numero_evento="1", bairro_evento="Centro"))
    assert "aliquota_pis" in problemas(flat(aliquota_pis=100))
    assert "chave_nfse_substituida" in problemas(flat(chave_nfse_substituida="١" * 50))


def test_numbers_and_dates_out_of_range_are_400_not_500() -> None:
    assert "valor_servico" in problemas(flat(valor_servico="1E+30"))
    assert "percentual_deducao_servico" in problemas(flat(percentual_deducao_servico="9" * 29))
    assert "data_inicio_evento" in problemas(flat(
        nome_evento="Feira", data_inicio_evento="0001-01-01T00:00:00+14:00",
        data_fim_evento="2026-03-02", identificacao_evento="E1"))
