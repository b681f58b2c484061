"""The lifecycle applied (ARCHITECTURE decision 8): every change of a note's status goes
through here, as a compare-and-set on the status it leaves, with its history row in the
caller's transaction. The caller writes the change's other effects (artifacts, e-mails,
webhook deliveries) in the same transaction after the change succeeded.

A change that finds the note in another state (or, for the worker, no longer under its
lease) raises ``EstadoMudou`` before anything is written: the caller answers for the state
found and records nothing, so a race never has a second effect. On SQLite the
compare-and-set is the first statement of its transaction, so it takes the database's write
lock before it reads (a transaction that read first could not write after another commit).

The worker's changes carry its ``Lease``: the lease it claimed the note with (owner and
expiry, as claimed). A worker whose lease expired and whose note another worker claimed
matches neither, and discards its outcome.

Every statement here is SQLAlchemy Core, built once with bound parameters (psycopg prepares
a statement the server has seen a few times), and runs alike on both engines."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    LargeBinary,
    Row,
    and_,
    bindparam,
    delete,
    insert,
    literal,
    or_,
    select,
    update,
)

from nfse.domain.status import Status, exigir
from nfse.store import artefatos, hooks
from nfse.store.clock import now, utc
from nfse.store.db import pipeline
from nfse.store.tables import artefatos as artefatos_table
from nfse.store.tables import historico, notas

RECEBIDA = "nota recebida"
"""The history line of an accepted note."""


@dataclass(frozen=True)
class Lease:
    """A worker's hold on a claimed note: its id and the expiry it claimed the note with.
    Another claim changes both, so a change guarded by them is the claimer's alone."""

    owner: str
    until: datetime

    @classmethod
    def da_nota(cls, row: Row) -> Lease | None:
        """The lease of ``row`` (a note as read after its claim)."""
        if row.lease_owner is None or row.lease_until is None:
            return None
        return cls(row.lease_owner, row.lease_until)


class EstadoMudou(Exception):
    """A compare-and-set updated nothing: the note is ``encontrado`` (None: it does not
    exist), or it is still in the expected state under another worker's lease
    (``lease_perdida``)."""

    def __init__(self, encontrado: Status | None, lease_perdida: bool = False):
        super().__init__(encontrado, lease_perdida)
        self.encontrado = encontrado
        self.lease_perdida = lease_perdida


_STATUS = select(notas.c.status).where(notas.c.id == bindparam("nota_id"))
_HISTORIA = insert(historico)
_TRAVAR = (update(notas).where(notas.c.id == bindparam("nota_id"))
           .values(updated_at=notas.c.updated_at).returning(notas.c.status))


def _guarda(com_lease: bool):  # noqa: ANN202
    condicoes = [notas.c.id == bindparam("nota_id"), notas.c.status == bindparam("origem")]
    if com_lease:
        condicoes += [notas.c.lease_owner == bindparam("dono"),
                      notas.c.lease_until == bindparam("ate")]
    return and_(*condicoes)


def _params(nota_id: int, origem: Status, lease: Lease | None) -> dict[str, Any]:
    params: dict[str, Any] = {"nota_id": nota_id, "origem": origem.value}
    if lease is not None:
        params.update(dono=lease.owner, ate=lease.until)
    return params


def _perdeu(conn: Connection, nota_id: int, origem: Status, lease: Lease | None) -> EstadoMudou:
    """What a compare-and-set that updated nothing found."""
    found = conn.execute(_STATUS, {"nota_id": nota_id}).scalar()
    encontrado = Status(found) if found is not None else None
    return EstadoMudou(encontrado, lease_perdida=lease is not None and encontrado == origem)


def registrar_historia(conn: Connection, nota_id: int, status: Status, detalhe: str | None,
                       at: datetime | None = None) -> None:
    conn.execute(_HISTORIA, {"nota_id": nota_id, "status": status.value, "detalhe": detalhe,
                             "at": at or now()})


def mover(conn: Connection, nota_id: int, origem: Status, destino: Status,
          detalhe: str | None, *, lease: Lease | None = None, **values: Any) -> None:
    """Move the note from ``origem`` to ``destino`` (setting ``values`` too) and write its
    history; ``EstadoMudou`` when it is not in ``origem`` (or not under ``lease``)."""
    exigir(origem, destino)
    moment = now()
    statement = update(notas).where(_guarda(lease is not None)).values(
        {"updated_at": moment, **values, "status": destino.value})
    if conn.execute(statement, _params(nota_id, origem, lease)).rowcount != 1:
        raise _perdeu(conn, nota_id, origem, lease)
    registrar_historia(conn, nota_id, destino, detalhe, moment)


