"""``nfse empresa criar`` takes the certificate's password from NFSE_SENHA_CERTIFICADO or a
hidden prompt, so it need not go on the command line (shell history, ``ps``)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from nfse.certs.generate import generate_a1
from nfse.cli import app

runner = CliRunner()


def _base(tmp_path: Path) -> list[str]:
    pfx = tmp_path / "a1.pfx"
    pfx.write_bytes(generate_a1("07504505000132", "ACRAS LTDA").to_pfx("segredo"))
    return ["empresa", "criar", "--cnpj", "07504505000132", "--inscricao-municipal", "9",
            "--codigo-municipio", "4106902", "--certificado", str(pfx),
            "--data-dir", str(tmp_path / "data")]


def test_password_from_the_environment(tmp_path: Path) -> None:
    result = runner.invoke(app, _base(tmp_path), env={"NFSE_SENHA_CERTIFICADO": "segredo"})
    assert result.exit_code == 0, result.output
    assert "token_producao: " in result.output


def test_password_from_a_hidden_prompt(tmp_path: Path) -> None:
    result = runner.invoke(app, _base(tmp_path), input="segredo\n",
                           env={"NFSE_SENHA_CERTIFICADO": None})
    assert result.exit_code == 0, result.output
    assert "Senha do certificado" in result.output
    assert "segredo" not in result.output  # not echoed
    wrong = runner.invoke(app, _base(tmp_path), input="errada\n",
                          env={"NFSE_SENHA_CERTIFICADO": None})
    assert wrong.exit_code == 1 and "Senha do certificado incorreta" in wrong.output
