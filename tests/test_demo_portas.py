"""``nfse serve --demo --sandbox-nacional-port N --sandbox-abrasf-port M`` pins the demo's
sandboxes to known ports (a firewall rule, a second demo beside the first)."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from nfse.cli import app
from nfse.config import Settings
from nfse.demo import start_sandboxes
from tests.support import free_port


def test_sandboxes_listen_on_the_ports_given(tmp_path: Path) -> None:
    nacional, abrasf = free_port(), free_port()
    settings = Settings(data_dir=tmp_path, database_url="sqlite://", secret_key="k")
    sandboxes = start_sandboxes(settings, nacional, abrasf)
    try:
        assert settings.nacional_url_homologacao.startswith(f"https://127.0.0.1:{nacional}/")
        assert settings.abrasf_url_homologacao.startswith(f"https://127.0.0.1:{abrasf}/")
        for port in (nacional, abrasf):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
    finally:
        for sandbox in sandboxes:
            sandbox.stop()


def test_serve_documents_the_options() -> None:
    ajuda = CliRunner().invoke(app, ["serve", "--help"], terminal_width=200).output
    assert "--sandbox-nacional-port" in ajuda and "--sandbox-abrasf-port" in ajuda
