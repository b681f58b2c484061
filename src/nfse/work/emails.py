"""E-mail: who is written to automatically, and the delivery of the outbox. A worker claims
due rows like notes, builds each message with the DANFSe and the XML attached, and sends it
through the company's SMTP server, the global one, or (none configured) into the maildir
``DATA_DIR/maildir``. A permanent refusal of an address puts it on the block list."""

from __future__ import annotations

import gc
import json
import logging
import threading
import time
from datetime import timedelta

from sqlalchemy import Connection, Engine, Row

from nfse.certs.secrets import SecretBox
from nfse.config import Settings
from nfse.domain.status import Status
from nfse.model import modelos
from nfse.model.nota import Nota
from nfse.notify import mensagem
from nfse.notify.smtp import Conexoes, Entrega, Resultado, SmtpConfig, guardar
from nfse.store import artefatos, emails, empresas, notas
from nfse.visualizacao.links import public_path
from nfse.work.danfse import store_danfse
from nfse.work.outbox import Outbox
from nfse.work.retry import backoff

log = logging.getLogger("nfse.correio")
EMPRESA_TTL = 5.0
DOCUMENTOS = (artefatos.XML_NFSE, artefatos.DANFSE, artefatos.XML_CANCELAMENTO)
"""What a message attaches, read in one statement."""


def avisar_tomador(conn: Connection, nota_id: int, nota: Nota, empresa: empresas.Empresa,
                   ambiente: str, motivo: str) -> bool:
    """Queue the automatic message to ``tomador.email`` (in the caller's transaction, with
    the status change) when the company sends them in this environment; whether it did."""
    destino = nota.tomador.email if nota.tomador else None
    if not (destino and empresa.envia_ao_tomador(ambiente)):
        return False
    emails.enfileirar(conn, nota_id, [destino], motivo)
    return True


def global_smtp(settings: Settings) -> SmtpConfig | None:
    if not settings.smtp_host:
        return None
    return SmtpConfig(host=settings.smtp_host, port=settings.smtp_port,
                      user=settings.smtp_user, password=settings.smtp_password,
                      starttls=settings.smtp_starttls, ssl=settings.smtp_ssl,
                      sender=settings.smtp_from)


