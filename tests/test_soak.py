"""No note lost, none issued twice, no RPS number repeated: many notes through several
`nfse worker` processes while the sandbox fails ~25% of emissions, with and without workers
being SIGKILLed mid-send; against the NFS-e Nacional sandbox and the ABRASF 2.04 one."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from nfse.runtime import Runtime
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.sandbox.nacional import NacionalSandbox
from nfse.store import notas
from nfse.store.tables import artefatos
from nfse.store.tables import notas as notas_table
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.support import CNPJ, MUNICIPIO_ABRASF, empresa_teste, nota_exemplo, worker_env

pytestmark = pytest.mark.slow

FAULTS = {"timeout_after_commit": 0.08, "http500": 0.05, "reset": 0.05, "garbage": 0.03,
          "slow": 0.04}


@pytest.fixture(params=["nacional", "abrasf"])
def faulty_sandbox(request: pytest.FixtureRequest,
                   tmp_path: Path) -> NacionalSandbox | AbrasfSandbox:
    if request.param == "nacional":
        box = NacionalSandbox(tmp_path / "faulty", fault_rates=FAULTS, seed=2026,
                              slow_seconds=0.3)
    else:
        box = AbrasfSandbox(tmp_path / "faulty", fault_rates=FAULTS, seed=2026,
                            slow_seconds=0.3, xsd_dir=abrasf_xsd_dir())
    box.start()
    yield box
    box.stop()


def emitidas(box: NacionalSandbox | AbrasfSandbox) -> list[tuple[str, int]]:
    """(the note's number or key, its RPS/DPS number) of every note the authority issued."""
    if isinstance(box, AbrasfSandbox):
        return [(str(e["numero"]), int(e["rps_numero"])) for e in box.emitidas()]
    return [(e["chaveAcesso"], int(e["nDPS"])) for e in box.emitidas()]


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nfse.cli", "worker"], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


@pytest.mark.parametrize("notes,kills", [(300, 0), (150, 6)])
def test_soak_with_faults_and_kills(runtime: Runtime,
                                    faulty_sandbox: NacionalSandbox | AbrasfSandbox,
                                    database_url: str, tmp_path: Path, notes: int,
                                    kills: int) -> None:
    _, a1 = empresa_teste(runtime)
    faulty_sandbox.trust(a1.cert)
    abrasf = isinstance(faulty_sandbox, AbrasfSandbox)
    requisicao = nota_exemplo()
    if abrasf:
        requisicao["prestador"]["codigo_municipio"] = MUNICIPIO_ABRASF
    with runtime.engine.begin() as conn:
        for i in range(notes):
            notas.aceitar(conn, empresa_id=1, ambiente="homologacao", ref=f"s-{i}",
                          requisicao=requisicao, cnpj_prestador=CNPJ,
                          provider="abrasf" if abrasf else "nacional", modelo="nfse")
    env = worker_env(database_url, faulty_sandbox, tmp_path / "workers",
                     NFSE_WORKER_POLL="0.05", NFSE_AUTHORITY_TIMEOUT="1",
                     NFSE_BACKOFF_BASE="0.2", NFSE_BACKOFF_CAP="2", NFSE_WORKER_LEASE="3",
                     NFSE_BREAKER_OPEN="0.5", NFSE_ABRASF_XSD_DIR=str(abrasf_xsd_dir()))
    log = tmp_path / "workers.log"
    workers = [start_worker(env, log) for _ in range(3)]
    rng = random.Random(kills)
    killed = 0
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            with runtime.engine.connect() as conn:
                pending = conn.execute(select(func.count()).where(
                    notas_table.c.status == "processando_autorizacao")).scalar_one()
            if pending == 0:
                break
            if killed < kills:
                time.sleep(rng.uniform(0.3, 1.0))
                victim = rng.randrange(len(workers))
                workers[victim].send_signal(signal.SIGKILL)
                workers[victim].wait()
                workers[victim] = start_worker(env, log)
                killed += 1
            else:
                time.sleep(0.2)
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        for proc in workers:
            proc.wait(timeout=30)

    assert killed == kills
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(notas_table)).all()
    assert Counter(r.status for r in rows) == {"autorizado": notes}, log.read_text()[-3000:]
    assert len({r.numero_rps for r in rows}) == notes  # no RPS number used twice
    issued = emitidas(faulty_sandbox)
    assert len(issued) == notes  # exactly one NFS-e per note at the authority
    assert {numero for numero, _ in issued} == {
        r.numero if abrasf else r.chave_acesso for r in rows}
    assert {rps for _, rps in issued} == {r.numero_rps for r in rows}
    consulta = "consulta_rps" if abrasf else "consulta_dps"
    with runtime.engine.connect() as conn:
        queries = conn.execute(select(func.count()).where(
            artefatos.c.kind == f"exchange:{consulta}:request")).scalar_one()
    assert queries >= notes * 0.1  # the faults happened, and were reconciled, not resent
