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

from bench import acceptance, correio, danfse, endtoend, latencia, pipeline, volume
from bench.stack import database
from nfse.config import Settings


@dataclass(frozen=True)
class Plan:
    accept_seconds: float
    accept_rounds: int
    accept_warmup: float
    """Seconds of each acceptance load not counted (the server, started once, is warm
    from its first round on)."""
    pipeline_seconds: float
    pipeline_rounds: int
    notes: int
    e2e_workers_pg: tuple[int, ...]
    """Workers of the end-to-end runs on PostgreSQL (SQLite runs 1 and 2: the slow
    authority's rows read their baselines there)."""
    ceiling_notes: int
    """Signed DPSs sent to the sandbox alone."""
    danfse_seconds: float
    latency_notes: int
    """Notes through an authority at p50 300 ms (2 workers), and one 10 % slow (1 worker):
    the log-normal's tail (~2 s) is part of the drain, so too few notes read it as lost
    throughput (800 notes measured 0.77 × where the steady rate is higher)."""
    light_notes: int
    """Notes at light load, one per 0.5 s."""
    email_notes: int
    """Notes of the e-mail burst (each mailed to its tomador)."""
    email_baseline: int
    """Messages of the serial smtplib session (three late answers each)."""
    stored_notes: int
    """Notes loaded into PostgreSQL before measuring against an empty database (issue 25.4:
    a million; --quick loads fewer, which says little about a million)."""
    stored_seconds: float
    """Seconds of each load on each database (a panel page: half)."""
    stored_rounds: int
    """Turns each database takes at each measurement, pooled: a stall of the shared machine
    falls in one turn of one side, and more, shorter turns keep it from making a ratio (a
    million notes, 2 rounds of 2 s: a page read 1.95 and 2.75 × whose queries cost the same,
    and 0.80 and 0.96 × in 4 rounds on the same databases minutes later)."""


QUICK = Plan(accept_seconds=2, accept_rounds=2, accept_warmup=0.5, pipeline_seconds=1,
             pipeline_rounds=2, notes=1000, e2e_workers_pg=(2,), ceiling_notes=500,
             danfse_seconds=2, latency_notes=1500, light_notes=8, email_notes=100,
             email_baseline=5, stored_notes=20_000, stored_seconds=1, stored_rounds=1)
"""Two interleaved rounds even when quick: on a machine whose speed drifts by minutes, one
round of each side measured ratios anywhere from 0.42 to 0.62 for the same code. A thousand
notes end to end: 400 drained in under 2 s on a fast machine, where the ramp-up and the
drain's 50 ms polls weigh, and read 182-267 notes/s against 268-313 for a thousand. What
keeps it near 2 minutes (3 min 15 s before, quiet): no 1-worker end to end on PostgreSQL (a
row without a target), rounds of 2 s, 8 notes at light load (its p99 is the slowest note
either way), 500 DPSs into the sandbox alone and a 5-message serial SMTP session (rates that
settle within a second)."""
FULL = Plan(accept_seconds=10, accept_rounds=2, accept_warmup=1, pipeline_seconds=5,
            pipeline_rounds=3, notes=2000, e2e_workers_pg=(1, 2), ceiling_notes=2000,
            danfse_seconds=5,
            latency_notes=3000, light_notes=60, email_notes=1000, email_baseline=20,
            stored_notes=1_000_000, stored_seconds=2, stored_rounds=4)


@dataclass
class Row:
    measure: str
    ours: str
    baseline: str
    ratio: str
    target: str
    verdict: str


E2E_TARGET = 200
EMAIL_TARGET = 50
"""E-mails/s per worker process through an SMTP server 100 ms away (issue 25.3)."""
EMAIL_LAG_P99 = 10
"""Seconds from autorizado to delivered, p99, in a 1,000-note burst (issue 25.3)."""
PIPELINE_TARGET = 0.75
"""Issue 25: the DPS pipeline at three quarters of the RSA-2048 signature rate."""
PEER_TARGET = 2.5
"""Issue 25: × the fastest peer's build + sign + gzip/base64, each library's own encoding
step (issue 4's 10 × was above the RSA ceiling)."""
REFERENCE_RSA = 1490
"""RSA-2048 signatures/s on one core of the machine issue 4 set its targets on. Machines of
this kind have measured 925 to 3,730 in our runs, so the end-to-end row also gives notes/s
per RSA signature/s of the same run. That share is a rough guide across machines: most of
the work per note is Python, which has slowed less than RSA on the slower ones (the bare
endpoint 1.6 times, RSA 2.6 times)."""


