"""The note queue: acceptance, claim with lease, numbering kept across retries."""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, insert, update
from sqlalchemy.exc import IntegrityError

from nfse.domain.status import Status
from nfse.runtime import Runtime
from nfse.store import artefatos, ciclo, db, hooks, notas
from nfse.store.clock import aware, now
from nfse.work.worker import Worker
from tests.support import CNPJ, empresa_teste, nota_exemplo


def accept(runtime: Runtime, ref: str) -> int:
    with runtime.engine.begin() as conn:
        return notas.aceitar(conn, empresa_id=1, ambiente="homologacao", ref=ref,
                             requisicao=nota_exemplo(), cnpj_prestador=CNPJ,
                             provider="nacional", modelo="nfse")


def lease(runtime: Runtime, nota_id: int) -> ciclo.Lease:
    with runtime.engine.connect() as conn:
        found = ciclo.Lease.da_nota(notas.get(conn, nota_id))
    assert found is not None
    return found


def test_claim_leases_and_numbers_once(runtime: Runtime) -> None:
    empresa_teste(runtime)
    ids = [accept(runtime, f"r{i}") for i in range(3)]
    first = notas.claim(runtime.engine, "w1", 10, timedelta(seconds=60))
    assert sorted(first) == ids
    assert not notas.claim(runtime.engine, "w2", 10, timedelta(seconds=60))  # leased
    with runtime.engine.connect() as conn:
        numbers = [notas.get(conn, i).numero_rps for i in ids]
    assert sorted(numbers) == [1, 2, 3]

    # the lease of a dead worker expires; the note keeps its number
    with runtime.engine.begin() as conn:
        conn.execute(update(notas.notas).where(notas.notas.c.id == ids[0])
                     .values(lease_until=now() - timedelta(seconds=1)))
    assert list(notas.claim(runtime.engine, "w2", 10, timedelta(seconds=60))) == [ids[0]]
    with runtime.engine.connect() as conn:
        assert notas.get(conn, ids[0]).numero_rps == numbers[0]


def test_only_the_claim_commits_without_waiting_for_the_disk(runtime: Runtime) -> None:
    """PostgreSQL: the claim is one statement, and its commit does not wait for the WAL
    flush (its lease and RPS numbers are what a crash of the server may undo), for that
    transaction alone; the mark before sending, which keeps one note per ref at the
    authority, still waits for it."""
    empresa_teste(runtime)
    nota_id = accept(runtime, "durable")
    postgres = db.is_postgres(runtime.engine)
    statements: list[str] = []
    event.listen(runtime.engine, "before_cursor_execute",
                 lambda _conn, _cursor, statement, *_: statements.append(statement))
    assert list(notas.claim(runtime.engine, "w1", 1, timedelta(seconds=60))) == [nota_id]
    in_claim = [s for s in statements if "synchronous_commit" in s]
    if postgres:  # claiming and numbering in one round trip, its own transaction
        assert len(statements) == 1
        with db.autocommit(runtime.engine) as conn:  # the pool lends the same connection
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
    statements.clear()
    with db.autocommit(runtime.engine) as conn:
        assert notas.mark_sending(conn, nota_id, lease(runtime, nota_id))
    assert len(in_claim) == (1 if postgres else 0)
    assert not [s for s in statements if "synchronous_commit" in s]
    if postgres:
        with runtime.engine.connect() as conn:
            default = conn.exec_driver_sql("SHOW synchronous_commit").scalar()
        with runtime.engine.begin() as conn:
            db.relaxed_commit(conn)
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
        with runtime.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == default


def test_rescheduled_note_waits_and_released_leases_return(runtime: Runtime) -> None:
    empresa_teste(runtime)
    nota_id = accept(runtime, "later")
    assert list(notas.claim(runtime.engine, "w1", 1, timedelta(seconds=60))) == [nota_id]
    with runtime.engine.begin() as conn:
        ciclo.adiar(conn, nota_id, lease(runtime, nota_id), delay=3600, reconcile=True,
                    mensagem="fora do ar")
    assert not notas.claim(runtime.engine, "w1", 1, timedelta(seconds=60))
    with runtime.engine.begin() as conn:
        conn.execute(update(notas.notas).where(notas.notas.c.id == nota_id)
                     .values(next_attempt_at=now()))
    assert list(notas.claim(runtime.engine, "w1", 1, timedelta(seconds=60))) == [nota_id]
    notas.release(runtime.engine, "w1")
    assert list(notas.claim(runtime.engine, "w2", 1, timedelta(seconds=60))) == [nota_id]


