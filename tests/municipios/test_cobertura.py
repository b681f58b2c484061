"""``nfse municipios cobertura``: the share of municipalities and population a working
provider serves, by system, from the registry in use (issue 22, point 5)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nfse.cli import app
from nfse.municipios import routing
from nfse.municipios.cobertura import EMISSOR_NACIONAL, cobertura


@pytest.fixture(autouse=True)
def tabela() -> Iterator[None]:
    routing.carregar(None)
    yield
    routing.carregar(None)


def _linha(saida: str, sistema: str) -> list[str]:
    for linha in saida.splitlines():
        if linha.startswith(sistema + " "):
            return re.split(r"\s{2,}", linha.strip())
    raise AssertionError(f"{sistema} ausente de:\n{saida}")


def test_coverage_of_the_shipped_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NFSE_MUNICIPIOS_FILE", raising=False)
    result = CliRunner().invoke(app, ["municipios", "cobertura"])
    assert result.exit_code == 0, result.output
    saida = result.output
    assert _linha(saida, EMISSOR_NACIONAL)[1:] == [
        "2,517", "2,517", "83,467,841", "83,467,841", "100.0 %"]
    assert _linha(saida, "ISSSaoPaulo")[1:] == ["1", "1", "11,895,578", "11,895,578", "100.0 %"]
    # Caxias do Sul (Infisc, the national DPS at its own address) is served; the other 8 not
    assert _linha(saida, "Infisc")[1:3] == ["9", "1"]
    # Cáceres (RLZ, ABRASF): its published production address is plain http
    assert _linha(saida, "RLZ")[1:3] == ["8", "0"]
    # ISSNet: the 5 municipalities whose production address is documented (Brasília,
    # Goiânia, Ribeirão Preto, Macapá, Itaúna)
    assert _linha(saida, "ISSNet")[1:5] == ["21", "5", "9,381,075", "5,795,517"]
    # Ginfes (abrasf_v1): one production address for every municipality
    assert _linha(saida, "Ginfes")[1:5] == ["14", "14", "4,040,820", "4,040,820"]
    assert _linha(saida, "Total")[1:3] == ["5,571", "2,538"]
    assert "população atendida: 105,679,012 de 212,589,522 (49.7 %)" in saida


def test_the_operators_file_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text('[municipios."3550308"]\nperfil = "dps_municipal"\n'
                       'url_producao = "https://sp.example/sefinnacional"\n'
                       '[sistemas.Betha]\nperfil = "dps_municipal"\n'
                       'url_producao = "https://betha.example/sefinnacional"\n',
                       encoding="utf-8")
    monkeypatch.setenv("NFSE_MUNICIPIOS_FILE", str(arquivo))
    result = CliRunner().invoke(app, ["municipios", "cobertura"])
    assert result.exit_code == 0, result.output
    assert _linha(result.output, "ISSSaoPaulo")[1:3] == ["1", "1"]
    assert _linha(result.output, "Betha")[1:3] == ["161", "161"]
    total, _ = cobertura()
    assert total.populacao_atendida == (83_947_097 + 11_895_578 + 2_969_435 + 5_795_517
                                        + 4_040_820)  # Ginfes


def test_homologacao_counts_systems_without_a_production_address() -> None:
    producao, _ = cobertura("producao")
    homologacao, linhas = cobertura("homologacao")
    assert homologacao.populacao_atendida > producao.populacao_atendida
    sil = next(linha for linha in linhas if linha.sistema == "SilTecnologia")
    assert sil.municipios_atendidos == sil.municipios == 9


def test_a_bad_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text('[municipios."3550308"]\nperfil = "nenhum"\n', encoding="utf-8")
    monkeypatch.setenv("NFSE_MUNICIPIOS_FILE", str(arquivo))
    result = CliRunner().invoke(app, ["municipios", "cobertura"])
    assert result.exit_code == 1
    assert 'o perfil "nenhum" não existe' in result.output