class Sections:
    """The bench's sections, each started by its log line and ended by the next one's (or
    ``end``); their wall times, printed at the end, say where a run's minutes went."""

    def __init__(self, console: Console):
        self.console = console
        self.times: list[tuple[str, float]] = []
        self._current: tuple[str, float] | None = None

    def start(self, label: str) -> None:
        self.end()
        self.console.log(label)
        self._current = (label, time.monotonic())

    def end(self) -> None:
        if self._current is not None:
            label, started = self._current
            self.times.append((label, time.monotonic() - started))
            self._current = None


def _ok(passed: bool) -> str:
    return "ok" if passed else "MISSED"


def engines() -> list[str]:
    return ["sqlite"] + (["postgresql"] if os.environ.get("NFSE_BENCH_DATABASE_URL") else [])


def measure(plan: Plan, workdir: Path, say: Sections) -> list[Row]:
    rows: list[Row] = []
    say.start(f"acceptance on {' and '.join(engines())} against the bare endpoint")
    acc = acceptance.run(workdir, engines(), plan.accept_seconds, plan.accept_rounds,
                         warmup=plan.accept_warmup)
    bare = acc["bare"]
    for engine, ours in acc["ours"].items():
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

    say.start("DPS pipeline and peers (one core)")
    pipe = pipeline.run(workdir, plan.pipeline_seconds, plan.pipeline_rounds)
    rows.append(Row("DPS pipeline: build → XSD → sign → gzip+base64, one core",
                    f"{pipe['ours']:.0f} docs/s", f"RSA-2048 sign {pipe['rsa']:.0f}/s",
                    f"{pipe['ours'] / pipe['rsa']:.2f}", f"≥ {PIPELINE_TARGET:.2f} × RSA",
                    _ok(pipe["ours"] >= PIPELINE_TARGET * pipe["rsa"])))
    shares, relative = pipeline.breakdown(pipe["stages_s"])
    rows.append(Row("DPS pipeline: where a document's CPU time goes (stages timed in "
                    "sequence)", shares, relative, "", "", ""))
    available = [p for p in pipe["peers"] if "docs_per_s" in p]
    for peer in pipe["peers"]:
        if "docs_per_s" not in peer:
            rows.append(Row(f"Peer {peer['peer']}", "", "unavailable", "", "",
                            peer["unavailable"][:80]))
            continue
        versions = ", ".join(f"{k} {v}" for k, v in peer["versions"].items())
        fastest = peer is max(available, key=lambda p: p["docs_per_s"])
        ratio = pipe["ours"] / peer["docs_per_s"]
        rows.append(Row(f"DPS pipeline vs {peer['peer']} (build + sign + gzip/base64)",
                        f"{pipe['ours']:.0f} docs/s", f"{peer['docs_per_s']:.0f} docs/s "
                        f"({versions})", f"{ratio:.1f}×",
                        pipeline.peer_target(PEER_TARGET, pipe["rsa"], peer["docs_per_s"])
                        if fastest else "",
                        _ok(ratio >= PEER_TARGET) if fastest else ""))
        if fastest:
            rows.append(Row(
                f"DPS pipeline without its XSD check vs {peer['peer']} (the same stages: "
                "build + sign + gzip/base64)", f"{pipe['same_stages']:.0f} docs/s",
                f"{peer['docs_per_s']:.0f} docs/s",
                f"{pipe['same_stages'] / peer['docs_per_s']:.1f}×",
                "(information: the target is the row above's, with the check)", ""))

    cpu_bound: dict[int, float] = {}
    exemplos = None
    for engine in engines():
        for count in (1, 2) if engine == "sqlite" else plan.e2e_workers_pg:
            say.start(f"end to end on {engine}, {count} worker(s), {plan.notes} notes")
            with database(engine, workdir) as url:
                e2e = endtoend.run(workdir, url, plan.notes, count)
                if exemplos is None and "postgresql" in engines():
                    exemplos = volume.modelos_de(url)  # the loader's models, issued alike
            if engine == "sqlite":
                cpu_bound[count] = e2e["steady_per_s"]
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
    rows += slow_authority(plan, workdir, say, cpu_bound)
    say.start("sandbox ceiling")
    ceiling = endtoend.sandbox_ceiling(workdir, plan.ceiling_notes)
    rows.append(Row("Authority side alone: signed DPSs into the sandbox, 2 threads",
                    f"{ceiling['notes_per_s']:.0f} notes/s", "", "", "(baseline of the above)",
                    _ok(not ceiling["failed"])))

    say.start("DANFSe")
    pdf = danfse.run(workdir, plan.danfse_seconds)
    ours_ms, before_ms = pdf["ours"], pdf["fpdf2_path"]
    rows.append(Row("DANFSe rendered, one core (CPU per PDF)",
                    f"{ours_ms:.1f} ms ({1000 / ours_ms:.0f} PDFs/s of CPU)",
                    f"the same PDF through fpdf2's general text path {before_ms:.1f} ms; "
                    f"fpdf2 one-line page {pdf['floor']:.2f} ms",
                    f"{before_ms / ours_ms:.2f}× faster",
                    "≤ 9 ms (≤ 10 per e-mail with its ~1 ms message)", _ok(ours_ms <= 9)))

    say.start(f"e-mail burst, {plan.email_notes} notes, SMTP answers {correio.DELAY * 1000:.0f} ms "
            "late")
    with database("sqlite", workdir) as url:
        mail = correio.run(workdir, url, plan.email_notes, plan.email_baseline)
    rows += email_rows(plan, mail)
    rows += stored(plan, workdir, say, exemplos)
    return rows


