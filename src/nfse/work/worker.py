"""The worker: claims due notes, sends them to their authority, records the outcome.

Exactly one note per ref at the authority (ARCHITECTURE decision 2): before a request leaves,
the note is marked ``reconcile`` in a committed transaction; any attempt whose outcome is not
known (timeout, reset, 5xx, crash) is followed by a reconciliation query, never a blind
resend.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import Connection, Engine, Row
from sqlalchemy.exc import DBAPIError

from nfse.config import Settings
from nfse.metrics import REGISTRY
from nfse.model import modelos
from nfse.model.errors import RequisicaoInvalida
from nfse.model.nota import Nota, Substituicao
from nfse.providers import registry
from nfse.providers.base import (
    Erro,
    Exchange,
    Outcome,
    Result,
    Rps,
    blame,
    certificado_recusado,
)
from nfse.store import artefatos, autoridades, ciclo, emails, empresas, notas, wakeup
from nfse.store import workers as heartbeats
from nfse.store.clock import aware, now
from nfse.store.db import autocommit, relaxed_commit
from nfse.store.empresas import Empresa
from nfse.work import certificados, danfse
from nfse.work.breaker import CircuitBreaker
from nfse.work.emails import Correio, avisar_tomador
from nfse.work.emissor import EmissorFactory, chave_autoridade
from nfse.work.outbox import Outbox
from nfse.work.recebidas import Recebidas
from nfse.work.retry import backoff
from nfse.work.vagas import Concorrencia, Vagas
from nfse.work.webhooks import Webhooks, disparar

CORREIO = "correio"
WEBHOOKS = "webhooks"
RECEBIDAS = "recebidas"
"""The delivery threads, by name (the first two get the work a recorded final state
queues)."""
log = logging.getLogger("nfse.worker")

HEARTBEAT_EVERY = 5.0
MARCA = 900.0
"""How long an authority stays marked out of the air without news (the breaker's longest
open interval, 600 s, and a margin)."""
RENOVAR = 60.0
RECUSA = certificado_recusado("").split(":")[0]
"""How the ``mensagem`` of a note held by its company's refused certificate begins."""
EMPRESA_TTL = 5.0


def _motivo(outcome: Outcome) -> str:
    """What one attempt came to, in words: the result and the authority's reason."""
    razao = outcome.mensagem or "; ".join(f"{e.codigo} {e.mensagem}" for e in outcome.erros[:3])
    return f"{outcome.result.value}: {razao}" if razao else outcome.result.value


def _exchanged(exchanges: Sequence[Exchange]) -> list[tuple[str, bytes, str]]:
    """Each exchange as two artifacts, the request and the response."""
    return [item for ex in exchanges for item in (
        (f"exchange:{ex.name}:request", ex.request, "application/octet-stream"),
        (f"exchange:{ex.name}:response", ex.response, "application/octet-stream"))]


def _keep_exchanges(conn: Connection, nota_id: int, exchanges: Sequence[Exchange]) -> None:
    artefatos.put_many(conn, nota_id, _exchanged(exchanges))


def _prazo_esgotado(mensagem: str | None, reconcile: bool) -> dict[str, str]:
    """The error of a note past the processing deadline: the company's refused certificate
    when that is what kept it (its last ``mensagem`` says so), else no final answer. A note
    whose earlier attempt may have reached the authority (``reconcile``) is never told to
    be sent again without asking the authority first."""
    consulte = "Consulte a situação da nota junto à prefeitura antes de reenviar"
    if mensagem and mensagem.startswith(RECUSA):
        return {"codigo": "certificado_recusado", "mensagem": mensagem,
                "correcao": consulte if reconcile else
                "Envie um certificado A1 válido da empresa (PUT /v2/empresas/ID) e emita a "
                "nota de novo"}
    return {"codigo": "prazo_esgotado",
            "mensagem": "Não foi possível obter uma resposta definitiva da prefeitura "
                        "dentro do prazo de processamento",
            "correcao": consulte}


