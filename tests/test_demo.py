"""Black box: ``nfse serve --demo`` as a newcomer runs it, then the seed's example through it,
once for the demo's municipality (SilTecnologia, played by the Nacional sandbox), once for its
ABRASF municipality and once for a Ginfes one (ABRASF 1.0)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from lxml import etree

from nfse.demo import MUNICIPIO_ABRASF
from tests.support import free_port, nota_exemplo

pytestmark = pytest.mark.slow
N = {"n": "http://www.sped.fazenda.gov.br/nfse"}


def test_serve_demo_end_to_end(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "NFSE_DEMO_TOKEN": "token-da-demo", "NFSE_WORKER_POLL": "0.1"}
    env.pop("NFSE_DATABASE_URL", None)
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nfse.cli", "serve", "--demo", "--port", str(port),
         "--data-dir", str(tmp_path / "data")],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
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
        else:
            raise AssertionError((tmp_path / "serve.log").read_text())

        demo = json.loads((tmp_path / "data" / "demo.json").read_text())
        assert demo["token"] == "token-da-demo" and demo["base_url"] == base
        auth = (demo["token"], "")
        abrasf = httpx.get(f"{base}/v2/municipios/{MUNICIPIO_ABRASF}", auth=auth).json()
        assert abrasf["provedor_nfse"] == "abrasf" and abrasf["sistema_nfse"] == "RLZ"
        # the demo company's municipality keeps its own emitter, SilTecnologia (the demo's
        # Nacional sandbox plays its endpoint in homologação)
        franca = httpx.get(f"{base}/v2/municipios/{demo['codigo_municipio']}", auth=auth).json()
        assert (franca["provedor_nfse"], franca["sistema_nfse"]) == ("nacional", "SilTecnologia")
        assert franca["nfse_habilitada"] is True
        # Guarulhos/SP: Ginfes (ABRASF 1.0), the demo's ABRASF 1.0 sandbox in homologação
        notas = {}
        for ref, municipio in (("demo-1", demo["codigo_municipio"]),
                               ("demo-abrasf-1", MUNICIPIO_ABRASF), ("demo-ginfes-1", "3518800")):
            body = nota_exemplo()
            body["prestador"] = {"cnpj": demo["cnpj"], "codigo_municipio": municipio,
                                 "inscricao_municipal": demo["inscricao_municipal"]}
            accepted = httpx.post(f"{base}/v2/nfse?ref={ref}", content=json.dumps(body),
                                  auth=auth)
            assert accepted.status_code == 202, accepted.text
            for _ in range(200):
                nota = httpx.get(f"{base}/v2/nfse/{ref}", auth=auth).json()
                if nota["status"] != "processando_autorizacao":
                    break
                time.sleep(0.1)
            assert nota["status"] == "autorizado", nota
            notas[ref] = nota
        assert httpx.get(nota["url_danfse"]).content.startswith(b"%PDF-")
        # Franca's note went through the sandbox playing SilTecnologia: the NFS-e the demo
        # company built around the DPS with its registered address (ambGer 1, tpEmis 2), as
        # the system numbered it
        franca_xml = etree.fromstring(httpx.get(
            base + notas["demo-1"]["caminho_xml_nota_fiscal"]).content)
        inf = franca_xml.find("n:infNFSe", N)
        assert [inf.findtext(f"n:{t}", namespaces=N) for t in (
            "nNFSe", "ambGer", "tpEmis", "emit/n:enderNac/n:xLgr")] == [
            notas["demo-1"]["numero"], "1", "2", "Avenida Champagnat"]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        finally:
            proc.kill()
            log.close()
    assert proc.returncode == 0, (tmp_path / "serve.log").read_text()
