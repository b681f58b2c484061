"""``python -m bench [--quick] [--markdown FILE]``: every measurement of issue 4 with its
baseline from the same run, printed as one table (and optionally written as Markdown for
``bench/RESULTS.md``). PostgreSQL too when ``NFSE_BENCH_DATABASE_URL`` is set."""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import acceptance, danfse, endtoend, pipeline
from bench.stack import database


@dataclass(frozen=True)
class Plan:
    accept_seconds: float
    accept_rounds: int
    pipeline_seconds: float
    pipeline_rounds: int
    notes: int
    danfse_seconds: float


QUICK = Plan(accept_seconds=3, accept_rounds=2, pipeline_seconds=1.5, pipeline_rounds=2,
             notes=1000, danfse_seconds=2)
"""Two interleaved rounds even when quick: on a machine whose speed drifts by minutes, one
round of each side measured ratios anywhere from 0.42 to 0.62 for the same code. A thousand
notes end to end: 400 drained in under 2 s on a fast machine, where the ramp-up and the
drain's 50 ms polls weigh, and read 182-267 notes/s against 268-313 for a thousand."""
FULL = Plan(accept_seconds=10, accept_rounds=2, pipeline_seconds=5, pipeline_rounds=3,
            notes=2000, danfse_seconds=5)


@dataclass
class Row:
    measure: str
    ours: str
    baseline: str
    ratio: str
    target: str
    verdict: str


E2E_TARGET = 200
REFERENCE_RSA = 1490
"""RSA-2048 signatures/s on one core of the machine issue 4 set its targets on. Machines of
this kind have measured 925 to 3,730 in our runs, so the end-to-end row also gives notes/s
per RSA signature/s of the same run. That share is a rough guide across machines: most of
the work per note is Python, which has slowed less than RSA on the slower ones (the bare
endpoint 1.6 times, RSA 2.6 times)."""


def _ok(passed: bool) -> str:
    return "ok" if passed else "MISSED"


def engines() -> list[str]:
    return ["sqlite"] + (["postgresql"] if os.environ.get("NFSE_BENCH_DATABASE_URL") else [])


