"""Notes: acceptance, the processing queue (claim with lease), outcomes and history.

The note row is the unit of work (ARCHITECTURE decision 1): accepting a note and queueing it
is one commit, and a worker claims due rows with a lease that expires if it dies.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, insert, or_, select, update

from nfse.domain.status import ISSUED, Status
from nfse.store import wakeup
from nfse.store.clock import now, utc
from nfse.store.numbering import allocate
from nfse.store.tables import historico, notas

SERIE_PADRAO = "1"


class RefOcupada(Exception):
    """The ref names a note that cannot be replaced; ``status`` says which."""

    def __init__(self, status: Status):
        super().__init__(status)
        self.status = status


def get_by_ref(conn: Connection, empresa_id: int, ambiente: str, ref: str) -> Row | None:
    return conn.execute(select(notas).where(and_(
        notas.c.empresa_id == empresa_id, notas.c.ambiente == ambiente, notas.c.ref == ref,
    ))).first()


def get(conn: Connection, nota_id: int) -> Row:
    return conn.execute(select(notas).where(notas.c.id == nota_id)).one()


def get_by_capability(conn: Connection, capability: str) -> Row | None:
    return conn.execute(select(notas).where(notas.c.capability == capability)).first()


def aceitar(
    conn: Connection, *, empresa_id: int, ambiente: str, ref: str, requisicao: dict[str, Any],
    cnpj_prestador: str, provider: str,
) -> Row:
    """Store a note as processando_autorizacao, due now. A ref whose last attempt ended in
    erro_autorizacao is replaced (new data, new RPS number); any other existing ref raises
    ``RefOcupada``."""
    moment = now()
    values = dict(
        provider=provider, status=Status.PROCESSANDO.value,
        requisicao=json.dumps(requisicao, ensure_ascii=False), cnpj_prestador=cnpj_prestador,
        serie_rps=None, numero_rps=None, tipo_rps=None, numero=None, codigo_verificacao=None,
        chave_acesso=None, data_emissao=None, erros=None, mensagem=None, attempts=0,
        reconcile=False, next_attempt_at=moment, lease_until=None, lease_owner=None,
        updated_at=moment,
    )
    existing = get_by_ref(conn, empresa_id, ambiente, ref)
    if existing is not None:
        status = Status(existing.status)
        if status != Status.ERRO:
            raise RefOcupada(status)
        conn.execute(update(notas).where(notas.c.id == existing.id).values(
            accepted_at=moment, **values))
        nota_id = existing.id
    else:
        result = conn.execute(insert(notas).values(
            empresa_id=empresa_id, ambiente=ambiente, ref=ref,
            capability=secrets.token_urlsafe(24), accepted_at=moment, **values,
        ))
        nota_id = result.inserted_primary_key[0]
    add_history(conn, nota_id, Status.PROCESSANDO, "nota recebida")
    wakeup.notify(conn)
    return get(conn, nota_id)


def add_history(conn: Connection, nota_id: int, status: Status, detalhe: str | None) -> None:
    conn.execute(insert(historico).values(
        nota_id=nota_id, status=status.value, detalhe=detalhe, at=now()))


def history(conn: Connection, nota_id: int) -> list[Row]:
    return list(conn.execute(
        select(historico).where(historico.c.nota_id == nota_id).order_by(historico.c.id)))


def claim(engine: Engine, owner: str, batch: int, lease: timedelta) -> list[int]:
    """Claim up to ``batch`` due notes for ``owner`` and number the ones not yet numbered, in
    one transaction. Due = processando, next attempt reached, no live lease."""
    moment = now()
    due = (
        select(notas.c.id)
        .where(and_(
            notas.c.status == Status.PROCESSANDO.value,
            notas.c.next_attempt_at <= moment,
            or_(notas.c.lease_until.is_(None), notas.c.lease_until < moment),
        ))
        .order_by(notas.c.next_attempt_at)
        .limit(batch)
    )
    if engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    with engine.begin() as conn:
        claimed = conn.execute(
            update(notas)
            .where(notas.c.id.in_(due.scalar_subquery()))
            .values(lease_until=moment + lease, lease_owner=owner)
            .returning(notas.c.id, notas.c.empresa_id, notas.c.ambiente, notas.c.numero_rps)
        ).all()
        for row in claimed:
            if row.numero_rps is None:
                numero = allocate(conn, row.empresa_id, row.ambiente, SERIE_PADRAO)
                conn.execute(update(notas).where(notas.c.id == row.id).values(
                    serie_rps=SERIE_PADRAO, numero_rps=numero, tipo_rps="1"))
    return [row.id for row in claimed]


def mark_sending(conn: Connection, nota_id: int) -> None:
    """Committed before a request leaves: if we die now, the next step is to ask."""
    conn.execute(update(notas).where(notas.c.id == nota_id).values(
        reconcile=True, attempts=notas.c.attempts + 1, updated_at=now()))


def authorize(
    conn: Connection, nota_id: int, *, numero: str | None, codigo_verificacao: str | None,
    chave_acesso: str | None, data_emissao: datetime | None,
) -> None:
    conn.execute(update(notas).where(notas.c.id == nota_id).values(
        status=Status.AUTORIZADO.value, numero=numero, codigo_verificacao=codigo_verificacao,
        chave_acesso=chave_acesso, data_emissao=utc(data_emissao), erros=None, mensagem=None,
        reconcile=False, lease_until=None, lease_owner=None, next_attempt_at=None,
        updated_at=now(),
    ))
    add_history(conn, nota_id, Status.AUTORIZADO, f"NFS-e {numero} autorizada")


def reject(conn: Connection, nota_id: int, erros: list[dict[str, Any]],
           mensagem: str | None = None) -> None:
    conn.execute(update(notas).where(notas.c.id == nota_id).values(
        status=Status.ERRO.value, erros=json.dumps(erros, ensure_ascii=False),
        mensagem=mensagem, reconcile=False, lease_until=None, lease_owner=None,
        next_attempt_at=None, updated_at=now(),
    ))
    add_history(conn, nota_id, Status.ERRO, mensagem or (erros[0]["mensagem"] if erros else None))


def reschedule(conn: Connection, nota_id: int, *, delay: float, reconcile: bool,
               mensagem: str | None) -> None:
    conn.execute(update(notas).where(notas.c.id == nota_id).values(
        next_attempt_at=now() + timedelta(seconds=delay), reconcile=reconcile,
        mensagem=mensagem, lease_until=None, lease_owner=None, updated_at=now(),
    ))


def release(engine: Engine, owner: str) -> None:
    """Give back every lease this worker holds (clean shutdown)."""
    with engine.begin() as conn:
        conn.execute(update(notas).where(notas.c.lease_owner == owner).values(
            lease_until=None, lease_owner=None))


def cancel(conn: Connection, nota_id: int, justificativa: str) -> None:
    conn.execute(update(notas).where(notas.c.id == nota_id).values(
        status=Status.CANCELADO.value, updated_at=now()))
    add_history(conn, nota_id, Status.CANCELADO, justificativa)


def issued(row: Row) -> bool:
    return Status(row.status) in ISSUED
