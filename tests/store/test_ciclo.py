"""The lifecycle (``domain.status`` and ``store.ciclo``): the transition table, and each change
a compare-and-set that, losing a race or a lease, writes nothing; on either engine (the
authorization's own statements for each are run here too)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from nfse.domain.status import (
    ENVIO_TRANSITIONS,
    ISSUED,
    TRANSITIONS,
    Envio,
    Status,
    TransicaoInvalida,
    can_move,
    exigir,
    exigir_envio,
)
from nfse.runtime import Runtime
from nfse.store import artefatos, ciclo, emails, hooks, notas
from nfse.store.clock import now
from nfse.store.tables import artefatos as artefatos_table
from nfse.store.tables import entregas, historico
from nfse.work.outbox import BATCH
from nfse.work.webhooks import Webhooks
from tests.support import CNPJ, empresa_teste, nota_exemplo

LEASE = timedelta(seconds=60)


def test_the_transition_table() -> None:
    assert set(TRANSITIONS) == set(Status)
    assert can_move(Status.PROCESSANDO, Status.AUTORIZADO)
    assert can_move(Status.AUTORIZADO, Status.CANCELADO)
    assert can_move(Status.ERRO, Status.PROCESSANDO)  # the ref accepted again
    for final in (Status.CANCELADO, Status.SUBSTITUIDO):
        assert TRANSITIONS[final] == frozenset()
    with pytest.raises(TransicaoInvalida):
        exigir(Status.CANCELADO, Status.AUTORIZADO)
    with pytest.raises(TransicaoInvalida):
        exigir(Status.PROCESSANDO, Status.CANCELADO)  # only an authorized note is cancelled
    assert ISSUED == {Status.AUTORIZADO, Status.CANCELADO, Status.SUBSTITUIDO}
    assert set(ENVIO_TRANSITIONS) == set(Envio)
    exigir_envio(Envio.PENDENTE, Envio.ENVIADO)
    with pytest.raises(TransicaoInvalida):
        exigir_envio(Envio.ENVIADO, Envio.PENDENTE)  # a message that left never leaves again


def _aceitar(runtime: Runtime, ref: str) -> int:
    with runtime.engine.begin() as conn:
        return notas.aceitar(conn, empresa_id=1, ambiente="homologacao", ref=ref,
                             requisicao=nota_exemplo(), cnpj_prestador=CNPJ,
                             provider="nacional", modelo="nfse")


def _row(runtime: Runtime, nota_id: int):  # noqa: ANN202
    with runtime.engine.connect() as conn:
        return notas.get(conn, nota_id)


def _historia(runtime: Runtime, nota_id: int) -> list[str]:
    with runtime.engine.connect() as conn:
        return [h.status for h in notas.history(conn, nota_id)]


def _contar(runtime: Runtime, nota_id: int, kind: str) -> int:
    with runtime.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(artefatos_table).where(
            artefatos_table.c.nota_id == nota_id, artefatos_table.c.kind == kind)).scalar_one()


def _expirar(runtime: Runtime, nota_id: int) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(update(notas.notas).where(notas.notas.c.id == nota_id)
                     .values(lease_until=now() - timedelta(seconds=1)))


def _autorizar(runtime: Runtime, row, numero: str = "7") -> list[str]:  # noqa: ANN001
    with runtime.engine.begin() as conn:
        return ciclo.autorizar(conn, row, ciclo.Lease.da_nota(row), [
            (artefatos.XML_NFSE, b"<NFSe/>", "application/xml")], numero=numero,
            codigo_verificacao="C", chave_acesso="3" * 50, data_emissao=now())


def _autorizada(runtime: Runtime, ref: str) -> int:
    nota_id = _aceitar(runtime, ref)
    assert nota_id in notas.claim(runtime.engine, "w1", 10, LEASE)
    _autorizar(runtime, _row(runtime, nota_id))
    return nota_id


@pytest.fixture
def empresa(runtime: Runtime) -> None:
    empresa_teste(runtime)


@pytest.mark.usefixtures("empresa")
def test_a_change_from_a_state_the_note_left_writes_nothing(runtime: Runtime) -> None:
    nota_id = _autorizada(runtime, "cas")
    with runtime.engine.begin() as conn:
        ciclo.cancelar(conn, nota_id, "primeiro pedido", xml_cancelamento=b"<evento/>")
        assert ciclo.guardar_danfse(conn, nota_id, b"%PDF-cancelada", cancelada=True)
    with pytest.raises(ciclo.EstadoMudou) as lost, runtime.engine.begin() as conn:
        ciclo.cancelar(conn, nota_id, "segundo pedido", xml_cancelamento=b"<evento/>")
    assert lost.value.encontrado == Status.CANCELADO and not lost.value.lease_perdida
    assert _historia(runtime, nota_id).count(Status.CANCELADO.value) == 1
    assert _contar(runtime, nota_id, artefatos.XML_CANCELAMENTO) == 1
    with runtime.engine.connect() as conn:
        assert artefatos.latest(conn, nota_id, artefatos.DANFSE)[0] == b"%PDF-cancelada"
    with pytest.raises(ciclo.EstadoMudou) as substituida, runtime.engine.begin() as conn:
        ciclo.substituir(conn, nota_id, "8")
    assert substituida.value.encontrado == Status.CANCELADO
    with pytest.raises(ciclo.EstadoMudou) as none, runtime.engine.begin() as conn:
        ciclo.cancelar(conn, 999_999, "nota que não existe", xml_cancelamento=None)
    assert none.value.encontrado is None


@pytest.mark.usefixtures("empresa")
def test_twenty_concurrent_cancellations_one_change(runtime: Runtime) -> None:
    nota_id = _autorizada(runtime, "vinte")
    barrier = threading.Barrier(20)
    results: list[str] = []
    lock = threading.Lock()

    def cancel(i: int) -> None:
        barrier.wait()
        try:
            with runtime.engine.begin() as conn:
                ciclo.cancelar(conn, nota_id, f"pedido {i} de cancelamento",
                               xml_cancelamento=b"<evento/>")
            result = "cancelou"
        except ciclo.EstadoMudou as exc:
            result = exc.encontrado.value
        with lock:
            results.append(result)

    threads = [threading.Thread(target=cancel, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["cancelado"] * 19 + ["cancelou"]
    assert _historia(runtime, nota_id).count(Status.CANCELADO.value) == 1
    assert _contar(runtime, nota_id, artefatos.XML_CANCELAMENTO) == 1


@pytest.mark.usefixtures("empresa")
def test_a_worker_that_lost_its_lease_records_nothing(runtime: Runtime) -> None:
    """The authorization's own statements (PostgreSQL's single statement, SQLite's
    prepared ones) under the lease guard: the first worker, whose lease expired and whose
    note the second one claimed, can neither send, postpone, reject nor authorize it."""
    with runtime.engine.begin() as conn:
        hook = hooks.criar(conn, runtime.box, empresa_id=1, ambiente="homologacao", cnpj=None,
                           cpf=None, event="nfse", url="https://example.com/h",
                           authorization=None, authorization_header="Authorization",
                           secret=None).id
    nota_id = _aceitar(runtime, "lease")
    assert list(notas.claim(runtime.engine, "w1", 1, LEASE)) == [nota_id]
    primeiro = _row(runtime, nota_id)
    _expirar(runtime, nota_id)
    assert list(notas.claim(runtime.engine, "w2", 1, LEASE)) == [nota_id]
    segundo = _row(runtime, nota_id)
    antigo = ciclo.Lease.da_nota(primeiro)

    with runtime.engine.begin() as conn:
        assert not notas.mark_sending(conn, nota_id, antigo)
    with pytest.raises(ciclo.EstadoMudou) as lost, runtime.engine.begin() as conn:
        ciclo.autorizar(conn, primeiro, antigo, [
            (artefatos.XML_NFSE, b"<NFSe/>", "application/xml")], numero="1",
            codigo_verificacao="C", chave_acesso="3" * 50, data_emissao=now())
    assert lost.value.lease_perdida and lost.value.encontrado == Status.PROCESSANDO
    for change in (lambda conn: ciclo.adiar(conn, nota_id, antigo, delay=0, reconcile=False,
                                            mensagem=None),
                   lambda conn: ciclo.rejeitar(conn, nota_id, antigo, [
                       {"codigo": "E1", "mensagem": "recusada"}])):
        with pytest.raises(ciclo.EstadoMudou), runtime.engine.begin() as conn:
            change(conn)
    nota = _row(runtime, nota_id)
    assert (nota.status, nota.lease_owner) == (Status.PROCESSANDO.value, "w2")
    assert _contar(runtime, nota_id, artefatos.XML_NFSE) == 0
    assert _historia(runtime, nota_id) == [Status.PROCESSANDO.value]

    with runtime.engine.begin() as conn:
        assert notas.mark_sending(conn, nota_id, ciclo.Lease.da_nota(segundo))
    assert _autorizar(runtime, segundo, numero="1") == [hook]
    with pytest.raises(ciclo.EstadoMudou) as late, runtime.engine.begin() as conn:
        ciclo.autorizar(conn, primeiro, antigo, [], numero="1", codigo_verificacao="C",
                        chave_acesso="3" * 50, data_emissao=now())
    assert late.value.encontrado == Status.AUTORIZADO and not late.value.lease_perdida
    assert _historia(runtime, nota_id) == [Status.PROCESSANDO.value, Status.AUTORIZADO.value]
    assert _contar(runtime, nota_id, artefatos.XML_NFSE) == 1


@pytest.mark.usefixtures("empresa")
def test_the_same_worker_claiming_again_holds_a_new_lease(runtime: Runtime) -> None:
    """The guard is the lease as claimed, not only the owner: a thread of the same worker
    holding an earlier claim of the note records nothing."""
    nota_id = _aceitar(runtime, "mesmo")
    assert list(notas.claim(runtime.engine, "w1", 1, LEASE)) == [nota_id]
    antes = _row(runtime, nota_id)
    _expirar(runtime, nota_id)
    assert list(notas.claim(runtime.engine, "w1", 1, LEASE)) == [nota_id]
    with pytest.raises(ciclo.EstadoMudou), runtime.engine.begin() as conn:
        ciclo.rejeitar(conn, nota_id, ciclo.Lease.da_nota(antes), [
            {"codigo": "E1", "mensagem": "recusada"}])
    assert _row(runtime, nota_id).status == Status.PROCESSANDO.value


@pytest.mark.usefixtures("empresa")
def test_a_pdf_is_kept_only_for_the_state_it_shows(runtime: Runtime) -> None:
    """An on-demand DANFSe rendered for the authorized note while a cancellation commits is
    never kept over the cancelled one."""
    nota_id = _autorizada(runtime, "pdf")
    with runtime.engine.begin() as conn:
        assert ciclo.guardar_danfse(conn, nota_id, b"%PDF-autorizada", cancelada=False)
        ciclo.cancelar(conn, nota_id, "cancelamento de teste", xml_cancelamento=None)
    with runtime.engine.begin() as conn:
        assert artefatos.latest(conn, nota_id, artefatos.DANFSE) is None  # stale one removed
        assert not ciclo.guardar_danfse(conn, nota_id, b"%PDF-autorizada", cancelada=False)
        assert ciclo.guardar_danfse(conn, nota_id, b"%PDF-cancelada", cancelada=True)
    with runtime.engine.connect() as conn:
        assert artefatos.latest(conn, nota_id, artefatos.DANFSE)[0] == b"%PDF-cancelada"


@pytest.mark.usefixtures("empresa")
def test_a_rejected_ref_is_accepted_again_once(runtime: Runtime) -> None:
    nota_id = _aceitar(runtime, "de-novo")
    with runtime.engine.begin() as conn:
        ciclo.rejeitar(conn, nota_id, None, [{"codigo": "E1", "mensagem": "recusada"}])
    with runtime.engine.begin() as conn:
        ciclo.reaceitar(conn, nota_id, mensagem=None)
    with pytest.raises(ciclo.EstadoMudou) as again, runtime.engine.begin() as conn:
        ciclo.reaceitar(conn, nota_id, mensagem=None)
    assert again.value.encontrado == Status.PROCESSANDO
    with runtime.engine.connect() as conn:
        linhas = conn.execute(select(historico.c.status).where(
            historico.c.nota_id == nota_id).order_by(historico.c.id)).scalars().all()
    assert linhas == ["processando_autorizacao", "erro_autorizacao", "processando_autorizacao"]


@pytest.mark.usefixtures("empresa")
def test_an_outbox_attempt_is_recorded_once(runtime: Runtime) -> None:
    """Two deliverers of one attempt (the first's lease ran out): the e-mail is recorded
    sent once, the webhook delivery counted once on its hook."""
    nota_id = _autorizada(runtime, "envios")
    with runtime.engine.begin() as conn:
        emails.enfileirar(conn, nota_id, ["cliente@example.com"], emails.PEDIDO)
        hook = hooks.criar(conn, runtime.box, empresa_id=1, ambiente="homologacao", cnpj=None,
                           cpf=None, event="nfse", url="https://example.com/h",
                           authorization=None, authorization_header="Authorization",
                           secret=None)
        hooks.enfileirar(conn, nota_id, [hook.id], "{}")
    [mensagem] = emails.claim(runtime.engine, "w1", 10, LEASE)
    [entrega] = hooks.claim(runtime.engine, "w1", 10, LEASE)
    with runtime.engine.begin() as conn:
        assert emails.enviado(conn, mensagem.id, mensagem.attempts + 1)
        assert not emails.adiar(conn, mensagem.id, mensagem.attempts + 1, 1.0, "atrasado")
        assert not emails.enviado(conn, mensagem.id, mensagem.attempts + 1)
        assert hooks.registrar(conn, entrega, ok=True, erro=None, retry_in=None)
        assert not hooks.registrar(conn, entrega, ok=False, erro="lento", retry_in=1.0)
    with runtime.engine.connect() as conn:
        [linha] = emails.da_nota(conn, nota_id)
        assert (linha.status, linha.attempts, linha.erro) == ("enviado", 1, None)
        gatilho = hooks.obter(conn, runtime.box, 1, "homologacao", hook.id)
        assert (gatilho.request_count, gatilho.success_count, gatilho.error_count) == (1, 1, 0)


@pytest.mark.usefixtures("empresa")
def test_a_claim_leaves_the_hooks_being_delivered_to_and_takes_what_is_given_back(
        runtime: Runtime) -> None:
    nota_id = _autorizada(runtime, "gatilhos")
    with runtime.engine.begin() as conn:
        gatilhos = [hooks.criar(conn, runtime.box, empresa_id=1, ambiente="homologacao",
                                cnpj=None, cpf=None, event="nfse", url=f"https://example.com/{n}",
                                authorization=None, authorization_header="Authorization",
                                secret=None).id for n in range(2)]
        hooks.enfileirar(conn, nota_id, gatilhos, "{}")
    [entrega] = hooks.claim(runtime.engine, "w1", 10, LEASE, skip=[gatilhos[0]])
    assert entrega.hook_id == gatilhos[1]
    assert hooks.claim(runtime.engine, "w1", 10, LEASE) != []  # the first hook's, still due
    hooks.give_back(runtime.engine, "outro", [entrega.id])  # only its owner gives a row back
    assert hooks.claim(runtime.engine, "w2", 10, LEASE) == []
    hooks.give_back(runtime.engine, "w1", [entrega.id])
    [de_novo] = hooks.claim(runtime.engine, "w2", 10, LEASE)
    assert (de_novo.id, de_novo.attempts) == (entrega.id, entrega.attempts)


def _gatilho_com_entrega(runtime: Runtime, nota_id: int, url: str) -> str:
    """A hook of the test company at ``url``, with one delivery of the note queued."""
    with runtime.engine.begin() as conn:
        gatilho = hooks.criar(conn, runtime.box, empresa_id=1, ambiente="homologacao",
                              cnpj=None, cpf=None, event="nfse", url=url,
                              authorization=None, authorization_header="Authorization",
                              secret=None).id
        hooks.enfileirar(conn, nota_id, [gatilho], "{}")
    return gatilho


@pytest.mark.usefixtures("empresa")
def test_the_claim_of_webhook_deliveries_does_not_wait_for_the_disk(runtime: Runtime) -> None:
    """PostgreSQL: the claim's commit does not wait for the WAL flush (every POST waited for
    it), for that transaction alone."""
    nota_id = _autorizada(runtime, "sem-disco")
    _gatilho_com_entrega(runtime, nota_id, "https://example.com/")
    statements: list[str] = []
    event.listen(runtime.engine, "before_cursor_execute",
                 lambda _conn, _cursor, statement, *_: statements.append(statement))
    assert len(hooks.claim(runtime.engine, "w1", 10, LEASE)) == 1
    postgres = runtime.engine.dialect.name == "postgresql"
    assert len([s for s in statements if "synchronous_commit" in s]) == (1 if postgres else 0)
    if postgres:
        with runtime.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


def _tentativas(runtime: Runtime) -> int:
    with runtime.engine.connect() as conn:
        return conn.execute(select(func.sum(entregas.c.attempts))).scalar_one() or 0


@pytest.mark.usefixtures("empresa")
def test_the_webhook_loop_claims_again_at_once_only_after_a_full_claim(
        runtime: Runtime) -> None:
    """A claim that took what was due hands it out and lets the delivery loop wait for a
    wake-up: claiming again at once found nothing, beside the delivery just starting (~2 ms
    more to each webhook at light load on PostgreSQL). A full claim may have left more."""
    nota_id = _autorizada(runtime, "laco")
    gatilho = _gatilho_com_entrega(runtime, nota_id, "http://127.0.0.1:9/")
    webhooks = Webhooks(runtime.engine, runtime.settings, runtime.box, "laco")
    terminou = threading.Event()
    webhooks.on_free = terminou.set
    try:
        assert webhooks.run_once() == 0  # what was due, handed out
        assert terminou.wait(10)  # its delivery refused, retried a minute later
        assert _tentativas(runtime) == 1
        with runtime.engine.begin() as conn:
            hooks.enfileirar(conn, nota_id, [gatilho] * (BATCH + 1), "{}")
        assert webhooks.run_once() == BATCH  # a full claim: more may be due
    finally:
        webhooks.close()


@pytest.mark.usefixtures("empresa")
def test_one_cancellation_request_holds_an_authorized_note(runtime: Runtime) -> None:
    nota_id = _autorizada(runtime, "reserva")
    with runtime.engine.begin() as conn:
        primeira = ciclo.reservar(conn, nota_id, "pedido-1", LEASE)
        assert primeira is not None
        assert ciclo.reservar(conn, nota_id, "pedido-2", LEASE) is None  # held
    with pytest.raises(ciclo.EstadoMudou) as alheia, runtime.engine.begin() as conn:
        ciclo.cancelar(conn, nota_id, "sem a reserva", xml_cancelamento=None,
                       lease=ciclo.Lease("pedido-2", primeira.until))
    assert alheia.value.lease_perdida
    with runtime.engine.begin() as conn:
        ciclo.liberar(conn, nota_id, primeira)  # the authority refused: the next may try
        segunda = ciclo.reservar(conn, nota_id, "pedido-2", LEASE)
    assert segunda is not None
    with runtime.engine.begin() as conn:
        ciclo.cancelar(conn, nota_id, "com a reserva", xml_cancelamento=None, lease=segunda)
    nota = _row(runtime, nota_id)
    assert (nota.status, nota.lease_owner, nota.lease_until) == ("cancelado", None, None)
    with runtime.engine.begin() as conn:
        assert ciclo.reservar(conn, nota_id, "pedido-3", LEASE) is None  # not authorized