def test_concurrent_claims_never_share_a_note_or_a_number(runtime: Runtime) -> None:
    empresa_teste(runtime)
    ids = {accept(runtime, f"c{i}") for i in range(40)}
    claimed: list[int] = []
    lock = threading.Lock()

    def work(owner: str) -> None:
        while True:
            got = notas.claim(runtime.engine, owner, 3, timedelta(seconds=60))
            if not got:
                return
            with lock:
                claimed.extend(got)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(ids)
    with runtime.engine.connect() as conn:
        numbers = sorted(notas.get(conn, i).numero_rps for i in ids)
    assert numbers == list(range(1, 41))


def test_a_stopping_worker_leaves_unstarted_notes_for_others(runtime: Runtime) -> None:
    empresa_teste(runtime)
    ids = [accept(runtime, f"t{i}") for i in range(3)]
    stop = threading.Event()
    stop.set()
    worker = Worker(runtime.engine, runtime.settings, runtime.emissores)
    assert worker.run_once(stop) == 3  # claimed, none started
    notas.release(runtime.engine, worker.id)
    assert sorted(notas.claim(runtime.engine, "other", 10, timedelta(seconds=60))) == ids
    with runtime.engine.connect() as conn:
        assert {notas.get(conn, i).attempts for i in ids} == {0}


def test_a_note_past_the_deadline_ends_in_erro_autorizacao(runtime: Runtime) -> None:
    empresa_teste(runtime)
    nota_id = accept(runtime, "velha")
    runtime.settings.processing_deadline = 0  # every note is already too old
    Worker(runtime.engine, runtime.settings, runtime.emissores).run_once()
    with runtime.engine.connect() as conn:
        row = notas.get(conn, nota_id)
    assert row.status == "erro_autorizacao" and row.attempts == 0
    assert "prazo_esgotado" in row.erros


def test_one_batch_mixes_new_taken_replaced_and_repeated_refs(runtime: Runtime) -> None:
    """What the acceptance writer gets under load: every pedido of a shared transaction gets
    the answer it would get alone, on either engine."""
    empresa_teste(runtime)
    ocupada = accept(runtime, "ocupada")
    falhou = accept(runtime, "falhou")
    with runtime.engine.begin() as conn:
        ciclo.rejeitar(conn, falhou, None, [{"codigo": "E1", "mensagem": "recusada"}])

    def pedido(ref: str, corpo: object) -> notas.Pedido:
        return notas.Pedido(empresa_id=1, ambiente="homologacao", ref=ref, requisicao=corpo,
                            cnpj_prestador=CNPJ, provider="nacional", modelo="nfse")

    texto = '{"servico": {"discriminacao": "como veio"}}'
    with runtime.engine.begin() as conn:
        results = notas.aceitar_lote(conn, [
            pedido("nova", texto), pedido("nova", {"outra": 1}), pedido("ocupada", {}),
            pedido("falhou", {"de": "novo"}), pedido("outra-nova", {"a": "ç"})])
    nova, repetida, tomada, refeita, outra = results
    assert isinstance(nova, int) and isinstance(outra, int) and nova != outra
    assert isinstance(repetida, notas.RefOcupada)
    assert repetida.status == Status.PROCESSANDO
    assert isinstance(tomada, notas.RefOcupada) and tomada.status == Status.PROCESSANDO
    assert refeita == falhou
    with runtime.engine.connect() as conn:
        assert notas.get(conn, nova).requisicao == texto  # kept as received
        assert json.loads(notas.get(conn, outra).requisicao) == {"a": "ç"}
        assert json.loads(notas.get(conn, falhou).requisicao) == {"de": "novo"}
        assert notas.get(conn, falhou).status == Status.PROCESSANDO.value
        assert notas.get(conn, ocupada).requisicao != texto
        for nota_id in (nova, outra, falhou):
            assert notas.history(conn, nota_id)[-1].detalhe == "nota recebida"
        assert len(notas.history(conn, nova)) == 1
        # each new note its own capability, as secrets.token_urlsafe(24) writes one
        capabilities = {notas.get(conn, i).capability for i in (nova, outra)}
        assert len(capabilities) == 2
        assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", c) for c in capabilities)