def travar(conn: Connection, nota_id: int) -> Status | None:
    """The note's status, held until the caller's transaction ends: a change of state
    waits for it, so what the caller writes (an e-mail, a webhook delivery with the note's
    JSON) follows one state. None: no such note."""
    found = conn.execute(_TRAVAR, {"nota_id": nota_id}).scalar()
    return Status(found) if found is not None else None


# The worker's changes: each under its lease.

def adiar(conn: Connection, nota_id: int, lease: Lease, *, delay: float, reconcile: bool,
          mensagem: str | None) -> None:
    """The note stays processando and is due again in ``delay`` seconds; its lease is
    given up."""
    moment = now()
    statement = update(notas).where(_guarda(lease is not None)).values(
        next_attempt_at=moment + timedelta(seconds=delay), reconcile=reconcile,
        mensagem=mensagem, lease_until=None, lease_owner=None, updated_at=moment)
    if conn.execute(statement, _params(nota_id, Status.PROCESSANDO, lease)).rowcount != 1:
        raise _perdeu(conn, nota_id, Status.PROCESSANDO, lease)


def rejeitar(conn: Connection, nota_id: int, lease: Lease | None, erros: list[dict[str, Any]],
             mensagem: str | None = None) -> None:
    """processando → erro_autorizacao. ``lease`` None: a note no worker holds (tests)."""
    mover(conn, nota_id, Status.PROCESSANDO, Status.ERRO,
          mensagem or (erros[0]["mensagem"] if erros else None), lease=lease,
          erros=json.dumps(erros, ensure_ascii=False), mensagem=mensagem, reconcile=False,
          lease_until=None, lease_owner=None, next_attempt_at=None)


_AUTORIZAR = update(notas).where(_guarda(True)).values(
    status=Status.AUTORIZADO.value, numero=bindparam("numero"),
    codigo_verificacao=bindparam("codigo_verificacao"),
    chave_acesso=bindparam("chave_acesso"), data_emissao=bindparam("data_emissao"),
    valores_nfse=bindparam("valores_nfse"), erros=None, mensagem=bindparam("mensagem"),
    reconcile=False,
    lease_until=None, lease_owner=None, next_attempt_at=None,
    updated_at=bindparam("agora"))
_ARTEFATOS = insert(artefatos_table).inline()
_HISTORIA_INLINE = insert(historico).inline()
"""Inserts whose generated ids nobody reads (no RETURNING), so they can share a pipeline."""


def detalhe_autorizada(numero: str | None) -> str:
    """The history line of an authorization."""
    return f"NFS-e {numero} autorizada"


def autorizar(conn: Connection, nota: Row, lease: Lease,
              documentos: Sequence[tuple[str, bytes, str]], *, numero: str | None,
              codigo_verificacao: str | None, chave_acesso: str | None,
              data_emissao: datetime | None, valores: Mapping[str, str] | None = None,
              mensagem: str | None = None) -> list[str]:
    """processando → autorizado (``nota``: its row as claimed under ``lease``) with the
    NFS-e and what was exchanged (``documentos``: (kind, content, media type) each), and
    what the authorization left to say (``mensagem``: the authority's alerts, a decision
    taken without the municipal parameters); the ids of the hooks its event goes to, in
    ``hooks.da_nota``'s order. The guarded UPDATE comes first (on SQLite it takes the write
    lock before anything is read); the artifacts and the history follow in one round trip on
    PostgreSQL."""
    exigir(Status.PROCESSANDO, Status.AUTORIZADO)
    moment = now()
    params = _params(nota.id, Status.PROCESSANDO, lease) | {
        "numero": numero, "codigo_verificacao": codigo_verificacao,
        "chave_acesso": chave_acesso, "data_emissao": utc(data_emissao),
        "valores_nfse": json.dumps(dict(valores)) if valores else None,
        "mensagem": mensagem, "agora": moment}
    if conn.execute(_AUTORIZAR, params).rowcount != 1:
        raise _perdeu(conn, nota.id, Status.PROCESSANDO, lease)
    with pipeline(conn):
        if documentos:
            conn.execute(_ARTEFATOS, [
                {"nota_id": nota.id, "kind": kind, "content": artefatos.comprimir(content),
                 "media_type": media_type, "created_at": moment}
                for kind, content, media_type in documentos])
        conn.execute(_HISTORIA_INLINE, {"nota_id": nota.id, "status": Status.AUTORIZADO.value,
                                        "detalhe": detalhe_autorizada(numero), "at": moment})
    return hooks.da_nota(conn, nota)


