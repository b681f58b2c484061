"""(3) End to end: notes/s from the first POST to the last ``autorizado``, through the API
(``nfse serve --no-worker``), N ``nfse worker`` processes and the Nacional sandbox, all on
this machine; and the time to drain the batch; the steady rate, over the middle of the
batch's authorizations (without the ramp and the drain). Baseline: the sandbox alone, taking
already-signed DPSs over the same mutual-TLS transport from two client threads (what the
authority side can absorb on this box)."""

from __future__ import annotations

import itertools
import json
import subprocess
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, func, select

from bench.acceptance import NOTA, load
from bench.stack import Stack, cpu_seconds, peak_rss_mb, sandbox_emissor
from nfse.model.nfse import parse_nfse
from nfse.providers.base import Rps
from nfse.providers.nacional.dps import build_dps
from nfse.providers.nacional.respostas import pack
from nfse.providers.transport import Transport
from nfse.store.clock import aware
from nfse.store.db import make_engine
from nfse.store.tables import historico, notas
from nfse.store.tables import workers as heartbeats


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(notas.c.status, func.count()).group_by(notas.c.status))
        return {status: count for status, count in rows}


def _cpu(groups: dict[str, list[subprocess.Popen]], database_url: str) -> dict[str, float]:
    used = {name: sum(cpu_seconds(p.pid) for p in procs) for name, procs in groups.items()}
    if database_url.startswith("postgresql"):
        used["postgres"] = sum(_alive_cpu(pid) for pid in _postgres_pids())
    return used


def _postgres_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (it shares the cores)."""
    return [int(d.name) for d in Path("/proc").iterdir() if d.name.isdigit()
            and _comm(d) == "postgres"]


def _comm(proc: Path) -> str:
    try:
        return (proc / "comm").read_text().strip()
    except OSError:
        return ""


def _alive_cpu(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except OSError:
        return 0.0


def _wait_for_workers(engine: Engine, count: int, procs: list[subprocess.Popen],
                      timeout: float = 60) -> None:
    """Until every worker has started (its first heartbeat), so start-up is not timed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a worker exited at start-up")
        with engine.connect() as conn:
            if conn.execute(select(func.count()).select_from(heartbeats)).scalar_one() >= count:
                return
        time.sleep(0.1)
    raise RuntimeError("workers did not start")


WARMUP_NOTES = 64
"""Notes sent through before the clock starts: a worker's first notes open the company's
certificate, a TLS connection per thread and lazily imported modules, costs paid once per
process and not per note (with --quick's 400 notes they read as a third less
throughput)."""


def _pending(engine: Engine) -> int:
    """Notes still being processed: an index range (``ix_notas_due``), not a scan of every
    note, so the poll costs the database next to nothing (its CPU counts against us)."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(notas).where(
            notas.c.status == "processando_autorizacao")).scalar_one()


def _drain(engine: Engine, deadline: float) -> dict[str, int]:
    """Poll until no note (all accepted by now: the load generator has had every answer)
    is still being processed; then every status's count."""
    while time.perf_counter() < deadline and _pending(engine):
        time.sleep(0.05)
    return _counts(engine)


def steady_rate(sent: list[float], share: float = 0.8) -> float:
    """Events/s over the middle ``share`` of a batch's events (deliveries, authorizations),
    without the first (the pipeline filling: an e-mail is ~0.3 s of SMTP answers before
    any is delivered) and the last (the drain: fewer left than places, the slowest answers
    of the batch). A 100-note e-mail burst is mostly ramp and tail read as a rate from the
    first authorization to the last delivery."""
    ordered = sorted(sent)
    first = round(len(ordered) * (1 - share) / 2)
    last = len(ordered) - 1 - first
    span = ordered[last] - ordered[first] if last > first else 0.0
    return (last - first) / span if span > 0 else float("nan")


def run(workdir: Path, database_url: str, total: int, workers: int,
        timeout: float = 600, warmup: int = WARMUP_NOTES, sandbox_args: tuple[str, ...] = (),
        **settings: str) -> dict:
    """``warmup`` notes go through first, untimed and not counted; ``sandbox_args`` shape
    the authority (``--latency``, ``--faults``), ``settings`` the workers' environment."""
    stack = Stack(workdir, database_url)
    stack.prepare(**settings)
    try:
        sandbox, _, _ = stack.sandbox(*sandbox_args)
        api, url = stack.api()
        procs = [stack.worker(n) for n in range(workers)]
        body = workdir / "nota.json"
        body.write_text(json.dumps(NOTA, ensure_ascii=False))
        engine = make_engine(database_url)
        _wait_for_workers(engine, workers, procs)
        warm: dict[str, int] = {}
        if warmup:
            load(url, body, stack.token, 32, timeout, total=warmup)
            warm = _drain(engine, time.perf_counter() + timeout)
        everyone = {"api": [api], "sandbox": [sandbox], "workers": procs}
        cpu_before = _cpu(everyone, database_url)
        wall = time.time()
        started = time.perf_counter()
        posted = load(url, body, stack.token, 32, timeout, total=total)
        accepted_s = time.perf_counter() - started
        counts = _drain(engine, started + timeout)
        drained = time.perf_counter() - started
        cpu = {k: v - cpu_before[k] for k, v in _cpu(everyone, database_url).items()}
        with engine.connect() as conn:
            authorized = [aware(at).timestamp() for (at,) in conn.execute(
                select(historico.c.at).where(historico.c.status == "autorizado"))]
        engine.dispose()
        counts = {k: v - warm.get(k, 0) for k, v in counts.items() if v - warm.get(k, 0)}
        return {"notes": total, "workers": workers, "posted": posted["requests"],
                "accept_s": accepted_s, "drain_s": drained,
                "notes_per_s": counts.get("autorizado", 0) / drained,
                "steady_per_s": steady_rate([at for at in authorized if at >= wall]),
                "autorizado": counts.get("autorizado", 0),
                "other": {k: v for k, v in counts.items() if k != "autorizado"},
                "api_rss_mb": peak_rss_mb(api.pid),
                "worker_rss_mb": max(peak_rss_mb(p.pid) for p in procs),
                "cpu_ms_per_note": {k: 1000 * v / total for k, v in cpu.items()}}
    finally:
        stack.stop()


def sandbox_ceiling(workdir: Path, total: int, threads: int = 2) -> dict:
    """DPSs built and signed beforehand (not timed), then POSTed to the sandbox."""
    with sandbox_emissor(workdir, "ceiling") as emissor:
        nota = parse_nfse(NOTA)
        bodies = [{"dpsXmlGZipB64": pack(build_dps(nota, Rps("1", n), emissor))}
                  for n in range(1, total + 1)]
        transport = Transport()
        pending = iter(bodies)
        lock = threading.Lock()
        failures = itertools.count()

        def send() -> None:
            while True:
                with lock:
                    item = next(pending, None)
                if item is None:
                    return
                answer = transport.request("POST", f"{emissor.base_url}/nfse", emissor.a1,
                                           emissor.ca_file, 30, item)
                if answer.status != 201:
                    next(failures)

        started = time.perf_counter()
        pool = [threading.Thread(target=send) for _ in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        seconds = time.perf_counter() - started
        return {"notes": total, "seconds": seconds, "notes_per_s": total / seconds,
                "failed": next(failures)}

