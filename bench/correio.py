"""E-mail at month-end (issue 25, row 3): a burst of notes authorized at once, each mailed to
its tomador through an SMTP server that answers every command 100 ms late
(``bench.smtp_lento``); e-mails/s per worker process, the lag from ``autorizado`` to
delivered and the SMTP sessions the burst took; the steady rate, over the middle of the
burst's deliveries; then every note mailed again, queued at once: the outbox's rate from a
standing start and the worker's CPU per e-mail alone. Baseline: a plain serial ``smtplib``
client, one session, on the same server."""

from __future__ import annotations

import json
import smtplib
import time
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import and_, delete, func, select, update

from bench.acceptance import NOTA, load
from bench.endtoend import _drain, _wait_for_workers, steady_rate
from bench.latencia import percentile
from bench.stack import Stack, cpu_seconds, free_port, peak_rss_mb, wait_port
from nfse.store import artefatos as artefatos_store
from nfse.store import emails as emails_store
from nfse.store.clock import aware
from nfse.store.db import make_engine
from nfse.store.tables import artefatos, emails, empresas, historico, notas

DELAY = 0.1


def _message(n: int) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = "nfse@bench.test", "contato@example.com"
    message["Subject"] = f"NFS-e {n}"
    message.set_content("Segue a NFS-e.")
    message.add_attachment(b"%PDF" + b"x" * 30_000, maintype="application", subtype="pdf",
                           filename=f"NFSe-{n}.pdf")
    return message


def serial_rate(port: int, count: int) -> float:
    """Messages/s of one ``smtplib`` session sending one message after another."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.send_message(_message(0))
        started = time.perf_counter()
        for n in range(count):
            client.send_message(_message(n + 1))
        return count / (time.perf_counter() - started)


def _status(path: Path) -> dict:
    """Sessions and messages the slow server has had so far."""
    return json.loads(path.read_text()) if path.exists() else {"sessions": 0, "messages": 0}


def _delivered(engine) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(emails).where(
            emails.c.status == "enviado")).scalar_one()


def _settle(pid: int, quiet: float = 0.02, step: float = 0.25, timeout: float = 20) -> None:
    """Until the worker is idle (under ``quiet`` s of CPU in ``step`` s): with an SMTP
    server configured it imports the PDF stack and reduces the DANFSe's logo as it starts,
    ~0.25 s of CPU once per process, which read as ~2.5 ms per note of a 100-note burst."""
    deadline = time.monotonic() + timeout
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(step)
        now = cpu_seconds(pid)
        if now - before < quiet:
            return
        before = now


def _standing_start(engine, pid: int, notes: int, deadline: float) -> dict:  # noqa: ANN001
    """Every authorized note mailed again, all queued at once with their DANFSe removed (so
    each is rendered again): the outbox's own rate from a standing start, with a backlog
    however few the notes (in the burst above, 100 notes are mailed about as fast as they
    are authorized, and the rate reads the notes' pace), and the worker's CPU per e-mail
    alone, without the note's emission."""
    with engine.begin() as conn:
        conn.execute(delete(artefatos).where(artefatos.c.kind == artefatos_store.DANFSE))
        ids = conn.execute(select(notas.c.id).where(notas.c.status == "autorizado")).scalars()
        for nota_id in ids:
            emails_store.enfileirar(conn, nota_id, ["contato@example.com"], emails_store.PEDIDO)
    released = time.time()
    cpu_before = cpu_seconds(pid)
    while _delivered(engine) < 2 * notes and time.perf_counter() < deadline:
        time.sleep(0.05)
    cpu = cpu_seconds(pid) - cpu_before
    with engine.connect() as conn:
        sent = [aware(at).timestamp() for (at,) in conn.execute(select(emails.c.sent_at).where(
            emails.c.motivo == emails_store.PEDIDO, emails.c.status == "enviado"))]
    last = max(sent) if sent else float("nan")
    return {"standing_per_s": len(sent) / (last - released),
            "standing_cpu_ms_per_email": 1000 * cpu / max(len(sent), 1)}


def run(workdir: Path, database_url: str, notes: int, baseline_count: int = 20,
        timeout: float = 300) -> dict:
    stack = Stack(workdir, database_url)
    smtp_port = free_port()
    stack.prepare(NFSE_SMTP_HOST="127.0.0.1", NFSE_SMTP_PORT=str(smtp_port))
    try:
        status = workdir / "smtp-lento.json"
        smtp = stack.spawn(["-m", "bench.smtp_lento", str(smtp_port), str(DELAY),
                            str(status)], "smtp")
        wait_port(smtp_port, smtp)
        baseline = serial_rate(smtp_port, baseline_count)
        before = _status(status)
        engine = make_engine(database_url)
        with engine.begin() as conn:
            conn.execute(update(empresas).values(enviar_email_destinatario=True))
        stack.sandbox()
        _, url = stack.api()
        procs = [stack.worker(0)]
        _wait_for_workers(engine, 1, procs)
        _settle(procs[0].pid)
        body = workdir / "nota-email.json"
        body.write_text(json.dumps(NOTA, ensure_ascii=False))
        cpu_before = cpu_seconds(procs[0].pid)
        started = time.perf_counter()
        load(url, body, stack.token, 32, timeout, total=notes)
        _drain(engine, started + timeout)
        deadline = started + timeout
        while _delivered(engine) < notes and time.perf_counter() < deadline:
            time.sleep(0.1)
        with engine.connect() as conn:
            rows = conn.execute(select(historico.c.at, emails.c.sent_at).select_from(
                emails.join(notas, notas.c.id == emails.c.nota_id).join(
                    historico, and_(historico.c.nota_id == notas.c.id,
                                    historico.c.status == "autorizado"))).where(
                emails.c.status == "enviado")).all()
        after = _status(status)
        cpu_ms = 1000 * (cpu_seconds(procs[0].pid) - cpu_before) / notes
        again = _standing_start(engine, procs[0].pid, notes, deadline)
        engine.dispose()
        sessions = after["sessions"] - before["sessions"]
        rss = peak_rss_mb(procs[0].pid)
        authorized = [aware(at).timestamp() for at, _ in rows]
        sent = [aware(at).timestamp() for _, at in rows]
        lags = [s - a for a, s in zip(authorized, sent, strict=True)]
        span = max(sent) - min(authorized) if rows else float("nan")
        return {"notes": notes, "delivered": len(rows), "per_s": len(rows) / span,
                "steady_per_s": steady_rate(sent),
                "lag_p50_s": percentile(lags, 0.5), "lag_p99_s": percentile(lags, 0.99),
                "baseline_per_s": baseline, "worker_rss_mb": rss, "sessions": sessions,
                "per_session": (after["messages"] - before["messages"]) / max(sessions, 1),
                "worker_cpu_ms_per_note": cpu_ms, **again}
    finally:
        stack.stop()
