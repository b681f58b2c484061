"""What an operator reads across companies (the panel, ``GET /v2/admin/notas``, ``nfse notas``):
notes by filters, a note with everything that happened to it, the companies with their notes
per status, and the health of the queues and authorities. Read-only.

Notes are paged newest first (by id; with a day filter, by the moment accepted), with a
cursor (``antes``: the last id seen) instead of an offset, so a page costs the same at the
millionth note as at the first. Each filter but the
text has an index that walks its notes in that order (migration 0012); the text, which no
index serves, is looked for in at most ``JANELA_TEXTO`` notes per page, and the count stops
at ``LIMITE_CONTAGEM``: neither reads a million rows for one page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Row, func, or_, select, tuple_

from nfse.domain.status import Status
from nfse.fuso import SAO_PAULO
from nfse.store.clock import aware, now
from nfse.store.tables import (
    artefatos,
    autoridades,
    emails,
    empresas,
    entregas,
    historico,
    hooks,
    notas,
    workers,
)

PAGINA = 50
LIMITE_CONTAGEM = 1000
"""Notes counted for a list at most: beyond, the list has "more than" this many."""
JANELA_TEXTO = 5000
"""Notes (matching the other filters) a text search reads per page, newest first."""
PENDENTE = "pendente"


@dataclass(frozen=True)
class Filtros:
    empresa_id: int | None = None
    status: str | None = None
    ambiente: str | None = None
    ref: str | None = None
    desde: date | None = None
    """Accepted on or after this day (São Paulo)."""
    ate: date | None = None
    """Accepted on or before this day (São Paulo)."""
    texto: str | None = None
    """In the ref, the number, the access key or the request's JSON (tomador, discriminação)."""


def _inicio(dia: date) -> datetime:
    return datetime.combine(dia, time(), SAO_PAULO)


def _condicoes(filtros: Filtros) -> list[Any]:
    c = notas.c
    onde: list[Any] = []
    if filtros.empresa_id is not None:
        onde.append(c.empresa_id == filtros.empresa_id)
    if filtros.status:
        onde.append(c.status == filtros.status)
    if filtros.ambiente:
        onde.append(c.ambiente == filtros.ambiente)
    if filtros.ref:
        onde.append(c.ref == filtros.ref)
    if filtros.desde:
        onde.append(c.accepted_at >= _inicio(filtros.desde))
    if filtros.ate:
        onde.append(c.accepted_at < _inicio(filtros.ate + timedelta(days=1)))
    return onde


def _texto(texto: str) -> Any:
    c = notas.c
    padrao = "%" + texto.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(c.ref.like(padrao, escape="\\"), c.numero.like(padrao, escape="\\"),
               c.chave_acesso.like(padrao, escape="\\"),
               c.requisicao.like(padrao, escape="\\"))


@dataclass(frozen=True)
class Pagina:
    linhas: list[Row]
    proxima: int | None
    """The cursor (``antes``) of the next page; None on the last."""
    examinadas: int | None = None
    """With a text filter: notes read for this page (at most ``JANELA_TEXTO``)."""


def _chave(filtros: Filtros) -> tuple[Any, ...]:
    """The columns the list is ordered by, newest first: the id; with a day filter, the
    moment accepted and then the id, so the index of that moment walks the days asked for
    (by id, a month a year back was reached through every newer note)."""
    c = notas.c
    return (c.accepted_at, c.id) if filtros.desde or filtros.ate else (c.id,)


def _posicao(chave: tuple[Any, ...], nota_id: int) -> tuple[Any, Any]:
    """A note's position in the list's order and the expression it is compared to."""
    if len(chave) == 1:
        return notas.c.id, nota_id
    marco = select(notas.c.accepted_at).where(notas.c.id == nota_id).scalar_subquery()
    return tuple_(*chave), tuple_(marco, nota_id)


def _antes_de(chave: tuple[Any, ...], nota_id: int) -> Any:
    """Notes after note ``nota_id`` in the list's order."""
    coluna, valor = _posicao(chave, nota_id)
    return coluna < valor


