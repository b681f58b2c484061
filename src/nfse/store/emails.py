"""The e-mail outbox (one row per recipient and message, claimed like notes) and the block
list of addresses whose server refused them for good."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, delete, insert, select, update

from nfse.domain.status import Envio, exigir_envio
from nfse.store import leases
from nfse.store.clock import now
from nfse.store.tables import emails, emails_bloqueados

PENDENTE = Envio.PENDENTE.value
ENVIADO = Envio.ENVIADO.value
BLOQUEADO = Envio.BLOQUEADO.value
FALHOU = Envio.FALHOU.value

AUTORIZADO = "autorizado"
CANCELADO = "cancelado"
PEDIDO = "pedido"
"""Why a message goes out: the note was authorized or cancelled (to the tomador,
automatically), or a client asked (POST .../email)."""

_UPDATE = update(emails).where(emails.c.id == bindparam("email_id"),
                               emails.c.status == PENDENTE,
                               emails.c.attempts == bindparam("antes"))
"""The record of an attempt, a compare-and-set on the attempt it records (the lifecycle of
``domain.status.Envio``): recorded twice (a deliverer whose lease ran out and the one that
claimed the message after it), it counts once."""
_BLOCKED = select(emails_bloqueados).where(emails_bloqueados.c.email == bindparam("endereco"))


def normalizar(endereco: str) -> str:
    return endereco.strip().lower()


def enfileirar(conn: Connection, nota_id: int, destinatarios: list[str],
               motivo: str) -> tuple[list[str], list[str]]:
    """Queue one message per address, due now; addresses on the block list are skipped.
    Returns (queued, blocked)."""
    moment = now()
    queued, blocked = [], []
    for endereco in destinatarios:
        (blocked if bloqueio(conn, endereco) else queued).append(endereco)
    if queued:
        conn.execute(insert(emails), [
            {"nota_id": nota_id, "destinatario": endereco.strip(), "motivo": motivo,
             "status": PENDENTE, "attempts": 0, "next_attempt_at": moment,
             "created_at": moment} for endereco in queued])
    return queued, blocked


def claim(engine: Engine, owner: str, batch: int, lease: timedelta) -> list[Row]:
    with engine.begin() as conn:
        return leases.claim(conn, emails, PENDENTE, owner, batch, lease, emails.c.nota_id,
                            emails.c.destinatario, emails.c.motivo, emails.c.attempts)


def _registrar(conn: Connection, email_id: int, attempts: int, destino: Envio,
               **values: Any) -> bool:
    exigir_envio(Envio.PENDENTE, destino)
    return conn.execute(_UPDATE, {
        "email_id": email_id, "antes": attempts - 1, "status": destino.value,
        "attempts": attempts, "lease_until": None, "lease_owner": None, **values}
        ).rowcount == 1


def enviado(conn: Connection, email_id: int, attempts: int) -> bool:
    """The ``attempts``-th attempt delivered the message; False if that attempt was
    already recorded."""
    return _registrar(conn, email_id, attempts, Envio.ENVIADO, sent_at=now(),
                      next_attempt_at=None, erro=None)


def adiar(conn: Connection, email_id: int, attempts: int, delay: float, erro: str) -> bool:
    """A temporary failure: try again after ``delay`` seconds."""
    return _registrar(conn, email_id, attempts, Envio.PENDENTE,
                      next_attempt_at=now() + timedelta(seconds=delay), erro=erro)


def encerrar(conn: Connection, email_id: int, status: str, attempts: int, erro: str) -> bool:
    """Give up on a message: ``BLOQUEADO`` (its address is refused) or ``FALHOU``."""
    return _registrar(conn, email_id, attempts, Envio(status), erro=erro,
                      next_attempt_at=None)


def da_nota(conn: Connection, nota_id: int) -> list[Row]:
    return list(conn.execute(select(emails).where(emails.c.nota_id == nota_id)
                             .order_by(emails.c.id)))


def bloqueio(conn: Connection, endereco: str) -> Row | None:
    return conn.execute(_BLOCKED, {"endereco": normalizar(endereco)}).first()


def bloquear(conn: Connection, endereco: str, motivo: str) -> None:
    if bloqueio(conn, endereco) is None:
        conn.execute(insert(emails_bloqueados).values(
            email=normalizar(endereco), motivo=motivo, created_at=now()))


def desbloquear(conn: Connection, endereco: str) -> bool:
    removed = conn.execute(delete(emails_bloqueados).where(
        emails_bloqueados.c.email == normalizar(endereco)))
    return removed.rowcount > 0
