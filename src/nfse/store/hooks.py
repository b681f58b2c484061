"""Hooks (SPEC §4): the URLs a company registers per environment, and the outbox of
their webhook deliveries (table ``entregas``). A delivery is enqueued in the transaction
that gives a note its final status, with the note's JSON of that moment, so no final state
is missed."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from nfse.certs.secrets import SecretBox
from nfse.domain.status import Envio, exigir_envio
from nfse.store import leases
from nfse.store.clock import aware, now
from nfse.store.db import relaxed_commit
from nfse.store.tables import entregas, hooks

EVENTS = ("nfse", "nfsen", "certificado", "nfse_recebida")
"""``certificado`` (ext): the company's A1 expires in 30, 7 or 1 days."""
MAXIMO_POR_EVENTO = 5
JANELA = timedelta(days=7)
"""A hook whose deliveries mostly failed over this long is disabled (as Focus does)."""
PENDENTE = Envio.PENDENTE.value
ENTREGUE = Envio.ENTREGUE.value
FALHOU = Envio.FALHOU.value


@dataclass(frozen=True)
class Hook:
    id: str
    ambiente: str
    cnpj: str | None
    cpf: str | None
    event: str
    url: str
    authorization: str | None
    authorization_header: str
    secret: str | None
    request_count: int
    success_count: int
    error_count: int
    count_since: datetime
    desativado_em: datetime | None = None
    """When the hook was disabled (its deliveries mostly failed for ``JANELA``); None while
    it is active."""


def _hook(row: Row, box: SecretBox) -> Hook:
    return Hook(
        id=row.id, ambiente=row.ambiente, cnpj=row.cnpj, cpf=row.cpf, event=row.event, url=row.url,
        authorization=box.open(row.authorization).decode() if row.authorization else None,
        authorization_header=row.authorization_header,
        secret=box.open(row.secret).decode() if row.secret else None,
        request_count=row.request_count, success_count=row.success_count,
        error_count=row.error_count, count_since=aware(row.count_since),
        desativado_em=aware(row.desativado_em))


def _owned(empresa_id: int, ambiente: str):  # noqa: ANN202
    return and_(hooks.c.empresa_id == empresa_id, hooks.c.ambiente == ambiente)


def contar(conn: Connection, empresa_id: int, ambiente: str, event: str) -> int:
    return conn.execute(select(func.count()).select_from(hooks).where(
        _owned(empresa_id, ambiente), hooks.c.event == event)).scalar_one()


def criar(conn: Connection, box: SecretBox, *, empresa_id: int, ambiente: str,
          cnpj: str | None, cpf: str | None, event: str, url: str, authorization: str | None,
          authorization_header: str, secret: str | None) -> Hook:
    hook_id = secrets.token_hex(8)
    moment = now()
    conn.execute(insert(hooks).values(
        id=hook_id, empresa_id=empresa_id, ambiente=ambiente, cnpj=cnpj, cpf=cpf, event=event,
        url=url, authorization=box.seal(authorization.encode()) if authorization else None,
        authorization_header=authorization_header,
        secret=box.seal(secret.encode()) if secret else None, request_count=0,
        success_count=0, error_count=0, count_since=moment, created_at=moment))
    found = obter(conn, box, empresa_id, ambiente, hook_id)
    assert found is not None
    return found


def listar(conn: Connection, box: SecretBox, empresa_id: int, ambiente: str) -> list[Hook]:
    rows = conn.execute(select(hooks).where(_owned(empresa_id, ambiente))
                        .order_by(hooks.c.created_at, hooks.c.id))
    return [_hook(row, box) for row in rows]


def obter(conn: Connection, box: SecretBox, empresa_id: int, ambiente: str,
          hook_id: str) -> Hook | None:
    row = conn.execute(select(hooks).where(_owned(empresa_id, ambiente),
                                           hooks.c.id == hook_id)).first()
    return _hook(row, box) if row else None


def apagar(conn: Connection, hook_id: str) -> None:
    """Remove the hook; its pending deliveries are given up."""
    conn.execute(update(entregas).where(entregas.c.hook_id == hook_id,
                                        entregas.c.status == PENDENTE)
                 .values(status=FALHOU, erro="gatilho removido", next_attempt_at=None,
                         lease_until=None, lease_owner=None))
    conn.execute(delete(hooks).where(hooks.c.id == hook_id))


_DA_NOTA = select(hooks.c.id).where(
    hooks.c.empresa_id == bindparam("empresa_id"), hooks.c.ambiente == bindparam("ambiente"),
    hooks.c.event == bindparam("event"), hooks.c.desativado_em.is_(None),
    or_(and_(hooks.c.cnpj.is_(None), hooks.c.cpf.is_(None)),
        hooks.c.cnpj == bindparam("documento"), hooks.c.cpf == bindparam("documento")),
).order_by(hooks.c.created_at, hooks.c.id)
"""Built once: it runs for every note that reaches a final status."""


def da_nota(conn: Connection, nota: Row) -> list[str]:
    """The hooks a note's event goes to: its company, environment and event (the door it
    came through, ``modelo``); the hook's CNPJ/CPF, when set, must be the prestador's."""
    return list(conn.execute(_DA_NOTA, {"empresa_id": nota.empresa_id,
                                        "ambiente": nota.ambiente, "event": nota.modelo,
                                        "documento": nota.cnpj_prestador}).scalars())


def enfileirar(conn: Connection, nota_id: int, hook_ids: list[str], body: str) -> None:
    """One delivery of ``body`` per hook."""
    moment = now()
    conn.execute(insert(entregas), [
        {"hook_id": hook_id, "nota_id": nota_id, "delivery": str(uuid.uuid4()),
         "body": body, "status": PENDENTE, "attempts": 0, "next_attempt_at": moment,
         "created_at": moment} for hook_id in hook_ids])