FLAT = 0.15
"""Issue 25.4: with the notes stored, each cost within 15 % of the empty database's."""


def stored(plan: Plan, workdir: Path, say: Sections,
           exemplos: volume.Modelos | None = None) -> list[Row]:
    """Issue 25.4's rows: the same requests on an empty database and one holding
    ``plan.stored_notes`` notes, alternately; bytes per authorized note."""
    n = f"{plan.stored_notes:,}"
    if "postgresql" not in engines():
        return [Row(f"With {n} notes stored", "", "needs NFSE_BENCH_DATABASE_URL", "", "",
                    "")]
    say.start(f"{n} notes stored against {plan.stored_notes // volume.BASE:,} (PostgreSQL)")
    got = volume.run(workdir, plan.stored_notes, plan.stored_seconds, plan.stored_rounds,
                     say=say.console.log, exemplos=exemplos)
    vazio, cheio, carga = got["vazio"], got["cheio"], got["carga"]
    rows = [Row(f"Loader: {n} notes straight into PostgreSQL (COPY)",
                f"{carga['seconds']:.0f} s ({carga['notes'] / carga['seconds']:,.0f} notes/s)",
                "", "", "minutes", _ok(carga["seconds"] < 900))]

    def slower(label: str, ours: float, base: float, unit: str, higher_better: bool,
               also: tuple[str, str] = ("", "")) -> Row:
        ratio = ours / base if base else float("nan")
        ok = ratio >= 1 - FLAT if higher_better else ratio <= 1 + FLAT
        return Row(f"{label}, {n} notes stored (postgresql)", f"{ours:.1f} {unit}{also[0]}",
                   f"{plan.stored_notes // volume.BASE:,} notes {base:.1f} {unit}{also[1]}",
                   f"{ratio:.2f}",
                   f"{'≥' if higher_better else '≤'} {1 - FLAT if higher_better else 1 + FLAT:.2f}",
                   _ok(ok))
    rows.append(slower("Acceptance POST /v2/nfse, 32 clients", cheio["accept"]["rps"],
                       vazio["accept"]["rps"], "req/s", True))
    rows.append(slower("GET /v2/nfse/REF p99, 8 clients", cheio["get"]["p99_ms"],
                       vazio["get"]["p99_ms"], "ms", False))
    rows.append(slower("Worker's claim of 8 due notes", cheio["claim_ms"], vazio["claim_ms"],
                       "ms", False))
    for page, label in volume.PAGINAS.items():
        if page == "filtrada":
            label = label.replace("a company and status", f"a company and {cheio['status']}")
        ours, base = cheio["painel"][page], vazio["painel"][page]
        rows.append(slower(f"Panel {label}, 4 clients", ours["p99_ms"], base["p99_ms"], "ms",
                           False, (f" ({ours['rps']:.0f} req/s)", f" ({base['rps']:.0f} req/s)")))
    kb = got["bytes_por_nota"] / 1024
    dias = Settings().danfse_dias
    rows.append(Row("Bytes per authorized note: database with its indexes, documents "
                    f"included (the DANFSe of the last {dias:g} days' notes kept, as when "
                    "every note is e-mailed)",
                    f"{kb:.1f} KB (a DANFSe kept: {got['danfse'] / 1024:.1f} KB)",
                    ", ".join(f"{k} {v:,}" for k, v in sorted(carga["status"].items())), "",
                    "≤ 15 KB", _ok(kb <= 15)))
    return rows


