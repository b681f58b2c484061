"""``nfse backup`` / ``nfse restore`` (issue 23.4): back up a live gateway, wipe it, restore
it; the notes, the company and its certificate are back, and the certificate still decrypts
(the same ``secret.key``). On SQLite always, on PostgreSQL too with NFSE_TEST_DATABASE_URL."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from nfse.api.app import create_app
from nfse.cli import app
from nfse.config import Settings
from nfse.runtime import build_runtime
from nfse.store import empresas, notas
from nfse.store.tables import metadata
from tests.support import empresa_teste, nota_exemplo

runner = CliRunner()


def test_backup_wipe_restore(tmp_path: Path, database_url: str,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    dados = tmp_path / "dados"
    monkeypatch.setenv("NFSE_DATABASE_URL", database_url)
    monkeypatch.delenv("NFSE_SECRET_KEY", raising=False)
    settings = Settings(data_dir=dados, nacional_parametros_url_homologacao="off")
    runtime = build_runtime(settings)
    token, a1 = empresa_teste(runtime)
    with TestClient(create_app(runtime)) as client:
        aceita = client.post("/v2/nfse?ref=guardada", json=nota_exemplo(), auth=(token, ""))
    assert aceita.status_code == 202, aceita.text
    mensagem = dados / "maildir" / "new" / "1.eml"
    mensagem.parent.mkdir(parents=True)
    mensagem.write_text("Subject: NFS-e\n\nnota")
    chave = (dados / "secret.key").read_text()
    arquivo = tmp_path / "copia" / "nfse.tar.gz"

    feito = runner.invoke(app, ["backup", str(arquivo), "--data-dir", str(dados)])
    assert feito.exit_code == 0, feito.output
    assert arquivo.stat().st_mode & 0o077 == 0  # it holds the key
    with tarfile.open(arquivo) as tar:
        assert "secret.key" in tar.getnames()

    # wipe: the data directory and every table
    runtime.engine.dispose()
    if database_url.startswith("postgresql"):
        with runtime.engine.begin() as conn:
            metadata.drop_all(conn)
            conn.execute(text("DROP TABLE alembic_version"))
    else:
        banco = Path(database_url.removeprefix("sqlite:///"))
        for arquivo_banco in (banco, Path(f"{banco}-wal"), Path(f"{banco}-shm")):
            arquivo_banco.unlink(missing_ok=True)
    shutil.rmtree(dados)

    restaurado = runner.invoke(app, ["restore", str(arquivo), "--data-dir", str(dados)])
    assert restaurado.exit_code == 0, restaurado.output
    assert (dados / "secret.key").read_text() == chave
    assert (dados / "secret.key").stat().st_mode & 0o077 == 0
    assert mensagem.read_text() == "Subject: NFS-e\n\nnota"

    de_volta = build_runtime(Settings(data_dir=dados))
    try:
        with de_volta.engine.connect() as conn:
            credencial = empresas.autenticar(conn, token)
            assert credencial is not None
            nota = notas.get_by_ref(conn, credencial.empresa.id, "homologacao", "guardada")
            assert nota is not None and nota.status == "processando_autorizacao"
            certificado = empresas.load_a1(conn, de_volta.box, credencial.empresa.id)
        assert certificado.cert == a1.cert
    finally:
        de_volta.engine.dispose()

    de_novo = runner.invoke(app, ["restore", str(arquivo), "--data-dir", str(dados)])
    assert de_novo.exit_code == 1 and "--substituir" in de_novo.output


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    lixo = tmp_path / "lixo.tar.gz"
    lixo.write_bytes(b"nada")
    result = runner.invoke(app, ["restore", str(lixo), "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 1 and "Não foi possível ler o backup" in result.output


def test_a_key_from_the_environment_is_not_in_the_backup(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Restoring such a backup without NFSE_SECRET_KEY would create a new key that opens
    none of the certificates: refused, saying which key to set."""
    dados = tmp_path / "dados"
    monkeypatch.delenv("NFSE_DATABASE_URL", raising=False)
    monkeypatch.setenv("NFSE_SECRET_KEY", "chave-de-fora")
    build_runtime(Settings(data_dir=dados)).engine.dispose()
    arquivo = tmp_path / "b.tar.gz"
    feito = runner.invoke(app, ["backup", str(arquivo), "--data-dir", str(dados)])
    assert feito.exit_code == 0 and "NFSE_SECRET_KEY" in feito.output
    with tarfile.open(arquivo) as tar:
        assert "secret.key" not in tar.getnames()
    monkeypatch.delenv("NFSE_SECRET_KEY")
    novo = tmp_path / "novo"
    result = runner.invoke(app, ["restore", str(arquivo), "--data-dir", str(novo)])
    assert result.exit_code == 1
    assert "defina NFSE_SECRET_KEY com a mesma chave" in " ".join(result.output.split())
    assert not (novo / "secret.key").exists() and not (novo / "nfse.db").exists()