def buscar_notas(conn: Connection, filtros: Filtros, antes: int | None = None,
                 limite: int = PAGINA) -> Pagina:
    """Up to ``limite`` notes matching ``filtros``, newest first, after note ``antes`` in
    that order. With a text filter, among the next ``JANELA_TEXTO`` notes matching the
    others only: a page may then hold fewer than ``limite`` notes and still have a next
    one."""
    c = notas.c
    chave = _chave(filtros)
    ordem = [coluna.desc() for coluna in chave]
    onde = _condicoes(filtros)
    if antes is not None:
        onde.append(_antes_de(chave, antes))
    janela = examinadas = None
    if filtros.texto:
        lidas = select(*chave).where(*onde).order_by(*ordem).limit(JANELA_TEXTO).subquery()
        examinadas = conn.execute(select(func.count()).select_from(lidas)).scalar_one()
        ultima = conn.execute(select(lidas.c.id).order_by(
            *[lidas.c[coluna.name] for coluna in chave]).limit(1)).scalar()
        janela = ultima if examinadas == JANELA_TEXTO else None
        if ultima is not None:
            coluna, valor = _posicao(chave, ultima)
            onde.append(coluna >= valor)
        onde.append(_texto(filtros.texto))
    consulta = (select(c.id, c.empresa_id, c.ambiente, c.ref, c.status, c.provider,
                       c.cnpj_prestador, c.numero, c.chave_acesso, c.attempts, c.mensagem,
                       c.accepted_at, c.updated_at, empresas.c.nome.label("empresa"))
                .join(empresas, empresas.c.id == c.empresa_id)
                .where(*onde).order_by(*ordem).limit(limite))
    linhas = list(conn.execute(consulta))
    if len(linhas) == limite:
        return Pagina(linhas, linhas[-1].id, examinadas)
    return Pagina(linhas, janela, examinadas)


def contar_notas(conn: Connection, filtros: Filtros,
                 limite: int = LIMITE_CONTAGEM) -> int | None:
    """How many notes match, up to ``limite`` (``limite + 1`` means more than that); None
    with a text filter, whose count would read every note."""
    if filtros.texto:
        return None
    primeiras = select(notas.c.id).where(*_condicoes(filtros)).limit(limite + 1).subquery()
    return conn.execute(select(func.count()).select_from(primeiras)).scalar_one()


@dataclass(frozen=True)
class Detalhe:
    nota: Row
    historico: list[Row]
    artefatos: list[Row]
    """id, kind, media_type, created_at and size of each stored document (not the content)."""
    emails: list[Row]
    entregas: list[Row]
    """Webhook deliveries, with the hook's URL."""


def detalhe(conn: Connection, nota_id: int) -> Detalhe | None:
    nota = conn.execute(select(notas).where(notas.c.id == nota_id)).first()
    if nota is None:
        return None
    return Detalhe(
        nota=nota,
        historico=list(conn.execute(select(historico).where(historico.c.nota_id == nota_id)
                                    .order_by(historico.c.at, historico.c.id))),
        artefatos=list(conn.execute(
            select(artefatos.c.id, artefatos.c.kind, artefatos.c.media_type,
                   artefatos.c.created_at, func.length(artefatos.c.content).label("tamanho"))
            .where(artefatos.c.nota_id == nota_id).order_by(artefatos.c.id))),
        emails=list(conn.execute(select(emails).where(emails.c.nota_id == nota_id)
                                 .order_by(emails.c.id))),
        entregas=list(conn.execute(
            select(entregas.c.id, entregas.c.delivery, entregas.c.status, entregas.c.attempts,
                   entregas.c.erro, entregas.c.created_at, entregas.c.delivered_at,
                   hooks.c.url, hooks.c.event)
            .join(hooks, hooks.c.id == entregas.c.hook_id, isouter=True)
            .where(entregas.c.nota_id == nota_id).order_by(entregas.c.id))),
    )


def artefato(conn: Connection, nota_id: int, artefato_id: int) -> Row | None:
    return conn.execute(select(artefatos).where(artefatos.c.id == artefato_id,
                                                artefatos.c.nota_id == nota_id)).first()


def _contagem_por_status(status: str, limite: int) -> Any:
    """A company's notes of ``status``, up to ``limite + 1`` (its index read that far)."""
    primeiras = (select(notas.c.id).where(notas.c.empresa_id == empresas.c.id,
                                          notas.c.status == status)
                 .limit(limite + 1).correlate(empresas).subquery())
    return select(func.count()).select_from(primeiras).scalar_subquery().label(status)


