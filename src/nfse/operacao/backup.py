"""``nfse backup`` / ``nfse restore``: one archive with everything a gateway cannot lose.

- the database, copied consistently while the server runs: SQLite through its online backup
  API (a page-by-page copy under a read transaction), PostgreSQL through ``pg_dump`` (custom
  format; the client tools must be installed);
- ``secret.key``: without it no stored certificate, certificate password or webhook secret
  can be read (when the key comes from ``NFSE_SECRET_KEY`` it is not in the archive: keep
  that value apart);
- the local maildir, messages written when no SMTP server is configured.

Every XML, DANFSe and exchanged message of a note lives in the database (``artefatos``), so
the database copy carries the documents too.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.engine import make_url

from nfse.config import Settings

MANIFESTO = "manifesto.json"
CHAVE = "secret.key"
SQLITE = "banco/nfse.db"
POSTGRES = "banco/postgresql.dump"
MAILDIR = "maildir"
VERSAO = 1


class ErroBackup(Exception):
    """The backup or the restore cannot go on; the message says why, in Portuguese."""


@dataclass(frozen=True)
class Resumo:
    arquivo: Path
    banco: str
    com_chave: bool


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise ErroBackup("Banco SQLite em memória: não há o que copiar")
    return Path(parsed.database)


@dataclass(frozen=True)
class Postgres:
    """How to call pg_dump/pg_restore: the URL without its password (which would show in
    ``ps``), the password in the environment, and the ``--schema`` a search_path confines
    the gateway to."""

    url: str
    ambiente: dict[str, str]
    esquema: list[str]


def _pg(url: str) -> Postgres:
    parsed = make_url(url).set(drivername="postgresql")
    ambiente = dict(os.environ)
    if parsed.password is not None:
        ambiente["PGPASSWORD"] = str(parsed.password)
        parsed = parsed.set(password=None)
    libpq = parsed.render_as_string(hide_password=False)
    opcoes = parse_qs(urlsplit(libpq).query).get("options", [])
    esquemas = [o.split("search_path=", 1)[1] for o in opcoes if "search_path=" in o]
    return Postgres(libpq, ambiente, [f"--schema={e}" for e in esquemas])


def _ferramenta(nome: str) -> str:
    caminho = shutil.which(nome)
    if caminho is None:
        raise ErroBackup(f"{nome} não encontrado: instale o cliente do PostgreSQL "
                         f"(apt-get install postgresql-client) da mesma versão do servidor")
    return caminho


def _rodar(comando: list[str], ambiente: dict[str, str]) -> None:
    feito = subprocess.run(comando, capture_output=True, text=True, env=ambiente)
    if feito.returncode != 0:
        raise ErroBackup(f"{Path(comando[0]).name} falhou: {feito.stderr.strip()}")


def _adicionar_bytes(tar: tarfile.TarFile, nome: str, conteudo: bytes, modo: int = 0o600) -> None:
    info = tarfile.TarInfo(nome)
    info.size = len(conteudo)
    info.mode = modo
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(conteudo))


def fazer_backup(settings: Settings, destino: Path) -> Resumo:
    """Write the archive ``destino`` (a .tar.gz, mode 0600: it holds the key)."""
    url = settings.database_url or ""
    dados = Path(settings.data_dir)
    destino.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        copia = Path(tmp) / "copia"
        sqlite = _sqlite_path(url)
        if sqlite is not None:
            if not sqlite.exists():
                raise ErroBackup(f"Banco de dados não encontrado: {sqlite}")
            origem = sqlite3.connect(f"file:{sqlite}?mode=ro", uri=True)
            alvo = sqlite3.connect(copia)
            try:
                origem.backup(alvo)
            finally:
                alvo.close()
                origem.close()
            banco, membro = "sqlite", SQLITE
        else:
            pg = _pg(url)
            _rodar([_ferramenta("pg_dump"), "--format=custom", "--no-owner",
                    f"--file={copia}", *pg.esquema, pg.url], pg.ambiente)
            banco, membro = "postgresql", POSTGRES
        chave = dados / CHAVE
        com_chave = settings.secret_key is None and chave.exists()
        manifesto = {"versao": VERSAO, "criado_em": datetime.now(UTC).isoformat(),
                     "banco": banco, "chave_incluida": com_chave}
        fd = os.open(destino, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as arquivo, tarfile.open(fileobj=arquivo, mode="w:gz") as tar:
            _adicionar_bytes(tar, MANIFESTO, json.dumps(manifesto, indent=2).encode(), 0o644)
            tar.add(copia, arcname=membro)
            if com_chave:
                _adicionar_bytes(tar, CHAVE, chave.read_bytes())
            if (dados / MAILDIR).is_dir():
                tar.add(dados / MAILDIR, arcname=MAILDIR)
    return Resumo(destino, banco, com_chave)


def _ler_manifesto(tar: tarfile.TarFile) -> dict[str, object]:
    try:
        conteudo = tar.extractfile(MANIFESTO)
    except KeyError:
        conteudo = None
    if conteudo is None:
        raise ErroBackup("Arquivo sem manifesto.json: não é um backup do nfse")
    return json.loads(conteudo.read())


def restaurar(settings: Settings, origem: Path, *, substituir: bool = False) -> Resumo:
    """Put an archive back into the data directory and the configured database. Refuses to
    overwrite an existing database or key unless ``substituir``."""
    url = settings.database_url or ""
    dados = Path(settings.data_dir)
    try:
        tar = tarfile.open(origem, mode="r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise ErroBackup(f"Não foi possível ler o backup {origem}: {exc}") from exc
    with tar, tempfile.TemporaryDirectory() as tmp:
        manifesto = _ler_manifesto(tar)
        tar.extractall(tmp, filter="data")
        extraido = Path(tmp)
        sqlite = _sqlite_path(url)
        if manifesto["banco"] == "sqlite" and sqlite is None:
            raise ErroBackup("O backup é de um banco SQLite e NFSE_DATABASE_URL aponta para "
                             "PostgreSQL: restaure num diretório com SQLite")
        if manifesto["banco"] == "postgresql" and sqlite is not None:
            raise ErroBackup("O backup é de um banco PostgreSQL: defina NFSE_DATABASE_URL "
                             "com o banco de destino")
        if not manifesto.get("chave_incluida") and not settings.secret_key:
            raise ErroBackup("O backup não traz a chave (ela vinha de NFSE_SECRET_KEY): "
                             "defina NFSE_SECRET_KEY com a mesma chave; sem ela os "
                             "certificados não podem ser lidos")
        chave = dados / CHAVE
        existentes = [p for p in (chave, sqlite) if p is not None and p.exists()]
        if existentes and not substituir:
            raise ErroBackup("Já existem dados em " + ", ".join(map(str, existentes))
                             + ": use --substituir para sobrescrevê-los")
        dados.mkdir(parents=True, exist_ok=True)
        if manifesto.get("chave_incluida"):
            chave.unlink(missing_ok=True)
            fd = os.open(chave, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as destino:
                destino.write((extraido / CHAVE).read_bytes())
        if sqlite is not None:
            sqlite.parent.mkdir(parents=True, exist_ok=True)
            for resto in (sqlite, Path(f"{sqlite}-wal"), Path(f"{sqlite}-shm")):
                resto.unlink(missing_ok=True)
            shutil.copyfile(extraido / SQLITE, sqlite)
        else:
            pg = _pg(url)
            _rodar([_ferramenta("pg_restore"), "--clean", "--if-exists", "--no-owner",
                    f"--dbname={pg.url}", *pg.esquema, str(extraido / POSTGRES)], pg.ambiente)
        if (extraido / MAILDIR).is_dir():
            shutil.copytree(extraido / MAILDIR, dados / MAILDIR, dirs_exist_ok=True)
    return Resumo(origem, str(manifesto["banco"]), bool(manifesto.get("chave_incluida")))
