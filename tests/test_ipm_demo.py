"""The demo (``nfse serve --demo``) plays IPM too: its IPM sandbox takes the demo company's
portal user, whose password the demo keeps in its data directory, and homologação of IPM's
cities goes there."""

from __future__ import annotations

import base64
import ssl
from pathlib import Path

import httpx

from nfse.config import Settings
from nfse.demo import CNPJ, senha_ipm, start_sandboxes
from nfse.providers.ipm.provider import multipart


def _consulta(url: str, ca_file: str, senha: str) -> httpx.Response:
    corpo, tipo = multipart(b"<consulta_rps><cidade>7493</cidade><serie_rps>1</serie_rps>"
                            b"<numero_rps>1</numero_rps></consulta_rps>")
    basic = base64.b64encode(f"{CNPJ}:{senha}".encode()).decode()
    confia = ssl.create_default_context(cafile=ca_file)
    return httpx.post(url, content=corpo, verify=confia, headers={
        "Content-Type": tipo, "Authorization": f"Basic {basic}"})


def test_the_demo_company_logs_in_to_the_ipm_sandbox(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="sqlite://", secret_key="k")
    sandboxes = start_sandboxes(settings)
    try:
        assert settings.ipm_url_homologacao == sandboxes[3].url
        assert settings.ipm_ca_file is not None
        senha = senha_ipm(settings)
        assert senha == senha_ipm(settings)  # the same on every start
        certa = _consulta(settings.ipm_url_homologacao, settings.ipm_ca_file, senha)
        assert certa.status_code == 200
        assert b"<retorno>" in certa.content
        errada = _consulta(settings.ipm_url_homologacao, settings.ipm_ca_file, senha + "x")
        assert errada.status_code == 401
    finally:
        for sandbox in sandboxes:
            sandbox.stop()