def empresas_com_contagem(conn: Connection,
                          limite: int = LIMITE_CONTAGEM) -> list[dict[str, Any]]:
    """Every company (deleted ones too, marked) with its certificate, enablement and the
    count of its notes per status, up to ``limite`` each (``limite + 1``: more than that),
    as the note list counts: each count walks the company-and-status index at most that
    far, so the page costs the same at a million notes (a full count read them all).

    The queue's notes (processando) are counted in one pass over them, not per company:
    statistics taken before a burst of acceptances hold them rare, and the planner then
    read every queued note once per company through the status index (12 companies,
    13,000 notes queued: 8.4-8.8 ms a page, 15-22 ms on a new connection, against
    4.4-4.6 and 4.7-6.7)."""
    fila = Status.PROCESSANDO.value
    na_fila = dict(conn.execute(select(notas.c.empresa_id, func.count())
                                .where(notas.c.status == fila)
                                .group_by(notas.c.empresa_id)).all())
    outros = [s.value for s in Status if s.value != fila]
    linhas = conn.execute(select(empresas, *[_contagem_por_status(s, limite) for s in outros])
                          .order_by(empresas.c.id))
    resultado = []
    for row in linhas:
        contagem = {fila: min(na_fila.get(row.id, 0), limite + 1)}
        contagem |= {s: row._mapping[s] for s in outros}
        resultado.append({"empresa": row,
                          "notas": {s: q for s, q in contagem.items() if q}})
    return resultado


@dataclass(frozen=True)
class Saude:
    vencidas: int
    """Notes due now (processando_autorizacao, their time come, no live lease)."""
    processando: int
    emails_pendentes: int
    entregas_pendentes: int
    autoridades_fora: list[Row]
    workers: list[Row]


def saude(conn: Connection) -> Saude:
    agora = now()
    c = notas.c
    return Saude(
        vencidas=conn.execute(select(func.count()).select_from(notas).where(
            c.status == "processando_autorizacao", c.next_attempt_at <= agora,
            or_(c.lease_until.is_(None), c.lease_until < agora))).scalar_one(),
        processando=conn.execute(select(func.count()).select_from(notas).where(
            c.status == "processando_autorizacao")).scalar_one(),
        emails_pendentes=conn.execute(select(func.count()).select_from(emails).where(
            emails.c.status == PENDENTE)).scalar_one(),
        entregas_pendentes=conn.execute(select(func.count()).select_from(entregas).where(
            entregas.c.status == PENDENTE)).scalar_one(),
        autoridades_fora=list(conn.execute(select(autoridades).where(
            autoridades.c.fora_do_ar_ate > agora))),
        workers=list(conn.execute(select(workers).order_by(workers.c.heartbeat_at.desc()))),
    )


@dataclass(frozen=True)
class Medidas:
    """What ``/metrics`` reads from the database."""

    por_status: list[tuple[str, str, int]]
    """(status, ambiente, notes)"""
    vencidas: int
    """Notes processing whose next attempt is due."""
    vencida_desde: datetime | None
    """The oldest due attempt's time."""
    certificados: list[tuple[str, datetime]]
    """(CNPJ or CPF, certificate valid until) of every company not deleted."""


def medidas(conn: Connection, moment: datetime) -> Medidas:
    by_status = conn.execute(select(notas.c.status, notas.c.ambiente, func.count())
                             .group_by(notas.c.status, notas.c.ambiente)).all()
    due = conn.execute(select(func.count(), func.min(notas.c.next_attempt_at)).where(
        notas.c.status == Status.PROCESSANDO.value, notas.c.next_attempt_at <= moment)).one()
    certificados = conn.execute(select(
        empresas.c.cnpj, empresas.c.cpf, empresas.c.certificado_valido_ate).where(
        empresas.c.excluida_em.is_(None), empresas.c.certificado_valido_ate.isnot(None)
    )).all()
    return Medidas([(s, a, n) for s, a, n in by_status], due[0], aware(due[1]),
                   [(c.cnpj or c.cpf, aware(c.certificado_valido_ate)) for c in certificados])
