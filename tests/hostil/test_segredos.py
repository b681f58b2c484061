"""Secrets stay secret: no ``?token=`` in the access log, no company in /metrics without the
administrator token, files 0600 in folders 0700, demo tokens reused across restarts,
administrator tokens listed and revoked at once, changes to a company applied at once, and
the parser of the authorities' XML deaf to entities."""

from __future__ import annotations

import logging
import stat
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from lxml import etree
from typer.testing import CliRunner

from nfse.api.app import create_app, server_config
from nfse.cli import app as cli
from nfse.config import Settings
from nfse.demo import ensure_demo
from nfse.notify.smtp import guardar
from nfse.providers.abrasf.soap import parser as abrasf_parser
from nfse.providers.nacional.respostas import nfse_fields
from nfse.runtime import build_runtime
from nfse.store.db import is_postgres
from nfse.xml import seguro
from tests.hostil.conftest import Alvo
from tests.support import CNPJ, free_port, nota_exemplo


def test_query_tokens_never_reach_the_access_log(alvo: Alvo) -> None:
    lines: list[str] = []

    class Captura(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    port = free_port()
    server = uvicorn.Server(server_config(create_app(alvo.runtime), "127.0.0.1", port))
    captura = Captura()
    logging.getLogger("uvicorn.access").addHandler(captura)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        answer = httpx.get(f"http://127.0.0.1:{port}/v2/nfse/x?completa=1&token={alvo.token}")
        assert answer.status_code == 404  # the query token is accepted (SPEC §1)
        deadline = time.monotonic() + 5
        while not lines and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        logging.getLogger("uvicorn.access").removeHandler(captura)
        server.should_exit = True
        thread.join(timeout=10)
    assert lines and all(alvo.token not in line for line in lines), lines
    assert any("token=***" in line for line in lines), lines


def test_metrics_name_companies_only_for_the_administrator(alvo: Alvo) -> None:
    anonymous = alvo.client.get("/metrics").text
    assert CNPJ not in anonymous
    assert "nfse_certificado_dias_restantes " in anonymous
    assert CNPJ not in alvo.client.get("/metrics", auth=(alvo.token, "")).text
    assert f'empresa="{CNPJ}"' in alvo.client.get("/metrics", auth=(alvo.admin, "")).text


def _modo(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_with_secrets_are_0600_in_folders_0700(tmp_path: Path) -> None:
    data = tmp_path / "dados"
    data.mkdir(mode=0o755)
    runtime = build_runtime(Settings(data_dir=data, secret_key=None))
    try:
        demo = ensure_demo(runtime, "http://127.0.0.1:8000")
        guardar(data / "maildir", _mensagem())
        assert _modo(data) == 0o700
        for name in ("nfse.db", "secret.key", "demo.json"):
            assert _modo(data / name) == 0o600, name
        messages = [p for p in (data / "maildir").rglob("*") if p.is_file()]
        assert messages and all(_modo(p) == 0o600 for p in messages)
        assert all(_modo(p) == 0o700 for p in (data / "maildir").rglob("*") if p.is_dir())
        # a restart reuses the demo's tokens, so none is left behind valid
        again = ensure_demo(runtime, "http://127.0.0.1:8000")
        assert (again.token, again.admin_token) == (demo.token, demo.admin_token)
    finally:
        runtime.engine.dispose()
    # an install made before the rule is brought to the modes at start
    (data / "nfse.db").chmod(0o644)
    data.chmod(0o755)
    build_runtime(Settings(data_dir=data, secret_key=None)).engine.dispose()
    assert _modo(data / "nfse.db") == 0o600 and _modo(data) == 0o700


def _mensagem() -> EmailMessage:
    message = EmailMessage()
    message["To"], message["Subject"] = "a@example.com", "NFS-e"
    message.set_content("corpo")
    return message


def test_admin_tokens_are_listed_and_revoked_at_once(alvo: Alvo, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NFSE_DATABASE_URL", alvo.runtime.settings.database_url or "")
    monkeypatch.setenv("NFSE_SECRET_KEY", "test-key")
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path / "cli")]
    listed = runner.invoke(cli, ["admin", "token", "listar", *data])
    assert listed.exit_code == 0, listed.output
    assert "hostil" in listed.output and alvo.admin not in listed.output
    assert alvo.client.get("/v2/empresas", auth=(alvo.admin, "")).status_code == 200
    revoked = runner.invoke(cli, ["admin", "token", "revogar", "1", *data])
    assert revoked.exit_code == 0, revoked.output
    assert alvo.client.get("/v2/empresas", auth=(alvo.admin, "")).status_code == 401
    assert runner.invoke(cli, ["admin", "token", "revogar", "1", *data]).exit_code == 1


def test_disabling_a_company_applies_to_the_next_request(alvo: Alvo) -> None:
    assert alvo.client.get("/v2/nfse/x", auth=(alvo.token, "")).status_code == 404  # cached
    put = alvo.client.put("/v2/empresas/1", json={"habilita_nfse": False},
                          auth=(alvo.admin, ""))
    assert put.status_code == 200, put.text
    refused = alvo.client.post("/v2/nfse?ref=depois", json=nota_exemplo(),
                               auth=(alvo.token, ""))
    assert refused.status_code == 400 and refused.json()["codigo"] == "empresa_nao_habilitada"


def test_token_rotation_applies_in_every_api_process(alvo: Alvo) -> None:
    """Two apps, as two API processes: the second forgets the revoked token as soon as the
    first rotates it (PostgreSQL NOTIFY; on SQLite there is one API process)."""
    if not is_postgres(alvo.runtime.engine):
        pytest.skip("SQLite runs one API process; the in-process case is tested above")
    with TestClient(create_app(alvo.runtime)) as other:
        assert other.get("/v2/nfse/x", auth=(alvo.token, "")).status_code == 404  # cached
        rotated = alvo.client.post("/v2/empresas/1/tokens", auth=(alvo.admin, ""))
        assert rotated.status_code == 200, rotated.text
        deadline = time.monotonic() + 5
        while other.get("/v2/nfse/x", auth=(alvo.token, "")).status_code != 401:
            assert time.monotonic() < deadline, "the other process still accepts the token"
            time.sleep(0.01)
        assert time.monotonic() < deadline - 4  # well before the cache's 5 s


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<NFSe xmlns="http://www.sped.fazenda.gov.br/nfse"><infNFSe><nNFSe>&x;</nNFSe></infNFSe></NFSe>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">""" + b"".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9)
) + b"""]><NFSe xmlns="http://www.sped.fazenda.gov.br/nfse"><infNFSe><nNFSe>&j;</nNFSe>
</infNFSe></NFSe>"""


@pytest.mark.parametrize("ler", [seguro.ler, lambda xml: etree.fromstring(xml, abrasf_parser())])
def test_xml_parsers_expand_no_entity(ler) -> None:  # noqa: ANN001
    for document in (XXE, LAUGHS):
        started = time.perf_counter()
        try:
            root = ler(document)
        except etree.XMLSyntaxError:
            continue
        assert len(etree.tostring(root)) < 10_000
        assert b"root:" not in etree.tostring(root)
        assert time.perf_counter() - started < 1


def test_the_national_answer_reader_expands_no_entity() -> None:
    for document in (XXE, LAUGHS):
        try:
            numero, _, _ = nfse_fields(document)
        except etree.XMLSyntaxError:
            continue
        assert "root:" not in numero and len(numero) < 1000
