"""(1) Acceptance: POST /v2/nfse at 32 concurrent clients against our API and against the
bare endpoint, each server pinned to core 0 and the load generator to core 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.stack import (
    CNPJ,
    IM,
    MUNICIPIO,
    ROOT,
    Stack,
    database,
    free_port,
    peak_rss_mb,
    wait_http,
)

NOTA = {
    "data_emissao": "2026-11-20T10:00:00",
    "prestador": {"cnpj": CNPJ, "inscricao_municipal": IM, "codigo_municipio": MUNICIPIO},
    "tomador": {
        "cnpj": "07504505000132", "razao_social": "Acras Tecnologia da Informação LTDA",
        "email": "contato@example.com",
        "endereco": {"logradouro": "Rua Dias da Rocha Filho", "numero": "999",
                     "bairro": "Alto da XV", "codigo_municipio": "4106902", "uf": "PR",
                     "cep": "80045165"},
    },
    "servico": {"aliquota": 3, "discriminacao": "Nota fiscal referente a serviços prestados",
                "iss_retido": "false", "item_lista_servico": "0107",
                "codigo_tributario_municipio": "620910000", "valor_servicos": 1.0},
}


def load(url: str, body: Path, token: str | None, clients: int, duration: float,
         total: int | None = None) -> dict:
    """Run the load generator on core 1 and return its figures."""
    args = [sys.executable, "-m", "bench.loadgen", url, "--body-file", str(body),
            "--clients", str(clients), "--duration", str(duration), "--unique-ref",
            "--cpu", "1"]
    if token:
        args.append(f"--token={token}")
    if total:
        args += ["--total", str(total), "--warmup", "0"]
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def bare(workdir: Path, body: Path, clients: int, duration: float) -> dict:
    stack = Stack(workdir, "")
    stack.env = dict(os.environ)
    port = free_port()
    proc = stack.spawn(["-m", "bench.bare", str(port)], "bare", cpu=0)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/docs", proc)
        return load(url, body, None, clients, duration)
    finally:
        stack.stop()


def ours(workdir: Path, engine: str, body: Path, clients: int, duration: float) -> dict:
    with database(engine, workdir) as database_url:
        stack = Stack(workdir, database_url)
        stack.prepare()
        try:
            proc, url = stack.api(cpu=0)
            result = load(url, body, stack.token, clients, duration)
            result["rss_mb"] = peak_rss_mb(proc.pid)
            return result
        finally:
            stack.stop()


def run(workdir: Path, engine: str, duration: float, rounds: int, clients: int = 32) -> dict:
    """Alternate bare and ours ``rounds`` times (a new database each time); sums of
    requests over sums of seconds."""
    body = workdir / "nota.json"
    body.write_text(json.dumps(NOTA, ensure_ascii=False))
    bares, oursl = [], []
    for _ in range(rounds):
        bares.append(bare(workdir, body, clients, duration))
        oursl.append(ours(workdir, engine, body, clients, duration))
    return {"bare": _merge(bares), "ours": _merge(oursl)}


def _merge(results: list[dict]) -> dict:
    merged = dict(results[-1])
    merged["rps"] = sum(r["requests"] for r in results) / sum(r["seconds"] for r in results)
    merged["p50_ms"] = max(r["p50_ms"] for r in results)
    merged["p99_ms"] = max(r["p99_ms"] for r in results)
    merged["errors"] = sum(r["errors"] for r in results)
    if "rss_mb" in merged:
        merged["rss_mb"] = max(r["rss_mb"] for r in results)
    return merged
