"""The generator of ``emissores.csv``: the official list joined to ACBr's systems by UF and
name, the IBGE code found where the joined file has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from nfse.municipios.gerar_municipios import CAMPOS, linhas

ADERENTES = """Regiao,UF,NomeMunicipio,CNPJ,StatusConvenioSEFIN,AderenteAmbienteNacional,\
AderenteEmissorNacional,AderenteMAN,AtivoNaBase,AtivoUltimoPeriodo,Populacao,Situação
Sudeste,SP,SAO PAULO,1,Conveniado Ativo,Sim,Não,Não,Sim,Sim,11895578,Ativo
Sudeste,SP,SERTAOZINHO,2,Conveniado Ativo,Sim,Sim,Não,Sim,Sim,131600,Ativo
Nordeste,RN,BOA SAUDE,3,Conveniado Ativo,Sim,Não,Não,Sim,Sim,9000,Ativo
Sudeste,RJ,PARATY,4,Conveniado Ativo,Sim,Não,Não,Sim,Sim,45000,Ativo
"""
PROVEDORES = """ibge,uf,nome,populacao,convenio,aderente_emissor_nacional,provedor_acbr_2026_06,\
versao_acbr
3550308,SP,SAO PAULO,11895578,Conveniado Ativo,Não,ISSSaoPaulo,***
3551702,SP,SERTAOZINHO,131600,Conveniado Ativo,Sim,PadraoNacional,
,RN,BOA SAUDE,9000,Conveniado Ativo,Não,,
,RJ,PARATY,45000,Conveniado Ativo,Não,Fiorilli,2.00
"""


def _fontes(tmp_path: Path, provedores: str = PROVEDORES) -> tuple[Path, Path]:
    aderentes = tmp_path / "aderentes.csv"
    aderentes.write_text(ADERENTES, encoding="utf-8")
    joined = tmp_path / "provedores.csv"
    joined.write_text(provedores, encoding="utf-8")
    return aderentes, joined


def test_rows_join_both_lists_by_uf_and_name(tmp_path: Path) -> None:
    rows = linhas(*_fontes(tmp_path))
    assert all(list(row) == list(CAMPOS) for row in rows)
    assert rows == [
        {"ibge": "2405306", "emissor_nacional": "0", "sistema": "", "versao": "",
         "populacao": "9000"},  # Boa Saúde is Januário Cicco in the IBGE table
        {"ibge": "3303807", "emissor_nacional": "0", "sistema": "Fiorilli", "versao": "2.00",
         "populacao": "45000"},  # Paraty, no code in the joined file: found by name
        {"ibge": "3550308", "emissor_nacional": "0", "sistema": "ISSSaoPaulo", "versao": "",
         "populacao": "11895578"},
        {"ibge": "3551702", "emissor_nacional": "1", "sistema": "PadraoNacional",
         "versao": "", "populacao": "131600"},
    ]


def test_a_municipality_without_a_code_anywhere_stops_it(tmp_path: Path) -> None:
    provedores = PROVEDORES + ",SP,NAO EXISTE,1,Conveniado Ativo,Não,,\n"
    with pytest.raises(SystemExit, match="sem código IBGE: SP NAO EXISTE"):
        linhas(*_fontes(tmp_path, provedores))