# The changes of an authorized note.

_RESERVAR = (update(notas).where(
    notas.c.id == bindparam("nota_id"), notas.c.status == Status.AUTORIZADO.value,
    or_(notas.c.lease_until.is_(None), notas.c.lease_until < bindparam("agora")))
    .values(lease_owner=bindparam("dono"), lease_until=bindparam("ate")))
_LIBERAR = (update(notas).where(notas.c.id == bindparam("nota_id"),
                                notas.c.lease_owner == bindparam("dono"),
                                notas.c.lease_until == bindparam("ate"))
            .values(lease_owner=None, lease_until=None))


def reservar(conn: Connection, nota_id: int, dono: str, duracao: timedelta) -> Lease | None:
    """Hold an authorized note for one cancellation request for up to ``duracao`` (the
    lease columns, which only a note being processed uses otherwise): a concurrent request
    waits for its outcome instead of asking the authority too. None: the note is not
    authorized, or another request holds it."""
    moment = now()
    lease = Lease(dono, moment + duracao)
    reserved = conn.execute(_RESERVAR, {"nota_id": nota_id, "agora": moment,
                                        "dono": lease.owner, "ate": lease.until})
    return lease if reserved.rowcount == 1 else None


def liberar(conn: Connection, nota_id: int, lease: Lease) -> None:
    """Give back a ``reservar`` hold whose request did not change the note."""
    conn.execute(_LIBERAR, {"nota_id": nota_id, "dono": lease.owner, "ate": lease.until})


def cancelar(conn: Connection, nota_id: int, justificativa: str, *,
             xml_cancelamento: bytes | None, lease: Lease | None = None) -> None:
    """autorizado → cancelado (under the request's ``reservar`` hold, when given), with the
    cancellation event's XML. The DANFSe rendered for the authorized note goes in the same
    transaction: whatever reads the note's PDF after the change (an e-mail leaving at once,
    the PDF's URL) renders it from the state it reads, with the CANCELADA mark
    (``guardar_danfse`` keeps a PDF only for the state it shows)."""
    mover(conn, nota_id, Status.AUTORIZADO, Status.CANCELADO, justificativa, lease=lease,
          lease_owner=None, lease_until=None)
    if xml_cancelamento:
        artefatos.put(conn, nota_id, artefatos.XML_CANCELAMENTO, xml_cancelamento,
                      "application/xml")
    conn.execute(delete(artefatos_table).where(artefatos_table.c.nota_id == nota_id,
                                               artefatos_table.c.kind == artefatos.DANFSE))


def substituir(conn: Connection, nota_id: int, numero_substituta: str | None) -> None:
    """autorizado → substituido: replaced by an authorized note (DPS ``subst``; the
    authority cancelled it with event 105102)."""
    mover(conn, nota_id, Status.AUTORIZADO, Status.SUBSTITUIDO,
          f"substituída pela NFS-e {numero_substituta}",
          numero_nfse_substituta=numero_substituta)


def reaceitar(conn: Connection, nota_id: int, **values: Any) -> None:
    """erro_autorizacao → processando: the ref is accepted again with new data."""
    mover(conn, nota_id, Status.ERRO, Status.PROCESSANDO, RECEBIDA, **values)


def _guardar_danfse(cancelada: bool):  # noqa: ANN202
    estado = (notas.c.status == Status.CANCELADO.value if cancelada
              else notas.c.status != Status.CANCELADO.value)
    return insert(artefatos_table).from_select(
        ["nota_id", "kind", "content", "media_type", "created_at"],
        select(notas.c.id, literal(artefatos.DANFSE), bindparam("content", type_=LargeBinary),
               literal("application/pdf"), bindparam("agora", type_=DateTime(timezone=True)))
        .where(notas.c.id == bindparam("nota_id"), estado)).returning(artefatos_table.c.id)


_GUARDAR_DANFSE = {cancelada: _guardar_danfse(cancelada) for cancelada in (False, True)}


def guardar_danfse(conn: Connection, nota_id: int, pdf: bytes, *, cancelada: bool) -> bool:
    """Keep the note's DANFSe, rendered for a cancelled note or not (``cancelada``), only
    if the note is (still) so; whether it was kept."""
    return conn.execute(_GUARDAR_DANFSE[cancelada], {
        "nota_id": nota_id, "content": artefatos.comprimir(pdf), "agora": now()}
        ).first() is not None