def disparar_empresa(conn: Connection, empresa_id: int, body: str, event: str) -> list[str]:
    """Queue ``body`` to every hook of the company for ``event``, in both environments."""
    matching = conn.execute(select(hooks.c.id).where(
        hooks.c.empresa_id == empresa_id, hooks.c.event == event,
        hooks.c.desativado_em.is_(None))
        .order_by(hooks.c.created_at, hooks.c.id)).scalars().all()
    moment = now()
    if matching:
        conn.execute(insert(entregas), [
            {"hook_id": hook_id, "empresa_id": empresa_id, "delivery": str(uuid.uuid4()),
             "body": body, "status": PENDENTE, "attempts": 0, "next_attempt_at": moment,
             "created_at": moment} for hook_id in matching])
    return list(matching)


def da_empresa(conn: Connection, empresa_id: int, ambiente: str, event: str) -> list[str]:
    """The active hooks of the company and environment for ``event`` (any CNPJ/CPF)."""
    return list(conn.execute(select(hooks.c.id).where(
        _owned(empresa_id, ambiente), hooks.c.event == event, hooks.c.desativado_em.is_(None))
        .order_by(hooks.c.created_at, hooks.c.id)).scalars())


def claim(engine: Engine, owner: str, batch: int, lease: timedelta,
          skip: list[str] | None = None) -> list[Row]:
    """Lease up to ``batch`` due deliveries, oldest first, none to the hooks ``skip``. The
    commit does not wait for the disk (``db.relaxed_commit``), as every POST waited for it:
    a lease lost with the database server only sends a delivery again, which the receiver
    de-duplicates by its id as it does any retry."""
    with engine.begin() as conn:
        relaxed_commit(conn)
        return leases.claim(conn, entregas, PENDENTE, owner, batch, lease, entregas.c.hook_id,
                            entregas.c.nota_id, entregas.c.delivery, entregas.c.body,
                            entregas.c.attempts,
                            skip=(entregas.c.hook_id, skip) if skip else None)


def give_back(engine: Engine, owner: str, ids: list[int]) -> None:
    """Give back claimed deliveries not delivered now (their hook was busy); lost with the
    database server, they wait for their lease to run out."""
    with engine.begin() as conn:
        relaxed_commit(conn)
        leases.give_back(conn, entregas, owner, ids)


def _contar_na_janela(conn: Connection, hook_id: str, ok: bool) -> None:
    """Count the delivery in the hook's 7-day window; when a window ends with more failed
    deliveries than successful ones, disable the hook and give up what it still had to
    receive, else start the next window."""
    row = conn.execute(select(hooks.c.janela_inicio, hooks.c.janela_falhas,
                              hooks.c.janela_sucessos).where(hooks.c.id == hook_id)).first()
    if row is None:
        return
    moment = now()
    falhas = (row.janela_falhas or 0) + (not ok)
    sucessos = (row.janela_sucessos or 0) + ok
    inicio = aware(row.janela_inicio)
    if inicio is None or moment - inicio < JANELA:
        conn.execute(update(hooks).where(hooks.c.id == hook_id).values(
            janela_inicio=inicio or moment, janela_falhas=falhas, janela_sucessos=sucessos))
        return
    if falhas > sucessos:
        conn.execute(update(hooks).where(hooks.c.id == hook_id).values(
            desativado_em=moment, janela_falhas=falhas, janela_sucessos=sucessos))
        conn.execute(update(entregas).where(entregas.c.hook_id == hook_id,
                                            entregas.c.status == PENDENTE)
                     .values(status=FALHOU, erro="gatilho desativado: entregas falharam por "
                             "7 dias", next_attempt_at=None, lease_until=None,
                             lease_owner=None))
        return
    conn.execute(update(hooks).where(hooks.c.id == hook_id).values(
        janela_inicio=moment, janela_falhas=0, janela_sucessos=0))


def destino(conn: Connection, box: SecretBox, hook_id: str) -> Hook | None:
    row = conn.execute(select(hooks).where(hooks.c.id == hook_id)).first()
    return _hook(row, box) if row else None


def registrar(conn: Connection, entrega: Row, *, ok: bool, erro: str | None,
              retry_in: float | None) -> bool:
    """Settle the delivery's attempt (``entrega`` as claimed): delivered, retried after
    ``retry_in`` seconds, or (no retry left) given up, and count it on the hook. A
    compare-and-set on the attempt (``domain.status.Envio``): an attempt recorded already
    (by a deliverer whose lease ran out) is not counted again; whether it was recorded."""
    attempts = entrega.attempts + 1
    values: dict = {"attempts": attempts, "erro": erro, "lease_until": None,
                    "lease_owner": None}
    if ok:
        destino = Envio.ENTREGUE
        values.update(delivered_at=now(), next_attempt_at=None)
    elif retry_in is None:
        destino = Envio.FALHOU
        values.update(next_attempt_at=None)
    else:
        destino = Envio.PENDENTE
        values.update(next_attempt_at=now() + timedelta(seconds=retry_in))
    exigir_envio(Envio.PENDENTE, destino)
    recorded = conn.execute(update(entregas).where(
        entregas.c.id == entrega.id, entregas.c.status == PENDENTE,
        entregas.c.attempts == entrega.attempts).values(status=destino.value, **values))
    if recorded.rowcount != 1:
        return False
    counter = hooks.c.success_count if ok else hooks.c.error_count
    conn.execute(update(hooks).where(hooks.c.id == entrega.hook_id).values(
        {hooks.c.request_count: hooks.c.request_count + 1, counter: counter + 1}))
    _contar_na_janela(conn, entrega.hook_id, ok)
    return True
