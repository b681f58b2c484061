"""Black box: a newcomer's own company against ``nfse serve --demo`` (issue 19 point 5). The
demo's sandboxes trust the demo's test CA, not one certificate: a company made with
``nfse empresa criar --certificado-teste`` (or ``POST /v2/empresas`` with
``certificado_teste``) gets its notes authorized at the Nacional and the ABRASF sandbox; a
company whose certificate comes from elsewhere is refused at the handshake, as the Sefin
refuses it, and its note says so, without the municipality going out of the air. In Franca
(SilTecnologia) each company registers its address first, as the system requires."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from nfse.certs.generate import generate_a1
from nfse.demo import CODIGO_MUNICIPIO, MUNICIPIO_ABRASF
from tests.support import free_port, nota_exemplo

PELA_CLI = "11444777000161"
PELA_API = "12345678000195"
DE_FORA = "98765432000198"
ENDERECO = {"logradouro": "Rua do Comercio", "numero": "10", "bairro": "Centro",
            "cep": "14400000", "uf": "SP"}


def _nota(client: httpx.Client, ref: str, cnpj: str, municipio: str,
          until: str = "autorizado") -> dict:
    """POST the seed's note for ``cnpj`` and poll it until ``until`` shows (its status, or
    a word of its mensagem)."""
    body = nota_exemplo(prestador={"cnpj": cnpj, "inscricao_municipal": "999",
                                   "codigo_municipio": municipio})
    accepted = client.post(f"/v2/nfse?ref={ref}", json=body)
    assert accepted.status_code == 202, accepted.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        nota = client.get(f"/v2/nfse/{ref}").json()
        if nota["status"] == until or until in (nota.get("mensagem") or "") or \
                nota["status"] not in ("processando_autorizacao", until):
            return nota
        time.sleep(0.1)
    raise AssertionError(f"{ref}: {nota}")


@pytest.mark.slow
def test_any_company_works_against_the_demo(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "data"
    env = {**os.environ, "NFSE_WORKER_POLL": "0.1", "NFSE_BACKOFF_BASE": "0.2"}
    env.pop("NFSE_DATABASE_URL", None)
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nfse.cli", "serve", "--demo", "--port", str(port),
         "--data-dir", str(data)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        demo = json.loads((data / "demo.json").read_text())

        criada = subprocess.run(
            [sys.executable, "-m", "nfse.cli", "empresa", "criar", "--certificado-teste",
             "--cnpj", PELA_CLI, "--inscricao-municipal", "999", "--codigo-municipio",
             CODIGO_MUNICIPIO, "--nome", "EMPRESA DO RECEM-CHEGADO LTDA", "--regime-tributario",
             "3", "--data-dir", str(data)], env=env, capture_output=True, text=True, timeout=60)
        assert criada.returncode == 0, criada.stdout + criada.stderr
        token = re.search(r"token_homologacao: (\S+)", criada.stdout).group(1)
        empresa_id = re.search(r"Empresa (\d+) criada", criada.stdout).group(1)
        with httpx.Client(base_url=base, auth=(demo["admin_token"], ""), timeout=30) as admin:
            # Franca's system (SilTecnologia) puts the company's address in the note
            cadastro = admin.put(f"/v2/empresas/{empresa_id}", json=ENDERECO)
            assert cadastro.status_code == 200, cadastro.text
        with httpx.Client(base_url=base, auth=(token, ""), timeout=30) as nova:
            for ref, municipio in (("cli-1", CODIGO_MUNICIPIO), ("cli-abrasf-1",
                                                                  MUNICIPIO_ABRASF)):
                nota = _nota(nova, ref, PELA_CLI, municipio)
                assert nota["status"] == "autorizado", nota

        with httpx.Client(base_url=base, auth=(demo["admin_token"], ""), timeout=30) as admin:
            pela_api = admin.post("/v2/empresas", json={
                "cnpj": PELA_API, "nome": "EMPRESA DA API LTDA", "inscricao_municipal": "999",
                "codigo_municipio": CODIGO_MUNICIPIO, "regime_tributario": 3,
                "certificado_teste": True, **ENDERECO})
            assert pela_api.status_code == 201, pela_api.text
            assert pela_api.json()["certificado_cnpj"] == PELA_API
            alheio = generate_a1(DE_FORA, "EMPRESA DE FORA LTDA")  # not from the demo's CA
            de_fora = admin.post("/v2/empresas", json={
                "cnpj": DE_FORA, "nome": "EMPRESA DE FORA LTDA", "inscricao_municipal": "999",
                "codigo_municipio": CODIGO_MUNICIPIO, "regime_tributario": 3,
                "arquivo_certificado_base64": base64.b64encode(
                    alheio.to_pfx("s")).decode(), "senha_certificado": "s", **ENDERECO})
            assert de_fora.status_code == 201, de_fora.text
        with httpx.Client(base_url=base, auth=(pela_api.json()["token_homologacao"], ""),
                          timeout=30) as api:
            assert _nota(api, "api-1", PELA_API, CODIGO_MUNICIPIO)["status"] == "autorizado"
        with httpx.Client(base_url=base, auth=(de_fora.json()["token_homologacao"], ""),
                          timeout=30) as fora:
            recusada = _nota(fora, "fora-1", DE_FORA, CODIGO_MUNICIPIO, "Certificado recusado")
            assert recusada["status"] == "processando_autorizacao", recusada
            assert recusada["mensagem"].startswith(
                "Certificado recusado pela autoridade: a autoridade não reconhece a autoridade "
                "certificadora"), recusada
            municipio = fora.get(f"/v2/municipios/{CODIGO_MUNICIPIO}").json()
            assert municipio["status_nfse"] != "fora_do_ar"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