def email_rows(plan: Plan, mail: dict) -> list[Row]:
    """Issue 25's row 3: e-mails/s of one worker process through an SMTP server 100 ms
    away against the target and a serial ``smtplib`` session; the lag from ``autorizado``
    to delivered; the SMTP sessions the burst took."""
    missing = plan.email_notes - mail["delivered"]
    # issue 25.3's burst is 1,000 notes; --quick's 100 are mailed as fast as they are
    # authorized, so their rate is the notes' pace, not the e-mail path's
    burst = plan.email_notes >= 1000
    title = (f"E-mail burst: {plan.email_notes} notes, SMTP {correio.DELAY * 1000:.0f} ms per "
             "answer, 1 worker (sqlite)")
    lost = f"; {missing} NOT delivered" if missing else ""
    return [
        Row(f"{title}: rate",
            f"{mail['per_s']:.1f} e-mails/s over {mail['sessions']} SMTP session(s) "
            f"({mail['per_session']:.0f} messages each); worker "
            f"{mail['worker_cpu_ms_per_note']:.0f} ms CPU/note, peak RSS "
            f"{mail['worker_rss_mb']:.0f} MB{lost}",
            f"serial smtplib, one session {mail['baseline_per_s']:.1f}/s "
            f"({mail['per_s'] / mail['baseline_per_s']:.1f}×)",
            f"{mail['per_s'] / EMAIL_TARGET:.2f} × target",
            f"≥ {EMAIL_TARGET} e-mails/s" if burst else "(100 notes mail as fast as they are "
            "authorized: judged on the standing start below)",
            _ok(mail["per_s"] >= EMAIL_TARGET and not missing) if burst else ""),
        Row(f"{title}: lag autorizado → delivered",
            f"p50 {mail['lag_p50_s']:.1f} s, p99 {mail['lag_p99_s']:.1f} s",
            f"serial smtplib: the burst's last e-mail after "
            f"{plan.email_notes / mail['baseline_per_s']:.0f} s",
            f"{mail['lag_p99_s'] / EMAIL_LAG_P99:.2f} × target", f"p99 ≤ {EMAIL_LAG_P99} s",
            _ok(mail["lag_p99_s"] <= EMAIL_LAG_P99 and not missing)),
        Row("E-mail from a standing start: every note mailed again at once, its DANFSe "
            "rendered again, 1 worker (sqlite)",
            f"{mail['standing_per_s']:.1f} e-mails/s; worker "
            f"{mail['standing_cpu_ms_per_email']:.1f} ms CPU/e-mail", "",
            f"{mail['standing_per_s'] / EMAIL_TARGET:.2f} × target",
            f"≥ {EMAIL_TARGET} e-mails/s", _ok(mail["standing_per_s"] >= EMAIL_TARGET)),
    ]


