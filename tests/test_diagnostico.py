"""``nfse diagnostico`` against the NFS-e Nacional sandbox (issue 23.4): every step passes
with a trusted A1 and nothing is issued; an untrusted server, an unknown host and a
certificate the authority refuses each stop the check at the step that names them."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nfse.cli import app
from nfse.operacao.diagnostico import diagnosticar
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.store import empresas
from tests.support import CNPJ, MUNICIPIO_ABRASF, Gateway


def _empresa(gateway: Gateway) -> empresas.Empresa:
    with gateway.runtime.engine.connect() as conn:
        return empresas.find_by_cnpj(conn, CNPJ)


def test_every_step_passes_and_nothing_is_issued(gateway: Gateway) -> None:
    antes = gateway.sandbox.emitidas()
    passos = list(diagnosticar(gateway.runtime, _empresa(gateway), "homologacao"))
    assert [(p.nome, p.ok) for p in passos] == [
        ("certificado", True), ("endereço", True), ("DNS", True), ("TLS", True),
        ("autoridade", True)], passos
    assert CNPJ in passos[0].detalhe and "válido até" in passos[0].detalhe
    assert "nada foi emitido" in passos[-1].detalhe
    assert gateway.sandbox.emitidas() == antes


def test_an_untrusted_server_stops_at_tls(gateway: Gateway) -> None:
    gateway.runtime.settings.nacional_ca_file = None  # the system store knows no sandbox CA
    passos = list(diagnosticar(gateway.runtime, _empresa(gateway), "homologacao"))
    assert (passos[-1].nome, passos[-1].ok) == ("TLS", False)
    assert "não é confiável" in passos[-1].detalhe


def test_an_unknown_host_stops_at_dns(gateway: Gateway) -> None:
    gateway.runtime.settings.nacional_url_homologacao = "https://sefin.nao-existe.invalid/api"
    passos = list(diagnosticar(gateway.runtime, _empresa(gateway), "homologacao"))
    assert (passos[-1].nome, passos[-1].ok) == ("DNS", False)
    assert "sefin.nao-existe.invalid não resolve" in passos[-1].detalhe


def test_a_certificate_the_authority_does_not_accept(gateway: Gateway,
                                                     tmp_path: Path) -> None:
    from nfse.sandbox.nacional import NacionalSandbox

    estranho = NacionalSandbox(tmp_path / "outro")  # trusts no client certificate
    estranho.start()
    try:
        gateway.runtime.settings.nacional_url_homologacao = estranho.url
        gateway.runtime.settings.nacional_ca_file = str(estranho.ca_file)
        passos = list(diagnosticar(gateway.runtime, _empresa(gateway), "homologacao"))
    finally:
        estranho.stop()
    assert passos[-1].ok is False and passos[-1].nome in ("TLS", "autoridade"), passos


def test_the_command_names_an_unknown_company(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["diagnostico", "--cnpj", CNPJ, "--data-dir",
                                      str(tmp_path)])
    assert result.exit_code == 1 and f"nenhuma empresa com o documento {CNPJ}" in result.output




def test_an_abrasf_municipality_is_asked_over_soap(gateway: Gateway,
                                                   abrasf: AbrasfSandbox) -> None:
    empresa = dataclasses.replace(_empresa(gateway), codigo_municipio=MUNICIPIO_ABRASF)
    passos = list(diagnosticar(gateway.runtime, empresa, "homologacao"))
    assert all(p.ok for p in passos), passos
    assert passos[1].detalhe.startswith("abrasf em homologacao: " + abrasf.url)
    assert "nada foi emitido" in passos[-1].detalhe


def test_the_command_prints_each_step(gateway: Gateway, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    settings = gateway.runtime.settings
    monkeypatch.setenv("NFSE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("NFSE_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("NFSE_NACIONAL_URL_HOMOLOGACAO", settings.nacional_url_homologacao)
    monkeypatch.setenv("NFSE_NACIONAL_CA_FILE", settings.nacional_ca_file)
    result = CliRunner().invoke(app, ["diagnostico", "--cnpj", "11.222.333/0001-81",
                                      "--ambiente", "homologacao", "--data-dir",
                                      str(tmp_path)], terminal_width=200)
    assert result.exit_code == 0, result.output
    passos = re.findall(r"^(ok|FALHA) ([^:]+):", result.output, re.M)
    assert passos == [("ok", "certificado"), ("ok", "endereço"), ("ok", "DNS"), ("ok", "TLS"),
                      ("ok", "autoridade")], result.output
