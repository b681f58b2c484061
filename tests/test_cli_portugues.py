"""Every text the ``nfse`` command shows is Portuguese, the framework's own included
(issue 23.5): usage, panels, the help option, errors of a missing or invalid option."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from nfse.cli import app

runner = CliRunner()
INGLES = re.compile(r"Usage|Options|OPTIONS|Commands|COMMAND|Show this message|Missing|"
                    r"Invalid value|Input should|for help|No such|\[default|\[required|"
                    r"Install completion|Error\b|<(str|int|float|bool|file|path|datetime)\b")


def test_help_is_in_portuguese() -> None:
    for comando in ([], ["empresa"], ["empresa", "criar"], ["serve"], ["sandbox", "abrasf"]):
        result = runner.invoke(app, [*comando, "--help"], terminal_width=200)
        assert result.exit_code == 0, result.output
        assert "Uso:" in result.output and "Mostra esta ajuda e sai." in result.output
        assert not INGLES.search(result.output), result.output
    criar = runner.invoke(app, ["empresa", "criar", "--help"], terminal_width=200).output
    for tipo in ("<texto>", "<arquivo>", "<sim/não>", "<inteiro>", "<caminho>"):
        assert tipo in criar, (tipo, criar)


def test_errors_are_in_portuguese() -> None:
    faltando = runner.invoke(app, ["empresa", "criar", "--cnpj", "07504505000132"],
                             terminal_width=200)
    assert faltando.exit_code == 2
    assert "Falta a opção" in faltando.output and not INGLES.search(faltando.output)
    invalido = runner.invoke(app, ["serve", "--port", "abc"], terminal_width=200)
    assert invalido.exit_code == 2
    assert "Valor inválido para '--port': informe um número inteiro" in invalido.output
    desconhecido = runner.invoke(app, ["empresa", "apagar"], terminal_width=200)
    assert "Comando 'apagar' não existe." in desconhecido.output
    assert not INGLES.search(desconhecido.output), desconhecido.output
