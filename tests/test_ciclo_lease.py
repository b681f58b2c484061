"""A worker process stalled (SIGSTOP) past its lease after sending a note, while another
worker took the note over and recorded it: once resumed, the stalled worker discards its
outcome. One history row, one artifact set and one webhook delivery (issue 19)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update

from nfse.runtime import Runtime
from nfse.sandbox.nacional import NacionalSandbox
from nfse.store import artefatos, hooks, notas
from nfse.store.clock import now
from nfse.store.tables import artefatos as artefatos_table
from nfse.store.tables import entregas
from nfse.work.worker import Worker
from tests.support import CNPJ, empresa_teste, free_port, nota_exemplo, worker_env

DESCARTADOS = re.compile(r"^nfse_resultados_descartados_total(\{[^}]*\})? (\S+)$", re.M)


def _esperar(condicao: Callable[[], bool], timeout: float, passo: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condicao():
            return True
        time.sleep(passo)
    return False


@pytest.mark.slow
def test_a_worker_stalled_past_its_lease_records_nothing(
        runtime: Runtime, sandbox: NacionalSandbox, database_url: str, tmp_path: Path) -> None:
    _, a1 = empresa_teste(runtime)
    sandbox.trust(a1.cert)
    settings = runtime.settings
    settings.nacional_url_homologacao = sandbox.url
    settings.nacional_ca_file = str(sandbox.ca_file)
    with runtime.engine.begin() as conn:
        hooks.criar(conn, runtime.box, empresa_id=1, ambiente="homologacao", cnpj=None,
                    cpf=None, event="nfse", url=f"http://127.0.0.1:{free_port()}/gatilho",
                    authorization=None, authorization_header="Authorization", secret=None)
        nota_id = notas.aceitar(conn, empresa_id=1, ambiente="homologacao", ref="parado",
                                requisicao=nota_exemplo(), cnpj_prestador=CNPJ,
                                provider="nacional", modelo="nfse")
    sandbox.slow_seconds = 1.5
    sandbox.inject("slow")  # the emission waits at the authority: time to stop its sender
    recebida = threading.Event()
    sortear = sandbox.next_fault

    def ao_receber() -> str | None:  # the whole request is in: the authority will issue it
        fault = sortear()
        recebida.set()
        return fault

    sandbox.next_fault = ao_receber  # type: ignore[method-assign]

    def nota():  # noqa: ANN202
        with runtime.engine.connect() as conn:
            return notas.get(conn, nota_id)

    port = free_port()
    env = worker_env(database_url, sandbox, tmp_path / "parado", NFSE_WORKER_POLL="0.05")
    parado = subprocess.Popen(
        [sys.executable, "-m", "nfse.cli", "worker", "--metrics-port", str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert recebida.wait(30)
        parado.send_signal(signal.SIGSTOP)
        assert nota().status == "processando_autorizacao"
        assert _esperar(lambda: len(sandbox.emitidas()) == 1, 10)  # the authority issued it
        with runtime.engine.begin() as conn:  # the stalled worker's lease runs out
            conn.execute(update(notas.notas).where(notas.notas.c.id == nota_id)
                         .values(lease_until=now() - timedelta(seconds=1)))
        outro = Worker(runtime.engine, settings, runtime.emissores)
        assert outro.run_once() == 1  # takes the note over, asks, finds it and records it
        assert nota().status == "autorizado"
        parado.send_signal(signal.SIGCONT)

        def descartou() -> bool:
            found = DESCARTADOS.search(httpx.get(f"http://127.0.0.1:{port}/metrics").text)
            return found is not None and float(found.group(2)) >= 1

        def historia() -> list[str]:
            with runtime.engine.connect() as conn:
                return [h.status for h in notas.history(conn, nota_id)]

        assert _esperar(lambda: descartou() or len(historia()) > 2, 20, 0.1)
    finally:
        parado.send_signal(signal.SIGCONT)
        parado.send_signal(signal.SIGTERM)
        parado.wait(timeout=30)
    assert historia() == ["processando_autorizacao", "autorizado"]
    with runtime.engine.connect() as conn:
        def contar(tabela, *onde) -> int:  # noqa: ANN001
            return conn.execute(select(func.count()).select_from(tabela).where(*onde)
                                ).scalar_one()

        assert contar(artefatos_table, artefatos_table.c.nota_id == nota_id,
                      artefatos_table.c.kind == artefatos.XML_NFSE) == 1
        assert contar(artefatos_table, artefatos_table.c.nota_id == nota_id,
                      artefatos_table.c.kind == "exchange:emissao:response") == 0
        assert contar(entregas, entregas.c.nota_id == nota_id) == 1
    assert len(sandbox.emitidas()) == 1
