"""Notes: acceptance, the processing queue (claim with lease), outcomes and history.

The note row is the unit of work (ARCHITECTURE decision 1): accepting a note and queueing it
is one commit, and a worker claims due rows with a lease that expires if it dies.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, bindparam, insert, or_, select, text, update

from nfse.domain.status import Status
from nfse.store import ciclo, empresas, leases, wakeup
from nfse.store.clock import now
from nfse.store.db import autocommit, pipeline, por_motor
from nfse.store.numbering import allocate
from nfse.store.tables import empresas as tabela_empresas
from nfse.store.tables import historico, notas


class RefOcupada(Exception):
    """The ref names a note that cannot be replaced; ``status`` says which."""

    def __init__(self, status: Status):
        super().__init__(status)
        self.status = status


class SubstituicaoInvalida(Exception):
    """``numero_rps_substituido`` names no note of this company and environment that can
    be replaced; the message says why, in Portuguese."""


# Statements on the acceptance path are built once and executed with parameters: building
# one with literal values costs more than running it.
_BY_REF = select(notas).where(and_(
    notas.c.empresa_id == bindparam("empresa_id"), notas.c.ambiente == bindparam("ambiente"),
    notas.c.ref == bindparam("ref")))
_GET = select(notas).where(notas.c.id == bindparam("nota_id"))
_UPDATE = update(notas).where(notas.c.id == bindparam("nota_id"))
_MARK_SENDING = update(notas).where(and_(
    notas.c.id == bindparam("nota_id"), notas.c.status == Status.PROCESSANDO.value,
    notas.c.lease_owner == bindparam("owner"), notas.c.lease_until == bindparam("claimed"),
    notas.c.lease_until > bindparam("agora"))).values(
    reconcile=True, attempts=notas.c.attempts + 1)
_GET_MANY = select(notas).where(notas.c.id.in_(bindparam("ids", expanding=True)))
_INSERT_NOTAS = insert(notas).returning(notas.c.id, sort_by_parameter_order=True)
_INSERT_HISTORICO = insert(historico).inline()
_INSERT_NOVAS = por_motor(lambda insert: insert(notas).on_conflict_do_nothing(
    index_elements=[notas.c.empresa_id, notas.c.ambiente, notas.c.ref]).returning(
    notas.c.id, notas.c.empresa_id, notas.c.ambiente, notas.c.ref))
"""New refs in one multi-row statement; a ref another transaction took meanwhile is skipped
(it goes the general way), never an error that would fail the batch."""
_EXISTING = select(notas.c.id, notas.c.ref, notas.c.status).where(and_(
    notas.c.empresa_id == bindparam("empresa_id"), notas.c.ambiente == bindparam("ambiente"),
    notas.c.ref.in_(bindparam("refs", expanding=True))))


def get_by_ref(conn: Connection, empresa_id: int, ambiente: str, ref: str) -> Row | None:
    return conn.execute(_BY_REF, {"empresa_id": empresa_id, "ambiente": ambiente,
                                  "ref": ref}).first()


def get(conn: Connection, nota_id: int) -> Row:
    return conn.execute(_GET, {"nota_id": nota_id}).one()


def get_many(conn: Connection, ids: list[int]) -> dict[int, Row]:
    """Several notes by id, in one statement."""
    return {row.id: row for row in conn.execute(_GET_MANY, {"ids": ids})}


def get_by_capability(conn: Connection, capability: str) -> Row | None:
    return conn.execute(select(notas).where(notas.c.capability == capability)).first()


@dataclass(frozen=True)
class Pedido:
    """A note to accept: the body as received, for one company and environment."""

    empresa_id: int
    ambiente: str
    ref: str
    requisicao: dict[str, Any] | str
    """The body: its JSON text as received, or the parsed object."""
    cnpj_prestador: str
    provider: str
    modelo: str
    """The door it came through (``model.modelos``)."""
    substitui: tuple[str, int] | str | None = None
    """The note this one replaces: (série, número) of its RPS, or its access key."""


def _fresh(pedido: Pedido, moment: datetime, alvo: Row | None) -> dict[str, Any]:
    """The columns a new note is inserted with; the others start NULL (or their default).
    ``alvo``: the note it replaces."""
    return dict(
        provider=pedido.provider, status=Status.PROCESSANDO.value,
        requisicao=pedido.requisicao if isinstance(pedido.requisicao, str)
        else json.dumps(pedido.requisicao, ensure_ascii=False),
        cnpj_prestador=pedido.cnpj_prestador, attempts=0, reconcile=False,
        next_attempt_at=moment, updated_at=moment, accepted_at=moment,
        modelo=pedido.modelo, substitui_nota_id=alvo.id if alvo else None,
        numero_nfse_substituida=alvo.numero if alvo else None,
    )


def resolver_substituida(conn: Connection, empresa_id: int, ambiente: str,
                         substitui: tuple[str, int] | str | None) -> Row | None:
    """The authorized note that a new note replaces, named by its RPS (série, número) or by
    its access key; ``SubstituicaoInvalida`` if there is none."""
    if substitui is None:
        return None
    mine = (notas.c.empresa_id == empresa_id, notas.c.ambiente == ambiente)
    if isinstance(substitui, str):
        row = conn.execute(select(notas).where(*mine, notas.c.chave_acesso == substitui)).first()
        nome = f"A NFS-e de chave {substitui}"
    else:
        serie, numero = substitui
        row = conn.execute(select(notas).where(*mine, notas.c.serie_rps == serie,
                                               notas.c.numero_rps == numero)).first()
        nome = f"A nota do RPS {serie}/{numero}"
    if row is None:
        raise SubstituicaoInvalida(f"{nome} não foi emitida por esta empresa neste ambiente")
    if Status(row.status) != Status.AUTORIZADO:
        raise SubstituicaoInvalida(f"{nome} não pode ser substituída: está {row.status}")
    return row


_RESTART = dict(serie_rps=None, numero_rps=None, tipo_rps=None, numero=None,
               codigo_verificacao=None, chave_acesso=None, data_emissao=None, erros=None,
               mensagem=None, lease_until=None, lease_owner=None)
"""What a replaced note (its ref ended in erro_autorizacao) forgets besides ``_fresh``."""


Aceite = int | RefOcupada | SubstituicaoInvalida


def aceitar_lote(conn: Connection, pedidos: list[Pedido]) -> list[Aceite]:
    """Store notes as processando_autorizacao, due now: for each pedido its note id, or
    ``RefOcupada`` when its ref names a note that cannot be replaced. A ref whose last
    attempt ended in erro_autorizacao is replaced (new data, new RPS number).

    A few statements for the whole list, whatever its length: the acceptance path runs this
    in shared transactions (``store.group_commit``). New refs go in first, skipping a ref
    already taken; what that skips (a ref already taken, a substitution, the same ref twice
    in the list) goes the general way. The history rows and the workers' wake-up share one
    round trip on PostgreSQL."""
    moment = now()
    capabilities = _capabilities(len(pedidos))
    novos: dict[tuple[int, str, str], int] = {}
    for i, pedido in enumerate(pedidos):
        if pedido.substitui is None:
            novos.setdefault((pedido.empresa_id, pedido.ambiente, pedido.ref), i)
    results: list[Aceite | None] = [None] * len(pedidos)
    if novos:
        for row in conn.execute(_INSERT_NOVAS[conn.dialect.name],
                                [_nova(pedidos[i], moment, None, capabilities[i])
                                 for i in novos.values()]):
            results[novos[(row.empresa_id, row.ambiente, row.ref)]] = row.id
    inseridas = [result for result in results if result is not None]
    resto = [i for i, result in enumerate(results) if result is None]
    if resto:
        for i, result in zip(resto, _aceitar(conn, [pedidos[i] for i in resto], moment,
                                             [capabilities[i] for i in resto]), strict=True):
            results[i] = result
    with pipeline(conn):
        _historia_recebida(conn, inseridas, moment)
        wakeup.notify(conn)
    return results  # type: ignore[return-value]


def _historia_recebida(conn: Connection, ids: list[int], moment: datetime) -> None:
    if ids:
        conn.execute(_INSERT_HISTORICO, [
            {"nota_id": i, "status": Status.PROCESSANDO.value, "detalhe": ciclo.RECEBIDA,
             "at": moment} for i in ids])


def _nova(pedido: Pedido, moment: datetime, alvo: Row | None, capability: str
          ) -> dict[str, Any]:
    """The row of a new note."""
    return dict(empresa_id=pedido.empresa_id, ambiente=pedido.ambiente, ref=pedido.ref,
                capability=capability, **_fresh(pedido, moment, alvo))


CAPABILITY_BYTES = 24
"""Random bytes of a note's capability (``secrets.token_urlsafe(24)``'s: 32 characters)."""


def _capabilities(count: int) -> list[str]:
    """``count`` capabilities as ``secrets.token_urlsafe(CAPABILITY_BYTES)`` writes them, from
    one read of the system's random source: each read releases and retakes the interpreter
    lock, and the group-commit thread that runs this waited for the event loop's thread to
    give it back once per note (the request id's ``uuid4`` did the same, session 9)."""
    random = secrets.token_bytes(CAPABILITY_BYTES * count)
    return [base64.urlsafe_b64encode(random[i:i + CAPABILITY_BYTES]).rstrip(b"=").decode()
            for i in range(0, len(random), CAPABILITY_BYTES)]


def _aceitar(conn: Connection, pedidos: list[Pedido], moment: datetime,
             capabilities: list[str]) -> list[Aceite]:
    """``aceitar_lote``'s general way: a lookup of the refs, a multi-row insert of the
    notes and one of their history, plus the few a replaced ref or a substitution needs."""
    taken: dict[tuple[int, str, str], tuple[int, Status]] = {}
    for (empresa_id, ambiente), refs in _by_owner(
            (p.empresa_id, p.ambiente, p.ref) for p in pedidos).items():
        for row in conn.execute(_EXISTING, {"empresa_id": empresa_id, "ambiente": ambiente,
                                            "refs": refs}):
            taken[(empresa_id, ambiente, row.ref)] = (row.id, Status(row.status))
    results: list[Aceite | None] = []
    novas: list[dict[str, Any]] = []
    for pedido, capability in zip(pedidos, capabilities, strict=True):
        key = (pedido.empresa_id, pedido.ambiente, pedido.ref)
        if key in taken and taken[key][1] != Status.ERRO:
            results.append(RefOcupada(taken[key][1]))
            continue
        try:
            alvo = resolver_substituida(conn, pedido.empresa_id, pedido.ambiente,
                                        pedido.substitui)
        except SubstituicaoInvalida as exc:
            results.append(exc)
            continue
        if key in taken:
            values = _fresh(pedido, moment, alvo) | _RESTART
            del values["status"]
            try:
                ciclo.reaceitar(conn, taken[key][0], **values)
            except ciclo.EstadoMudou as exc:  # accepted again meanwhile by another process
                results.append(RefOcupada(exc.encontrado or Status.PROCESSANDO))
                continue
            results.append(taken[key][0])
        else:
            novas.append(_nova(pedido, moment, alvo, capability))
            results.append(None)
        taken[key] = (0, Status.PROCESSANDO)
    if novas:
        ids = conn.execute(_INSERT_NOTAS, novas).scalars().all()
        _historia_recebida(conn, list(ids), moment)
        pending = iter(ids)
        results = [next(pending) if r is None else r for r in results]
    return results  # type: ignore[return-value]


def _by_owner(keys: Iterable[tuple[int, str, str]]) -> dict[tuple[int, str], list[str]]:
    owners: dict[tuple[int, str], list[str]] = {}
    for empresa_id, ambiente, ref in keys:
        owners.setdefault((empresa_id, ambiente), []).append(ref)
    return owners


def aceitar(conn: Connection, **pedido: Any) -> int:
    """Accept one note (``Pedido``'s fields as keywords); raise ``RefOcupada`` as
    ``aceitar_lote`` reports it."""
    result = aceitar_lote(conn, [Pedido(**pedido)])[0]
    if isinstance(result, Exception):
        raise result
    return result


def history(conn: Connection, nota_id: int) -> list[Row]:
    return list(conn.execute(
        select(historico).where(historico.c.nota_id == nota_id).order_by(historico.c.id)))


def claim(engine: Engine, owner: str, batch: int, lease: timedelta) -> dict[int, Row]:
    """Claim up to ``batch`` due notes for ``owner`` and number the ones not yet numbered, in
    one transaction; the notes as claimed and numbered, by id. Due = processando, next
    attempt reached, no live lease. Numbers follow acceptance order; both doors share a
    series' counter when their series are equal.

    On PostgreSQL one statement (``_CLAIM_PG``) is the whole transaction, and its commit
    does not wait for a disk flush: on the way from POST to the authority, the eight round
    trips of the general way below took 3–4 ms at light load, this one about 1 ms. What
    it writes (leases, RPS numbers) is made durable by the synchronous mark that precedes
    every sending (``mark_sending``); a server crash before it loses only leases and numbers
    no note was sent with."""
    if engine.dialect.name == "postgresql":
        moment = now()
        with autocommit(engine) as conn:
            return {row.id: row for row in conn.execute(_CLAIM_PG, {
                "agora": moment, "pendente": Status.PROCESSANDO.value, "lote": batch,
                "ate": moment + lease, "dono": owner})}
    with engine.begin() as conn:
        claimed = leases.claim(conn, notas, Status.PROCESSANDO.value, owner, batch, lease,
                               notas.c.empresa_id, notas.c.ambiente, notas.c.numero_rps,
                               notas.c.modelo)
        sem_numero: dict[tuple[int, str, str], list[int]] = {}
        for row in sorted(claimed, key=lambda r: r.id):  # numbers follow acceptance order
            if row.numero_rps is None:
                key = (row.empresa_id, row.ambiente, row.modelo)
                sem_numero.setdefault(key, []).append(row.id)
        for (empresa_id, ambiente, modelo), ids in sem_numero.items():
            serie = empresas.serie(conn, empresa_id, ambiente, modelo)
            first = allocate(conn, empresa_id, ambiente, serie, count=len(ids))
            conn.execute(_UPDATE, [{"nota_id": nota_id, "serie_rps": serie, "tipo_rps": "1",
                                     "numero_rps": first + n} for n, nota_id in enumerate(ids)])
        return get_many(conn, [row.id for row in claimed]) if claimed else {}


def _serie_da_nota() -> str:
    """SQL: the series of the note ``n`` in its company ``e`` (columns
    ``serie_<modelo>_<ambiente>``; default 1), as ``empresas.serie`` reads it."""
    ramos = " ".join(
        f"WHEN n.modelo = '{coluna.name.split('_')[1]}' AND "
        f"n.ambiente = '{coluna.name.split('_')[2]}' THEN e.{coluna.name}"
        for coluna in tabela_empresas.c if coluna.name.startswith("serie_"))
    return f"COALESCE(NULLIF(CASE {ramos} END, ''), '1')"


_CLAIM_PG = text(f"""
WITH due AS (
    SELECT n.id, n.empresa_id, n.ambiente,
           CASE WHEN n.numero_rps IS NULL THEN {_serie_da_nota()} END AS serie
    FROM notas n JOIN empresas e ON e.id = n.empresa_id
    WHERE n.status = :pendente AND n.next_attempt_at <= :agora
      AND (n.lease_until IS NULL OR n.lease_until < :agora)
      AND set_config('synchronous_commit', 'off', true) IS NOT NULL
    ORDER BY n.next_attempt_at LIMIT :lote
    FOR UPDATE OF n SKIP LOCKED
), ordem AS (
    SELECT id, empresa_id, ambiente, serie,
           row_number() OVER (PARTITION BY empresa_id, ambiente, serie ORDER BY id) AS k,
           count(*) OVER (PARTITION BY empresa_id, ambiente, serie) AS total
    FROM due WHERE serie IS NOT NULL
), contas AS (
    INSERT INTO numeracao (empresa_id, ambiente, serie, proximo_numero)
    SELECT empresa_id, ambiente, serie, count(*) + 1 FROM ordem
    GROUP BY empresa_id, ambiente, serie
    ON CONFLICT (empresa_id, ambiente, serie) DO UPDATE
        SET proximo_numero = numeracao.proximo_numero + excluded.proximo_numero - 1
    RETURNING empresa_id, ambiente, serie, proximo_numero
), numeros AS (
    SELECT o.id, o.serie, c.proximo_numero - o.total + o.k - 1 AS numero
    FROM ordem o JOIN contas c USING (empresa_id, ambiente, serie)
)
UPDATE notas SET lease_until = :ate, lease_owner = :dono,
    serie_rps = COALESCE(x.serie, notas.serie_rps),
    numero_rps = COALESCE(x.numero, notas.numero_rps),
    tipo_rps = CASE WHEN x.numero IS NULL THEN notas.tipo_rps ELSE '1' END
FROM (SELECT due.id, numeros.serie, numeros.numero
      FROM due LEFT JOIN numeros ON numeros.id = due.id) x
WHERE notas.id = x.id
RETURNING notas.*
""")
"""``claim`` on PostgreSQL: lock the due notes (``SKIP LOCKED``: concurrent workers never
wait for each other's notes), take each series' numbers with one upsert of its counter
(which holds the counter's row until commit, as ``allocate`` does), then lease and number
the notes with one ``UPDATE … RETURNING``. Only this statement's transaction skips the disk
flush (``set_config(…, true)`` is local to it and still in force when it commits)."""


def mark_sending(conn: Connection, nota_id: int, lease: ciclo.Lease) -> bool:
    """Committed before a request leaves: if we die now, the next step is to ask. Only
    while the worker's ``lease`` holds: False when it expired or the note is with another
    worker (who must be the only one to send it)."""
    moment = now()
    return conn.execute(_MARK_SENDING, {
        "nota_id": nota_id, "updated_at": moment, "owner": lease.owner,
        "claimed": lease.until, "agora": moment}).rowcount == 1


def release(engine: Engine, owner: str) -> None:
    """Give back every lease this worker holds (clean shutdown)."""
    with engine.begin() as conn:
        conn.execute(update(notas).where(notas.c.lease_owner == owner).values(
            lease_until=None, lease_owner=None))


def adiantar(conn: Connection, nota_id: int) -> bool:
    """Make a note still processing due now (an operator's "tentar agora"); False when it is
    not processing or a worker holds it. Not a status change: only when it is next tried."""
    moment = now()
    return conn.execute(update(notas).where(
        notas.c.id == nota_id, notas.c.status == Status.PROCESSANDO,
        or_(notas.c.lease_until.is_(None), notas.c.lease_until < moment))
        .values(next_attempt_at=moment)).rowcount == 1