def measure(plan: Plan, workdir: Path, say: Console) -> list[Row]:
    rows: list[Row] = []
    for engine in engines():
        say.log(f"acceptance on {engine}")
        acc = acceptance.run(workdir, engine, plan.accept_seconds, plan.accept_rounds)
        ours, bare = acc["ours"], acc["bare"]
        ratio = ours["rps"] / bare["rps"]
        rows.append(Row(
            f"Acceptance POST /v2/nfse, 32 clients ({engine})",
            f"{ours['rps']:.0f} req/s, p50 {ours['p50_ms']:.1f} ms, p99 {ours['p99_ms']:.1f} ms"
            f"{', errors ' + str(ours['errors']) if ours['errors'] else ''}",
            f"bare FastAPI {bare['rps']:.0f} req/s, p99 {bare['p99_ms']:.1f} ms",
            f"{ratio:.2f}", "≥ 0.50, p99 < 50 ms",
            _ok(ratio >= 0.5 and ours["p99_ms"] < 50 and not ours["errors"])))
        rows.append(Row(f"Memory: API peak RSS during acceptance ({engine})",
                        f"{ours['rss_mb']:.0f} MB", "", "", "≤ 200 MB",
                        _ok(ours["rss_mb"] <= 200)))

    say.log("DPS pipeline and peers (one core)")
    pipe = pipeline.run(workdir, plan.pipeline_seconds, plan.pipeline_rounds)
    rows.append(Row("DPS pipeline: build → sign → XSD → gzip+base64, one core",
                    f"{pipe['ours']:.0f} docs/s", f"RSA-2048 sign {pipe['rsa']:.0f}/s",
                    f"{pipe['ours'] / pipe['rsa']:.2f}", "≥ 0.50 × RSA",
                    _ok(pipe["ours"] >= 0.5 * pipe["rsa"])))
    available = [p for p in pipe["peers"] if "docs_per_s" in p]
    for peer in pipe["peers"]:
        if "docs_per_s" not in peer:
            rows.append(Row(f"Peer {peer['peer']}", "", "unavailable", "", "",
                            peer["unavailable"][:80]))
            continue
        versions = ", ".join(f"{k} {v}" for k, v in peer["versions"].items())
        fastest = peer is max(available, key=lambda p: p["docs_per_s"])
        ratio = pipe["ours"] / peer["docs_per_s"]
        rows.append(Row(f"DPS pipeline vs {peer['peer']} (build + sign)",
                        f"{pipe['ours']:.0f} docs/s", f"{peer['docs_per_s']:.0f} docs/s "
                        f"({versions})", f"{ratio:.1f}×",
                        "≥ 10 × fastest peer" if fastest else "",
                        _ok(ratio >= 10) if fastest else ""))

    for engine in engines():
        for count in (1, 2):
            say.log(f"end to end on {engine}, {count} worker(s), {plan.notes} notes")
            with database(engine, workdir) as url:
                e2e = endtoend.run(workdir, url, plan.notes, count)
            cpu = ", ".join(f"{k} {v:.1f}" for k, v in e2e["cpu_ms_per_note"].items())
            failed = plan.notes - e2e["autorizado"]
            per_rsa = e2e["notes_per_s"] / pipe["rsa"]
            rows.append(Row(
                f"End to end POST → autorizado, {count} worker(s) ({engine})",
                f"{e2e['notes_per_s']:.0f} notes/s; {plan.notes} drained in "
                f"{e2e['drain_s']:.1f} s{f'; {failed} NOT authorized' if failed else ''}",
                f"RSA-2048 sign {pipe['rsa']:.0f}/s; CPU ms/note: {cpu}",
                f"{per_rsa:.3f} × RSA",
                f"≥ {E2E_TARGET} notes/s (2 workers; {E2E_TARGET / REFERENCE_RSA:.3f} × RSA at "
                f"the issue's {REFERENCE_RSA:,} RSA/s)" if count == 2 else "",
                _ok(e2e["notes_per_s"] >= E2E_TARGET and not failed) if count == 2 else
                _ok(not failed)))
            rows.append(Row(f"Memory: peak RSS, {count} worker(s) ({engine})",
                            f"API {e2e['api_rss_mb']:.0f} MB, worker "
                            f"{e2e['worker_rss_mb']:.0f} MB", "", "",
                            "worker ≤ 150 MB, API ≤ 200 MB",
                            _ok(e2e["worker_rss_mb"] <= 150 and e2e["api_rss_mb"] <= 200)))
    say.log("sandbox ceiling")
    ceiling = endtoend.sandbox_ceiling(workdir, plan.notes)
    rows.append(Row("Authority side alone: signed DPSs into the sandbox, 2 threads",
                    f"{ceiling['notes_per_s']:.0f} notes/s", "", "", "(baseline of the above)",
                    _ok(not ceiling["failed"])))

    say.log("DANFSe")
    pdf = danfse.run(workdir, plan.danfse_seconds)
    rows.append(Row("DANFSe PDFs rendered, one core", f"{pdf['ours']:.1f} PDFs/s",
                    f"fpdf2 one-line page {pdf['floor']:.0f}/s",
                    f"{pdf['ours'] / pdf['floor']:.3f}", "", ""))
    return rows


def header() -> str:
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in (
        "nfse-gateway", "fastapi", "uvicorn", "sqlalchemy", "lxml", "cryptography"))
    return (f"{datetime.now():%Y-%m-%d %H:%M} · {platform.node()} · {os.cpu_count()} cores · "
            f"Python {platform.python_version()} · {versions}")


def markdown(rows: list[Row], title: str, elapsed: float) -> str:
    lines = [f"_{title}; took {elapsed:.0f} s_", "",
             "| Measure | Ours | Baseline (same run) | Ratio | Target | |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r.measure} | {r.ours} | {r.baseline} | {r.ratio} | {r.target} | {r.verdict} |"
              for r in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs (under 2 minutes)")
    parser.add_argument("--markdown", type=Path, help="also write the table here as Markdown")
    args = parser.parse_args()
    console = Console()
    started = time.monotonic()
    title = header()
    with tempfile.TemporaryDirectory(prefix="nfse-bench-") as tmp:
        rows = measure(QUICK if args.quick else FULL, Path(tmp), console)
    elapsed = time.monotonic() - started
    table = Table(title=f"nfse-gateway bench{' --quick' if args.quick else ''}", caption=title)
    for column in ("Measure", "Ours", "Baseline (same run)", "Ratio", "Target", ""):
        table.add_column(column)
    for row in rows:
        table.add_row(row.measure, row.ours, row.baseline, row.ratio, row.target, row.verdict)
    console.print(table)
    console.print(f"took {elapsed:.0f} s")
    if args.markdown:
        args.markdown.write_text(markdown(rows, title, elapsed))


if __name__ == "__main__":
    main()
