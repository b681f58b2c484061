"""(1) Acceptance: POST /v2/nfse at 32 concurrent clients against our API (on each engine)
and against the bare endpoint, each server pinned to core 0 and the load generator to core
1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import ExitStack
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
    pin,
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
         total: int | None = None, warmup: float | None = None) -> dict:
    """Run the load generator on core 1 and return its figures (``warmup``: seconds not
    counted first, the load generator's default when None)."""
    args = [sys.executable, "-m", "bench.loadgen", url, "--body-file", str(body),
            "--clients", str(clients), "--duration", str(duration), "--unique-ref",
            "--cpu", "1"]
    if token:
        args.append(f"--token={token}")
    if total:
        args += ["--total", str(total), "--warmup", "0"]
    elif warmup is not None:
        args += ["--warmup", str(warmup)]
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _bare(workdir: Path) -> tuple[Stack, str, subprocess.Popen]:
    """The bare endpoint starting on core 0, its URL and process."""
    stack = Stack(workdir, "")
    stack.env = dict(os.environ)
    port = free_port()
    proc = stack.spawn(["-m", "bench.bare", str(port)], "bare")
    return stack, f"http://127.0.0.1:{port}", proc


def run(workdir: Path, engines: list[str], duration: float, rounds: int, clients: int = 32,
        warmup: float = 1.0) -> dict:
    """The bare endpoint and our API on each engine, all started at once (on both cores,
    then each pinned to core 0, one loaded at a time), then loaded in turn ``rounds`` times,
    the order reversed every other round so that the machine's drift falls on every side
    alike. ``ours``: per engine;
    each side's rate is its requests over its seconds, its p50 and p99 the worst round's."""
    body = workdir / "nota.json"
    body.write_text(json.dumps(NOTA, ensure_ascii=False))
    results: dict[str, list[dict]] = {side: [] for side in ["bare", *engines]}
    with ExitStack() as started:
        bare, bare_url, bare_proc = _bare(workdir)
        started.callback(bare.stop)
        servers: dict[str, tuple[str, str | None, int | None]] = {"bare": (bare_url, None, None)}
        waits = [(bare_url + "/docs", bare_proc)]
        for engine in engines:
            stack = Stack(workdir, started.enter_context(database(engine, workdir)))
            stack.prepare()
            started.callback(stack.stop)
            proc, url = stack.start_api()
            servers[engine] = (url, stack.token, proc.pid)
            waits.append((url + "/readyz", proc))
        for url, proc in waits:
            wait_http(url, proc)
            pin(proc.pid, 0)
        for n in range(rounds):
            for side in list(results)[::-1 if n % 2 else 1]:
                url, token, _ = servers[side]
                results[side].append(load(url, body, token, clients, duration,
                                          warmup=warmup))
        rss = {engine: peak_rss_mb(servers[engine][2]) for engine in engines}
    ours = {engine: _merge(results[engine]) | {"rss_mb": rss[engine]} for engine in engines}
    return {"bare": _merge(results["bare"]), "ours": ours}


def _merge(results: list[dict]) -> dict:
    merged = dict(results[-1])
    merged["rps"] = sum(r["requests"] for r in results) / sum(r["seconds"] for r in results)
    merged["p50_ms"] = max(r["p50_ms"] for r in results)
    merged["p99_ms"] = max(r["p99_ms"] for r in results)
    merged["errors"] = sum(r["errors"] for r in results)
    return merged