def test_an_error_in_a_pipeline_is_sqlalchemys_and_rolls_the_transaction_back(
        runtime: Runtime) -> None:
    """What the acceptance writer relies on: a statement that fails inside ``db.pipeline``
    raises SQLAlchemy's error class when the block ends, and nothing of the transaction
    stays, on either engine."""
    empresa_teste(runtime)
    nota_id = accept(runtime, "antes")
    historia = insert(notas.historico).inline()  # no RETURNING: nothing to read in a pipeline
    with pytest.raises(IntegrityError), runtime.engine.begin() as conn, db.pipeline(conn):
        conn.execute(historia, {"nota_id": nota_id, "status": "x", "detalhe": "fica?",
                                "at": now()})
        conn.execute(historia, {"nota_id": 999_999, "status": "x", "at": now()})
    with runtime.engine.connect() as conn:
        assert [h.detalhe for h in notas.history(conn, nota_id)] == ["nota recebida"]


def test_an_authorization_is_recorded_alike_on_either_engine(runtime: Runtime) -> None:
    """``ciclo.autorizar``, the worker's hot write, is one path on both engines (run with
    ``NFSE_TEST_DATABASE_URL`` for PostgreSQL): the note, its history, its artifacts and
    the hooks it finds, in their order."""
    empresa_teste(runtime)
    nota_id = accept(runtime, "autorizada")
    assert list(notas.claim(runtime.engine, "w1", 1, timedelta(seconds=60))) == [nota_id]
    with runtime.engine.begin() as conn:
        def hook(**alvo: str | None) -> str:
            return hooks.criar(conn, runtime.box, empresa_id=1, ambiente="homologacao",
                               event="nfse", url="https://example.com/h", authorization=None,
                               authorization_header="Authorization", secret=None,
                               **({"cnpj": None, "cpf": None} | alvo)).id
        todos, deste = hook(), hook(cnpj=CNPJ)
        hook(cnpj="11444777000161")  # another prestador's
        row = notas.get(conn, nota_id)
        emitida = datetime(2026, 11, 20, 10, 0, tzinfo=timezone(timedelta(hours=-3)))
        achados = ciclo.autorizar(
            conn, row, ciclo.Lease.da_nota(row),
            [("exchange:emissao:request", b"<pedido/>", "application/octet-stream"),
             (artefatos.XML_NFSE, b"<NFSe>\xc3\xa7</NFSe>", "application/xml")],
            numero="42", codigo_verificacao="ABC", chave_acesso="3" * 50,
            data_emissao=emitida, valores={"vLiq": "97.00"})
    assert achados == [todos, deste]
    with runtime.engine.connect() as conn:
        nota = notas.get(conn, nota_id)
        assert (nota.status, nota.numero, nota.codigo_verificacao, nota.chave_acesso) == (
            Status.AUTORIZADO.value, "42", "ABC", "3" * 50)
        assert aware(nota.data_emissao) == emitida
        assert json.loads(nota.valores_nfse) == {"vLiq": "97.00"}
        assert (nota.reconcile, nota.lease_owner, nota.next_attempt_at, nota.erros) == (
            False, None, None, None)
        assert notas.history(conn, nota_id)[-1].detalhe == "NFS-e 42 autorizada"
        assert artefatos.latest(conn, nota_id, artefatos.XML_NFSE) == (
            b"<NFSe>\xc3\xa7</NFSe>", "application/xml")
        assert artefatos.latest(conn, nota_id, "exchange:emissao:request") == (
            b"<pedido/>", "application/octet-stream")