class Correio(Outbox[Entrega]):
    def __init__(self, engine: Engine, settings: Settings, box: SecretBox, owner: str,
                 public_url: str | None = None):
        super().__init__(engine, owner)
        self.public_url = public_url
        self.settings = settings
        self.box = box
        self.lease = timedelta(seconds=max(120.0, 4 * settings.authority_timeout))
        self.paralelo = max(1, settings.email_concorrencia)
        self.conexoes = Conexoes(por_servidor=settings.smtp_conexoes)
        """SMTP sessions kept open per server across messages and rounds."""
        self._empresas: dict[int, tuple[float, empresas.Empresa, dict | None]] = {}
        """Companies read recently: (good until, company, its own SMTP settings)."""
        self._renderizando: dict[int, threading.Lock] = {}
        self._lock = threading.Lock()
        self._preparado = False
        self._uma_por_vez = threading.Lock()
        """One DANFSe rendered at a time: rendering is Python (the GIL runs one anyway),
        and 32 at once held 32 PDFs' worth of memory. Only the rendering: reading and
        writing the store (on SQLite, waiting for its write lock) held every other
        rendering back."""

    def run_once(self) -> int:
        if not self._preparado:
            self._preparado = True
            if self.settings.smtp_host:
                self._preparar()
        return super().run_once()

    @staticmethod
    def _preparar() -> None:
        """Import the PDF stack and reduce the DANFSe's logo now, on the delivery thread
        as the worker starts: done by the first e-mail of a burst, it held the burst's
        first deliveries ~1 s (~25 MB a worker that never sends e-mail does not pay).

        In a process that froze its start-up objects (``runtime.settle``) the stack's
        ~37,000 join them: left to the collector, each full collection during a burst
        scanned them (~250 ms, every thread stalled, once per ~150 PDFs) and the young
        collections cost twice as much (~0.7 against ~0.3 ms per PDF)."""
        from nfse.visualizacao.danfse import preparar

        preparar()
        if gc.get_freeze_count():
            gc.collect()
            gc.freeze()

    def _claim(self) -> list[Row]:
        return self._claim_ate(2 * self.paralelo)

    def _claim_ate(self, quantos: int) -> list[Row]:
        return emails.claim(self.engine, self.owner, quantos, self.lease)

    def close(self) -> None:
        super().close()
        self.conexoes.fechar()

    def _danfse(self, nota_id: int, xml: bytes, cancelada: bool, ambiente: str) -> bytes:
        """The note's DANFSe, rendered once: messages of one note to several addresses,
        delivered at once, wait for the first one's rendering and attach what it stored."""
        with self._lock:
            lock = self._renderizando.setdefault(nota_id, threading.Lock())
        try:
            with lock:
                with self.engine.connect() as conn:
                    pdf = artefatos.latest(conn, nota_id, artefatos.DANFSE)
                if pdf is not None:
                    return pdf[0]
                return store_danfse(self.engine, nota_id, xml, cancelada=cancelada,
                                    renderizando=self._uma_por_vez, ambiente=ambiente)
        finally:
            with self._lock:
                self._renderizando.pop(nota_id, None)

    def _empresa(self, conn: Connection, empresa_id: int
                 ) -> tuple[empresas.Empresa, dict | None]:
        """The company and its own SMTP settings, read at most every ``EMPRESA_TTL``
        seconds (as the worker reads a company for its notes): in a burst every message of
        a company read them again. A change (PUT /v2/empresas) reaches the next messages
        within that time."""
        moment = time.monotonic()
        found = self._empresas.get(empresa_id)
        if found is None or found[0] <= moment:
            found = (moment + EMPRESA_TTL, empresas.get_empresa(conn, empresa_id),
                     empresas.smtp(conn, self.box, empresa_id))
            self._empresas[empresa_id] = found
        return found[1], found[2]

    def _failure(self, detail: str) -> Entrega:
        return Entrega(Resultado.ADIADO, detail)

    def _deliver(self, row: Row) -> Entrega:
        with self.engine.connect() as conn:
            if emails.bloqueio(conn, row.destinatario):
                return Entrega(Resultado.RECUSADO, "endereço na lista de bloqueio")
            nota_row = notas.get(conn, row.nota_id)
            empresa, proprio = self._empresa(conn, nota_row.empresa_id)
            documentos = artefatos.ultimos(conn, row.nota_id, DOCUMENTOS)
        cancelada = Status(nota_row.status) == Status.CANCELADO
        xml = documentos.get(artefatos.XML_NFSE)
        pdf = documentos.get(artefatos.DANFSE)
        if pdf is None and xml is not None:
            pdf = self._danfse(row.nota_id, xml, cancelada, nota_row.ambiente)
        numero = nota_row.numero or ""
        anexos = []
        if pdf:
            anexos.append(mensagem.Anexo(f"NFSe-{numero}.pdf", pdf, "application/pdf"))
        if xml:
            anexos.append(mensagem.Anexo(f"NFSe-{numero}.xml", xml, "application/xml"))
        cancelamento = documentos.get(artefatos.XML_CANCELAMENTO)
        if cancelada and cancelamento:
            anexos.append(mensagem.Anexo(f"Cancelamento-NFSe-{numero}.xml", cancelamento,
                                         "application/xml"))
        nota = modelos.parse(nota_row.modelo, json.loads(nota_row.requisicao))
        base = self.public_url or self.settings.public_url
        conteudo = mensagem.Nota(
            numero=numero, prestador=empresa.nome, valor=nota.servico.valor_servicos,
            cancelada=cancelada, codigo_verificacao=nota_row.codigo_verificacao,
            tomador=nota.tomador.razao_social if nota.tomador else None,
            url=base.rstrip("/") + public_path(nota_row.capability) if base else None,
            anexos=anexos)
        config = SmtpConfig(**proprio) if proprio else global_smtp(self.settings)
        sender = (config.sender if config and config.sender else self.settings.smtp_from)
        message = mensagem.compor(conteudo, remetente=sender, destinatario=row.destinatario,
                                  responder_para=empresa.email)
        if config is None:
            return guardar(self.settings.data_dir / "maildir", message)
        return self.conexoes.enviar(config, message, timeout=self.settings.authority_timeout)

    def _record(self, row: Row, entrega: Entrega) -> None:
        attempts = row.attempts + 1
        with self.engine.begin() as conn:
            if entrega.resultado == Resultado.ENTREGUE:
                emails.enviado(conn, row.id, attempts)
            elif entrega.resultado == Resultado.RECUSADO:
                emails.bloquear(conn, row.destinatario, entrega.detalhe)
                emails.encerrar(conn, row.id, emails.BLOQUEADO, attempts, entrega.detalhe)
            elif (entrega.resultado == Resultado.FALHOU
                  or attempts >= self.settings.email_max_attempts):
                emails.encerrar(conn, row.id, emails.FALHOU, attempts, entrega.detalhe)
            else:
                emails.adiar(conn, row.id, attempts, backoff(
                    attempts, self.settings.backoff_base, self.settings.backoff_cap),
                    entrega.detalhe)
        log.info("e-mail %s para %s: %s %s", row.id, row.destinatario, entrega.resultado.value,
                 entrega.detalhe)
