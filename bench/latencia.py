"""The gateway against an authority that takes its time (issue 25, rows 1 and 2).

- Latency-bound throughput: the sandbox answers after a log-normal delay (``--latency
  p50=300ms,p99=1500ms``) or one answer in ten a second late (``--faults slow=0.1``); the
  notes/s of N workers against min(the CPU-bound rate measured in the same run, notes in
  flight / mean latency).
- Time to a final state at light load: one note every 0.5 s, POST → ``autorizado`` (the
  history's time of the authorization), beyond the authority's own round trip for a signed
  DPS measured in the same run against the same sandbox. Beside it, POST → the note's
  webhook received, what a client with a hook sees: the history's time is taken when the
  worker starts the transaction that records the authorization, the webhook leaves after
  it commits.
"""

from __future__ import annotations

import json
import math
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from sqlalchemy import and_, select

from bench.acceptance import NOTA
from bench.endtoend import _drain, _wait_for_workers
from bench.stack import Stack
from nfse.model.nfse import parse_nfse
from nfse.providers.base import Emissor, Rps
from nfse.providers.nacional.dps import build_dps
from nfse.providers.nacional.respostas import pack
from nfse.providers.transport import Transport
from nfse.sandbox.faults import parse_latency
from nfse.store.clock import aware
from nfse.store.db import make_engine
from nfse.store.tables import historico, notas

LATENCY = "p50=300ms,p99=1500ms"


def mean_latency(spec: str) -> float:
    """The mean of the sandbox's latency distribution ``spec``."""
    latencia = parse_latency(spec)
    return latencia.media if latencia is not None else 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def light_load(workdir: Path, database_url: str, notes: int, interval: float = 0.5,
               warmup: int = 4) -> dict:
    """POST one note every ``interval`` seconds to one worker (on SQLite the one in the
    API's process, as SQLite is deployed: it has no NOTIFY to wake another process; on
    PostgreSQL an ``nfse worker`` woken by NOTIFY); per note, the milliseconds
    from the POST to its authorization and to its webhook's arrival; the sandbox's own
    round trip for a signed DPS, ``notes`` times at the same pace (the baseline)."""
    stack = Stack(workdir, database_url)
    stack.prepare(NFSE_WEBHOOK_ALLOW="127.0.0.1")
    try:
        _, sandbox_url, ca = stack.sandbox()
        sqlite = database_url.startswith("sqlite")
        api, url = stack.api(worker=sqlite)
        engine = make_engine(database_url)
        _wait_for_workers(engine, 1, [api] if sqlite else [stack.worker(0)])
        sent: dict[str, float] = {}
        with httpx.Client(base_url=url, auth=(stack.token, ""), timeout=30) as client, \
                webhook_receiver() as (hook_url, arrived):
            client.post("/v2/hooks", json={"event": "nfse", "url": hook_url}
                        ).raise_for_status()
            for n in range(warmup + notes):
                ref = f"leve-{n}"
                moment = time.time()
                answer = client.post("/v2/nfse", params={"ref": ref}, json=NOTA)
                answer.raise_for_status()
                if n >= warmup:
                    sent[ref] = moment
                time.sleep(max(0.0, moment + interval - time.time()))
            _drain(engine, time.perf_counter() + 120)
            deadline = time.perf_counter() + 30
            while not sent.keys() <= arrived.keys() and time.perf_counter() < deadline:
                time.sleep(0.05)
        with engine.connect() as conn:
            found = conn.execute(select(notas.c.ref, historico.c.at).join(
                historico, and_(historico.c.nota_id == notas.c.id,
                                historico.c.status == "autorizado"))).all()
        engine.dispose()
        lags = [1000 * (aware(at).timestamp() - sent[ref]) for ref, at in found if ref in sent]
        hooks = [1000 * (arrived[ref] - moment) for ref, moment in sent.items()
                 if ref in arrived]
        assert stack.a1 is not None
        emissor = Emissor(a1=stack.a1, ambiente="homologacao", base_url=sandbox_url,
                          ca_file=str(ca), razao_social="EMPRESA BENCH LTDA",
                          regime_tributario=3)
        round_trips = _round_trips(emissor, notes, interval / 10)
        return {"notes": notes, "autorizado": len(lags),
                "p50_ms": statistics.median(lags), "p99_ms": percentile(lags, 0.99),
                "webhooks": len(hooks),
                "webhook_p50_ms": statistics.median(hooks) if hooks else math.nan,
                "webhook_p99_ms": percentile(hooks, 0.99) if hooks else math.nan,
                "authority_p50_ms": statistics.median(round_trips),
                "authority_p99_ms": percentile(round_trips, 0.99)}
    finally:
        stack.stop()


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, dict[str, float]]]:
    """A webhook receiver on loopback (HTTP/1.1, kept alive as a client's would be): its URL,
    and the wall-clock time each note's first delivery in a final state arrived, by ref."""
    arrived: dict[str, float] = {}

    class Receiver(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            moment = time.time()
            note = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if note.get("status") != "processando_autorizacao":
                arrived.setdefault(note.get("ref"), moment)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", arrived
    finally:
        server.shutdown()
        server.server_close()


def _round_trips(emissor: Emissor, count: int, pause: float) -> list[float]:
    """Milliseconds per POST of a DPS signed beforehand, one at a time (after one untimed
    request that opens the connection, as the worker's is open)."""
    nota = parse_nfse(NOTA)
    bodies = [{"dpsXmlGZipB64": pack(build_dps(nota, Rps("77", n), emissor))}
              for n in range(1, count + 2)]
    transport = Transport()
    times: list[float] = []
    for n, body in enumerate(bodies):
        started = time.perf_counter()
        answer = transport.request("POST", f"{emissor.base_url}/nfse", emissor.a1,
                                   emissor.ca_file, 30, body)
        if n:
            times.append(1000 * (time.perf_counter() - started))
        if answer.status != 201:
            raise RuntimeError(f"the sandbox answered {answer.status}")
        time.sleep(pause)
    return times