def slow_authority(plan: Plan, workdir: Path, say: Sections,
                   cpu_bound: dict[int, float]) -> list[Row]:
    """Issue 25's rows 1 and 2: throughput against a slow authority as a share of
    min(CPU-bound rate of the same run, notes in flight / mean latency); time to a final
    state at light load beyond the authority's own round trip."""
    rows: list[Row] = []
    em_voo = Settings().worker_in_flight
    for label, workers, args, mean in (
            (f"authority at {latencia.LATENCY}", 2, ("--latency", latencia.LATENCY),
             latencia.mean_latency(latencia.LATENCY)),
            ("10 % of answers 1 s late", 1, ("--faults", "slow=0.1"), 0.1)):
        say.start(f"end to end, {label}, {workers} worker(s), {plan.latency_notes} notes")
        with database("sqlite", workdir) as url:
            run = endtoend.run(workdir, url, plan.latency_notes, workers, sandbox_args=args)
        limit = workers * em_voo / mean
        ceiling = min(cpu_bound[workers], limit)
        ratio = run["steady_per_s"] / ceiling
        failed = plan.latency_notes - run["autorizado"]
        rows.append(Row(
            f"End to end, {label}, {workers} worker(s) × {em_voo} in flight (sqlite)",
            f"{run['steady_per_s']:.0f} notes/s steady ({run['notes_per_s']:.0f} over the "
            f"whole drain, its log-normal tail included); worker peak RSS "
            f"{run['worker_rss_mb']:.0f} MB"
            f"{f'; {failed} NOT authorized' if failed else ''}",
            f"min(CPU-bound steady {cpu_bound[workers]:.0f}/s, in flight / mean latency "
            f"{limit:.0f}/s)", f"{ratio:.2f}", "≥ 0.80, worker ≤ 200 MB",
            _ok(ratio >= 0.8 and run["worker_rss_mb"] <= 200 and not failed)))
    for engine in engines():
        say.start(f"light load on {engine}, {plan.light_notes} notes, one per 0.5 s")
        with database(engine, workdir) as url:
            light = latencia.light_load(workdir, url, plan.light_notes)
        for title, key, count in (
                ("Time to autorizado", "", "autorizado"),
                ("Time to the webhook received (after the commit: what a client with a hook "
                 "sees)", "webhook_", "webhooks")):
            rows.append(light_row(f"{title} at light load, one note per 0.5 s ({engine})",
                                  light, key, count))
    return rows


def light_row(title: str, light: dict, key: str, count: str) -> Row:
    """A light-load row: the notes' times (``key``: which of ``latencia.light_load``'s) beyond
    the authority's own round trip, every note counted (``count``)."""
    p50, p99 = light[f"{key}p50_ms"], light[f"{key}p99_ms"]
    beyond50, beyond99 = p50 - light["authority_p50_ms"], p99 - light["authority_p99_ms"]
    return Row(title, f"p50 {p50:.1f} ms, p99 {p99:.1f} ms",
               f"the authority's round trip p50 {light['authority_p50_ms']:.1f} ms, "
               f"p99 {light['authority_p99_ms']:.1f} ms",
               f"+{beyond50:.1f} / +{beyond99:.1f} ms", "≤ +15 ms p50, ≤ +50 ms p99",
               _ok(beyond50 <= 15 and beyond99 <= 50 and light[count] == light["notes"]))


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


def wall_times(times: list[tuple[str, float]], elapsed: float) -> str:
    """The run's wall time, and each section's (one a line)."""
    return "\n".join([f"took {elapsed:.0f} s:"] + [f"- {seconds:4.0f} s  {label}"
                                                   for label, seconds in times])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs (under 2 minutes)")
    parser.add_argument("--markdown", type=Path, help="also write the table here as Markdown")
    args = parser.parse_args()
    console = Console()
    started = time.monotonic()
    title = header()
    sections = Sections(console)
    with tempfile.TemporaryDirectory(prefix="nfse-bench-") as tmp:
        rows = measure(QUICK if args.quick else FULL, Path(tmp), sections)
    sections.end()
    elapsed = time.monotonic() - started
    table = Table(title=f"nfse-gateway bench{' --quick' if args.quick else ''}", caption=title)
    for column in ("Measure", "Ours", "Baseline (same run)", "Ratio", "Target", ""):
        table.add_column(column)
    for row in rows:
        table.add_row(row.measure, row.ours, row.baseline, row.ratio, row.target, row.verdict)
    console.print(table)
    console.print(wall_times(sections.times, elapsed))
    if args.markdown:
        args.markdown.write_text(markdown(rows, title, elapsed) + "\n"
                                 + wall_times(sections.times, elapsed) + "\n")


if __name__ == "__main__":
    main()
