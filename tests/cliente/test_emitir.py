"""``nfse emitir``: a CSV of 500 notes with 10 bad rows against the running gateway; the bad
rows are reported by row and field, the others authorized, and a second run issues nothing
again."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nfse.cli import app
from nfse.cliente.lote import MODELO_CSV
from tests.support import Gateway, nota_exemplo, nota_plana

pytestmark = pytest.mark.slow

RUIMS = {7: ("valor_servico", "abc"), 50: ("descricao_servico", ""),
         99: ("cnpj_tomador", "11111111111111"), 150: ("valor_servico", "-3"),
         201: ("descricao_servico", ""), 260: ("cnpj_tomador", "123"),
         333: ("valor_servico", "abc"), 400: ("tributacao_iss", "7"),
         450: ("cnpj_tomador", "11111111111111"), 499: ("valor_servico", "")}
"""Spreadsheet row → the field made wrong in it."""


def _planilha(caminho: Path) -> None:
    base = nota_plana()
    colunas = sorted(set(base) | {"ref"})
    with caminho.open("w", newline="", encoding="utf-8") as arquivo:
        escritor = csv.DictWriter(arquivo, fieldnames=colunas, delimiter=";")
        escritor.writeheader()
        for linha in range(2, 502):
            registro = {**base, "valor_servico": f"{linha}.00"}
            if linha in RUIMS:
                campo, valor = RUIMS[linha]
                registro[campo] = valor
            escritor.writerow(registro)


def _resultados(caminho: Path) -> dict[int, dict[str, str]]:
    with caminho.open(encoding="utf-8") as arquivo:
        return {int(r["linha"]): r for r in csv.DictReader(arquivo)}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the client's logic
def test_a_spreadsheet_is_issued_bad_rows_reported_and_a_rerun_sends_nothing(
        gateway: Gateway, tmp_path: Path) -> None:
    planilha = tmp_path / "vendas novembro.csv"
    _planilha(planilha)
    saida = tmp_path / "resultado.csv"
    args = ["emitir", str(planilha), "--url", gateway.base_url, "--token", gateway.token,
            "--saida", str(saida), "--concorrencia", "16"]
    primeira = CliRunner().invoke(app, args)
    assert primeira.exit_code == 1, primeira.output  # some rows were refused
    resultados = _resultados(saida)
    assert len(resultados) == 500
    for linha, (campo, _) in RUIMS.items():
        assert resultados[linha]["status"] == "rejeitada", resultados[linha]
        assert campo in resultados[linha]["erros"], resultados[linha]
    boas = [r for linha, r in resultados.items() if linha not in RUIMS]
    assert {r["status"] for r in boas} == {"autorizado"}
    assert all(r["numero"] and r["url_danfse"] for r in boas)
    assert resultados[2]["ref"] == "vendas-novembro-2"
    assert "autorizado" in primeira.output and "linha 7" in primeira.output
    emitidas = len(gateway.sandbox.emitidas())
    assert emitidas == 490

    segunda = CliRunner().invoke(app, args)
    assert segunda.exit_code == 1
    assert len(gateway.sandbox.emitidas()) == emitidas
    assert _resultados(saida) == resultados


def test_the_template_has_every_column_a_row_needs() -> None:
    saida = CliRunner().invoke(app, ["emitir", "--modelo"])
    assert saida.exit_code == 0
    cabecalho, exemplo = list(csv.reader(saida.output.splitlines()))[:2]
    assert cabecalho == list(MODELO_CSV)
    assert dict(zip(cabecalho, exemplo, strict=True))["valor_servico"] == "100.00"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_json_lines_of_focus_notes(gateway: Gateway, tmp_path: Path) -> None:
    """One Focus note per line for /v2/nfse; a line that is not JSON is reported by its
    number; a ``ref`` key names the note."""
    arquivo = tmp_path / "notas.jsonl"
    arquivo.write_text("\n".join([
        json.dumps(nota_exemplo()),
        "{isto não é json",
        "",
        json.dumps({**nota_exemplo(), "ref": "minha-ref"}),
    ]), encoding="utf-8")
    saida = tmp_path / "r.csv"
    resultado = CliRunner().invoke(app, ["emitir", str(arquivo), "--url", gateway.base_url,
                                         "--token", gateway.token, "--saida", str(saida)])
    assert resultado.exit_code == 1, resultado.output
    linhas = _resultados(saida)
    assert (linhas[1]["ref"], linhas[1]["status"]) == ("notas-1", "autorizado")
    assert linhas[2]["status"] == "rejeitada" and "JSON inválido" in linhas[2]["erros"]
    assert (linhas[4]["ref"], linhas[4]["status"]) == ("minha-ref", "autorizado")
    assert gateway.client.get("/v2/nfse/minha-ref").json()["status"] == "autorizado"