class Worker:
    def __init__(self, engine: Engine, settings: Settings, emissores: EmissorFactory,
                 wake: threading.Event | None = None, public_url: str | None = None):
        """``public_url``: base of the absolute URLs in webhook payloads and e-mails
        (default ``settings.public_url``; ``nfse serve`` passes the address it serves)."""
        self.engine = engine
        self.wake = wake or threading.Event()
        self.settings = settings
        self.emissores = emissores
        self.vagas = Vagas(settings.worker_in_flight)
        """The notes in flight: claimed as places free up, up to the setting."""
        self.concorrencia = Concorrencia(settings)
        for name in registry.names():  # an idle connection kept per note in flight
            transport = getattr(registry.get_provider(name), "transport", None)
            if transport is not None:
                transport.max_idle = max(transport.max_idle, self.vagas.limite)
        self.lease = timedelta(seconds=max(settings.worker_lease,
                                           2 * settings.authority_timeout + 5))
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._last_beat = 0.0
        self._next_certificate_check = 0.0
        self._next_danfse_expiry = 0.0
        self.breaker = CircuitBreaker(settings)
        self._publicado: dict[str, tuple[bool, float]] = {}
        self._empresas: dict[int, tuple[float, Empresa]] = {}
        """Companies read recently (good until, company)."""
        """What this worker last told the store of each authority (open?, when)."""
        self._public_url = public_url
        self.correio = Correio(engine, settings, emissores.box, self.id, public_url)
        self.webhooks = Webhooks(engine, settings, emissores.box, self.id)
        self.recebidas = Recebidas(engine, settings, emissores, self.id, self.public_url)
        self._pool: ThreadPoolExecutor | None = None
        self._outbox_wake: dict[str, threading.Event] = {}
        """One per delivery thread, by name: set when this worker queued something for it."""

    @property
    def public_url(self) -> str:
        return self._public_url or self.settings.public_url or ""

    def run(self, stop: threading.Event) -> None:
        log.info("worker %s started", self.id)
        listener = wakeup.listen(self.engine, self.wake, stop)
        drained = {CORREIO: self.correio, WEBHOOKS: self.webhooks, RECEBIDAS: self.recebidas}
        self._outbox_wake = {nome: threading.Event() for nome in drained}
        self.webhooks.on_free = lambda: self._wake_outboxes(WEBHOOKS)
        entregas = [threading.Thread(target=self._entregar,
                                     args=(outbox, stop, self._outbox_wake[nome]),
                                     name=f"nfse-{nome}", daemon=True)
                    for nome, outbox in drained.items()]
        for thread in entregas:
            thread.start()
        try:
            while not stop.is_set():
                try:
                    livres = self.vagas.livres()
                    if livres == 0:  # every place taken: until one frees up
                        self.heartbeat()
                        self.vagas.esperar(self.settings.worker_poll)
                        continue
                    self.wake.clear()  # a note accepted from here on wakes the wait below
                    busy = len(self._fill(stop)) == livres
                    self.heartbeat()  # after the claim: a woken worker claims first
                    if time.monotonic() >= self._next_certificate_check:
                        self._next_certificate_check = time.monotonic() + certificados.INTERVALO
                        busy = certificados.avisar(self.engine) > 0 or busy
                    if time.monotonic() >= self._next_danfse_expiry:
                        self._next_danfse_expiry = time.monotonic() + \
                            danfse.EXPIRAR_INTERVALO
                        danfse.expirar(self.engine, self.settings.danfse_dias)
                except DBAPIError:  # the database went away: poll until it is back
                    log.warning("database unavailable; retrying", exc_info=True)
                    busy = False
                if not busy:  # fewer due notes than places: none left until woken
                    self.wake.wait(self.settings.worker_poll)
        finally:
            self._wake_outboxes(*self._outbox_wake)
            for thread in entregas:  # the delivery in flight ends (its timeouts bound it)
                thread.join(timeout=2 * self.settings.authority_timeout + 5)
            for outbox in (self.correio, self.webhooks):
                outbox.close()
            if listener is not None:
                listener.join(timeout=5)
            if self._pool is not None:
                self._pool.shutdown()
            notas.release(self.engine, self.id)
            log.info("worker %s stopped", self.id)

    def _entregar(self, outbox: Outbox, stop: threading.Event, wake: threading.Event
                  ) -> None:
        """Drain an outbox (e-mails, webhook deliveries) on a thread of its own: at once
        while it has work, else when ``wake`` is set (this worker recorded a final state,
        or stops) or once a poll interval (what other processes queued). In the notes' loop,
        a slow SMTP server or webhook receiver held every note behind it for up to its
        timeout per message, and each e-mail's DANFSe (~26 ms) came between two batches of
        notes; sharing one thread, a hanging webhook receiver held the e-mails back."""
        while not stop.is_set():
            wake.clear()  # what is queued from here on wakes the wait below
            try:
                delivered = outbox.run_once()
            except DBAPIError:
                log.warning("database unavailable; deliveries retry", exc_info=True)
                delivered = 0
            except Exception:  # a bug must not end the deliveries for good
                log.exception("deliveries: unexpected failure")
                delivered = 0
            if not delivered:
                wake.wait(self.settings.worker_poll)

    def _wake_outboxes(self, *nomes: str) -> None:
        """Wake the delivery threads named (those ``run`` started)."""
        for nome in nomes:
            if nome in self._outbox_wake:
                self._outbox_wake[nome].set()

    def _empresa(self, empresa_id: int) -> Empresa:
        """The company, read at most every ``EMPRESA_TTL`` seconds per worker: one read per
        note would be a tenth of the database's work for it. A change of its settings
        (PUT /v2/empresas) reaches workers within that time, as it reaches the API's token
        cache."""
        moment = time.monotonic()
        found = self._empresas.get(empresa_id)
        if found is None or found[0] <= moment:
            with autocommit(self.engine) as conn:
                found = (moment + EMPRESA_TTL, empresas.get_empresa(conn, empresa_id))
            self._empresas[empresa_id] = found
        return found[1]

    def _publicar(self, authority: str) -> None:
        """Tell the API (``status_nfse``) when this worker's circuit of an authority opens
        or closes; an open one is renewed every ``RENOVAR`` seconds."""
        aberto = self.breaker.is_open(authority)
        moment = time.monotonic()
        last = self._publicado.get(authority)
        if last is not None and last[0] == aberto and (not aberto or moment - last[1] < RENOVAR):
            return
        self._publicado[authority] = (aberto, moment)
        with self.engine.begin() as conn:
            if aberto:
                autoridades.marcar(conn, authority, now() + timedelta(seconds=MARCA))
            else:
                autoridades.liberar(conn, authority)

    def heartbeat(self, force: bool = False) -> None:
        moment = now()
        if not force and moment.timestamp() - self._last_beat < HEARTBEAT_EVERY:
            return
        self._last_beat = moment.timestamp()
        with self.engine.begin() as conn:
            relaxed_commit(conn)
            heartbeats.heartbeat(conn, self.id, moment)

    def _fill(self, stop: threading.Event | None = None) -> list[Future[None]]:
        """Claim as many due notes as there are free places and start each on its own
        thread; a note never waits for another note's answer."""
        livres = self.vagas.livres()
        if livres == 0:
            return []
        rows = notas.claim(self.engine, self.id, livres, self.lease)
        if not rows:
            return []
        self.vagas.ocupar(len(rows))

        def work(nota_id: int) -> None:
            try:
                if stop is None or not stop.is_set():
                    self._guarded(nota_id, rows.get(nota_id))
            finally:
                self.vagas.encerrar()

        pool = self._threads()
        return [pool.submit(work, nota_id) for nota_id in rows]

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Claim what the free places allow and work it to the end (``run`` does not wait:
        it claims again as each note ends). On ``stop`` the notes not yet started are left
        for ``run`` to release, so a SIGTERM waits only for the notes being sent."""
        started = self._fill(stop)
        for done in started:
            done.result()
        return len(started)

    def _threads(self) -> ThreadPoolExecutor:
        """The threads that work the notes, one per note held (in flight or waiting for
        its authority's cap), started on demand and kept."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.vagas.teto, "nfse-worker")
        return self._pool

    def _guarded(self, nota_id: int, row: Row | None = None) -> None:
        if row is None:
            with autocommit(self.engine) as conn:
                row = notas.get(conn, nota_id)
        lease = ciclo.Lease.da_nota(row)
        try:
            self.process(nota_id, row)
        except Exception:  # a bug must not kill the loop; the lease expires, we retry
            log.exception("nota %s: unexpected failure", nota_id)
            if lease is None:
                return
            try:
                with self.engine.begin() as conn:
                    ciclo.adiar(conn, nota_id, lease, delay=self._backoff(row.attempts + 1),
                                reconcile=True, mensagem=None)
            except ciclo.EstadoMudou:
                log.warning("nota %s: no longer ours; left to its holder", nota_id)
            except DBAPIError:
                log.warning("nota %s: database unavailable; the note returns when its lease "
                            "expires", nota_id)

    def process(self, nota_id: int, row: Row | None = None) -> None:
        """Send one claimed note; ``row``: the note as claimed (read here when not given).
        Every outcome is recorded under the lease the note was claimed with: a worker whose
        lease another worker took over records nothing."""
        if row is None:
            with autocommit(self.engine) as conn:
                row = notas.get(conn, nota_id)
        lease = ciclo.Lease.da_nota(row)
        if lease is None or lease.owner != self.id:
            log.warning("nota %s: not leased to this worker; left alone", nota_id)
            return
        empresa = self._empresa(row.empresa_id)
        try:
            nota = modelos.parse(row.modelo, json.loads(row.requisicao))
        except RequisicaoInvalida as exc:
            self._reject(nota_id, lease, [p.as_json() for p in exc.problemas])
            return
        if row.substitui_nota_id is not None:
            with autocommit(self.engine) as conn:
                alvo = notas.get(conn, row.substitui_nota_id)
            nota = replace(nota, substituicao=Substituicao(  # ABRASF: no key, the number
                alvo.chave_acesso or alvo.numero or "", nota.codigo_motivo_substituicao,
                nota.motivo_substituicao))
        age = (now() - aware(row.accepted_at)).total_seconds()
        if age > self.settings.processing_deadline:
            self._reject(nota_id, lease, [_prazo_esgotado(row.mensagem, row.reconcile)])
            return
        provider = registry.get_provider(row.provider)
        emissor = self.emissores.for_empresa(empresa, row.ambiente, row.provider,
                                             nota.prestador.codigo_municipio)
        recusa = self.emissores.recusa(emissor, row.provider, nota.prestador.codigo_municipio)
        if recusa:
            self._reject(nota_id, lease, [Erro("municipio_nao_atendido", recusa).as_json()])
            return
        rps = Rps(serie=row.serie_rps, numero=row.numero_rps)

        authority = chave_autoridade(provider.name, emissor.base_url)
        wait = self.breaker.allow(authority)
        if wait:
            self._record(nota_id, lambda conn: ciclo.adiar(
                conn, nota_id, lease, delay=wait * (1 + random.random() / 2),
                reconcile=row.reconcile,
                mensagem=f"A autoridade ({provider.name}) está fora do ar; a nota será "
                         f"enviada assim que ela voltar a responder"))
            return
        held = self.breaker.held(authority, empresa.id)
        if held:  # this company's own failure (its certificate refused): only it waits
            self._record(nota_id, lambda conn: ciclo.adiar(
                conn, nota_id, lease, delay=held[0] * (1 + random.random() / 2),
                reconcile=row.reconcile, mensagem=held[1]))
            return
        context = {"ref": row.ref, "empresa": empresa.documento, "ambiente": row.ambiente,
                   "nota_id": nota_id, "attempt": row.attempts + 1}
        kept: list[Exchange] = []
        """What was exchanged, written in the transaction that records the outcome."""

        def call(operacao: str, method: Callable[..., Outcome]) -> Outcome:
            """Ask the authority; time it, count it, log it, keep what was exchanged."""
            with self.concorrencia.vez(provider.name, authority, self.vagas):
                started = time.monotonic()
                outcome = method(nota, rps, emissor)
            REGISTRY.observe("nfse_autoridade_latencia_segundos",
                             "Tempo de resposta das autoridades", time.monotonic() - started,
                             provedor=provider.name, operacao=operacao)
            REGISTRY.inc("nfse_tentativas_total", "Chamadas às autoridades por resultado",
                         provedor=provider.name, operacao=operacao,
                         resultado=outcome.result.value)
            self.breaker.record(authority, outcome, empresa.id)
            try:
                self._publicar(authority)
            except DBAPIError:  # the answer must still be recorded: publish next time
                log.exception("publishing the state of %s failed", authority)
                self._publicado.pop(authority, None)
            REGISTRY.set("nfse_autoridade_disponivel", "1 = circuito fechado, 0 = fora do ar",
                         0 if self.breaker.is_open(authority) else 1, autoridade=authority)
            log.info("%s: %s", operacao, _motivo(outcome), extra=context | {
                "result": outcome.result.value, "provedor": provider.name,
                "codigos": ",".join(e.codigo for e in outcome.erros) or None,
                "culpa": getattr(blame(outcome), "value", None)})
            kept.extend(outcome.exchanges)
            return outcome

        if row.reconcile:
            found = call("consulta", provider.query)
            if found.result == Result.AUTHORIZED:
                self._authorize(nota_id, lease, found, kept, (nota, empresa, row))
                return
            if found.result != Result.NOT_FOUND:
                self._adiar(nota_id, lease, row.attempts, reconcile=True, outcome=found,
                                 exchanges=kept)
                return

        if kept:
            with self.engine.begin() as conn:
                leased = notas.mark_sending(conn, nota_id, lease)
                if leased:
                    _keep_exchanges(conn, nota_id, kept)
        else:  # one statement is its own transaction: no BEGIN and COMMIT to wait for
            with autocommit(self.engine) as conn:
                leased = notas.mark_sending(conn, nota_id, lease)
        if not leased:  # our lease ran out: another worker may hold the note now
            log.warning("nota %s: lease expired before sending; left to its holder", nota_id,
                        extra=context)
            return
        kept.clear()
        outcome = call("emissao", provider.emit)
        if outcome.result == Result.AUTHORIZED:
            self._authorize(nota_id, lease, outcome, kept, (nota, empresa, row))
        elif outcome.result == Result.REJECTED:
            self._reject(nota_id, lease, [e.as_json() for e in outcome.erros], outcome.mensagem,
                         kept)
        else:
            self._adiar(nota_id, lease, row.attempts + 1,
                             reconcile=outcome.result != Result.RETRY, outcome=outcome,
                             exchanges=kept)

    def _record(self, nota_id: int, change: Callable[[Connection], object]) -> None:
        """Apply ``change`` (a lifecycle change under this worker's lease, then its effects)
        in one transaction. When the note is no longer ours (our lease expired and another
        worker claimed it, or it was settled meanwhile) nothing is written: the outcome is
        the holder's to record."""
        try:
            with self.engine.begin() as conn:
                change(conn)
        except ciclo.EstadoMudou as exc:
            log.warning("nota %s: %s; outcome discarded", nota_id,
                        "lease taken over by another worker" if exc.lease_perdida
                        else f"found {exc.encontrado}")
            REGISTRY.inc("nfse_resultados_descartados_total",
                         "Resultados descartados por um worker que perdeu a nota")

    def _authorize(self, nota_id: int, lease: ciclo.Lease, outcome: Outcome,
                   exchanges: Sequence[Exchange], aviso: tuple[Nota, Empresa, Row]) -> None:
        """Record the authorization, what was exchanged and the NFS-e, mark the note it
        replaces (if any) substituido, and queue the e-mails and webhooks, in one
        transaction."""
        documents = _exchanged(exchanges)
        if outcome.xml:
            documents.append((artefatos.XML_NFSE, outcome.xml, "application/xml"))
        nota, empresa, row = aviso
        outboxes: set[str] = set()

        def change(conn: Connection) -> None:
            matching = ciclo.autorizar(
                conn, row, lease, documents, numero=outcome.numero,
                codigo_verificacao=outcome.codigo_verificacao,
                chave_acesso=outcome.chave_acesso, data_emissao=outcome.data_emissao,
                valores=outcome.valores, mensagem=outcome.mensagem)
            if avisar_tomador(conn, nota_id, nota, empresa, row.ambiente, emails.AUTORIZADO):
                outboxes.add(CORREIO)
            if disparar(conn, nota_id, self.public_url, antes=row, matching=matching):
                outboxes.add(WEBHOOKS)
            if row.substitui_nota_id is not None and \
                    self._substituir(conn, row.substitui_nota_id, outcome.numero):
                outboxes.add(WEBHOOKS)

        self._record(nota_id, change)
        self._wake_outboxes(*outboxes)  # its e-mail and webhooks leave now, not at the next poll

    def _substituir(self, conn: Connection, nota_id: int, numero: str | None) -> list[str]:
        """The replaced note becomes substituido, unless it changed meanwhile (a DELETE
        cancelled it): then it keeps the state it has. The hooks its change was queued
        to."""
        try:  # a change that finds another state writes nothing: no savepoint needed
            ciclo.substituir(conn, nota_id, numero)
        except ciclo.EstadoMudou as exc:
            log.warning("nota %s: replaced while %s; kept so", nota_id, exc.encontrado)
            return []
        return disparar(conn, nota_id, self.public_url)

    def _reject(self, nota_id: int, lease: ciclo.Lease, erros: list[dict],
                mensagem: str | None = None, exchanges: Sequence[Exchange] = ()) -> None:
        outboxes: set[str] = set()

        def change(conn: Connection) -> None:
            ciclo.rejeitar(conn, nota_id, lease, erros, mensagem)
            _keep_exchanges(conn, nota_id, exchanges)
            if disparar(conn, nota_id, self.public_url):
                outboxes.add(WEBHOOKS)

        self._record(nota_id, change)
        self._wake_outboxes(*outboxes)

    def _adiar(self, nota_id: int, lease: ciclo.Lease, attempts: int, *, reconcile: bool,
                    outcome: Outcome, exchanges: Sequence[Exchange]) -> None:
        def change(conn: Connection) -> None:
            ciclo.adiar(conn, nota_id, lease, delay=self._backoff(attempts),
                        reconcile=reconcile, mensagem=outcome.mensagem)
            _keep_exchanges(conn, nota_id, exchanges)

        self._record(nota_id, change)

    def _backoff(self, attempts: int) -> float:
        return backoff(attempts, self.settings.backoff_base, self.settings.backoff_cap)

