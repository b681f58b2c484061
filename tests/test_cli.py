"""The ``nfse`` command as an administrator uses it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from nfse.api.app import create_app
from nfse.certs.generate import generate_a1
from nfse.cli import app
from nfse.config import Settings
from nfse.runtime import build_runtime
from nfse.store import empresas

runner = CliRunner()


def test_empresa_criar_prints_two_working_tokens(tmp_path: Path) -> None:
    pfx = tmp_path / "a1.pfx"
    pfx.write_bytes(generate_a1("07504505000132", "ACRAS LTDA").to_pfx("segredo"))
    data = tmp_path / "data"
    result = runner.invoke(app, [
        "empresa", "criar", "--cnpj", "07.504.505/0001-32", "--inscricao-municipal", "999",
        "--codigo-municipio", "4106902", "--certificado", str(pfx), "--senha", "segredo",
        "--nome", "ACRAS LTDA", "--data-dir", str(data),
    ])
    assert result.exit_code == 0, result.output
    tokens = dict(line.split(": ", 1) for line in result.output.splitlines()
                  if line.startswith("token_"))
    runtime = build_runtime(Settings(data_dir=data))
    with runtime.engine.connect() as conn:
        homologacao = empresas.autenticar(conn, tokens["token_homologacao"])
        producao = empresas.autenticar(conn, tokens["token_producao"])
    assert homologacao.ambiente == "homologacao" and producao.ambiente == "producao"
    assert homologacao.empresa.cnpj == "07504505000132"
    assert (data / "secret.key").exists()
    raw = (data / "nfse.db").read_bytes()
    assert tokens["token_homologacao"].encode() not in raw  # only hashes are stored
    assert b"segredo" not in raw


def test_empresa_criar_refuses_wrong_password_and_other_cnpj(tmp_path: Path) -> None:
    pfx = tmp_path / "a1.pfx"
    pfx.write_bytes(generate_a1("11222333000181", "OUTRA LTDA").to_pfx("segredo"))
    base = ["empresa", "criar", "--cnpj", "07504505000132", "--inscricao-municipal", "1",
            "--codigo-municipio", "4106902", "--certificado", str(pfx),
            "--data-dir", str(tmp_path / "data")]
    wrong = runner.invoke(app, base + ["--senha", "errada"])
    assert wrong.exit_code == 1 and "Senha do certificado incorreta" in wrong.output
    other = runner.invoke(app, base + ["--senha", "segredo"])
    assert other.exit_code == 1 and "11222333000181" in other.output


def test_db_upgrade(tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0 and (tmp_path / "nfse.db").exists()


def test_admin_token_opens_empresas(tmp_path: Path) -> None:
    result = runner.invoke(app, ["admin", "token", "criar", "--nome", "revenda",
                                 "--data-dir", str(tmp_path)])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    runtime = build_runtime(Settings(data_dir=tmp_path))
    with TestClient(create_app(runtime)) as client:
        assert client.get("/v2/empresas", auth=(token, "")).status_code == 200
        assert client.get("/v2/empresas", auth=("outro", "")).status_code == 401


def test_empresa_listar(tmp_path: Path) -> None:
    pfx = tmp_path / "a1.pfx"
    pfx.write_bytes(generate_a1("07504505000132", "OUTRA LTDA").to_pfx("segredo"))
    data = ["--data-dir", str(tmp_path / "data")]
    created = runner.invoke(app, ["empresa", "criar", "--cnpj", "07504505000132",
                                  "--inscricao-municipal", "1", "--codigo-municipio", "4106902",
                                  "--certificado", str(pfx), "--senha", "segredo",
                                  "--nome", "OUTRA LTDA", *data])
    assert created.exit_code == 0, created.output
    listed = runner.invoke(app, ["empresa", "listar", *data], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "1 empresa(s)" in listed.output
    assert "07504505000132" in listed.output and "OUTRA LTDA" in listed.output
