"""Received notes (the company as tomador or intermediário) and each company's walk of the
ADN's distribution.

A page of the distribution is applied in one transaction, guarded by the walk's lease: the
notes it adds or changes, each with the next ``versao`` of the company and ambiente, their
webhook deliveries, and the walk's last NSU. A worker killed in the middle of a page leaves
nothing of it; the next walk reads the page again from the last NSU kept, so no versao is
skipped or given twice and no document is lost."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, insert, select, update

from nfse.store import hooks, leases
from nfse.store.clock import now
from nfse.store.tables import entregas, recebidas, sincronizacoes

PENDENTE = "pendente"
EVENTO_HOOK = "nfse_recebida"


class LeasePerdido(Exception):
    """Another worker took the walk over: this page is not applied."""


@dataclass(frozen=True)
class Mudanca:
    """A received note as a page left it."""

    chave: str
    versao: int
    status: str
    dados: dict[str, Any]


def ativar(conn: Connection, empresa_id: int, ambiente: str, agora: bool) -> None:
    """Start walking the company's distribution in ``ambiente`` (at its first request for
    received notes); ``agora`` brings its next walk forward to now."""
    existe = conn.execute(select(sincronizacoes.c.id).where(
        sincronizacoes.c.empresa_id == empresa_id,
        sincronizacoes.c.ambiente == ambiente)).scalar_one_or_none()
    momento = now()
    if existe is None:
        conn.execute(insert(sincronizacoes).values(
            empresa_id=empresa_id, ambiente=ambiente, ultimo_nsu=0, versao=0, status=PENDENTE,
            attempts=0, next_attempt_at=momento, created_at=momento))
    elif agora:
        conn.execute(update(sincronizacoes).where(sincronizacoes.c.id == existe)
                     .values(next_attempt_at=momento))


def claim(engine: Engine, owner: str, batch: int, lease: timedelta) -> list[Row]:
    with engine.begin() as conn:
        return leases.claim(conn, sincronizacoes, PENDENTE, owner, batch, lease,
                            sincronizacoes.c.empresa_id, sincronizacoes.c.ambiente,
                            sincronizacoes.c.ultimo_nsu, sincronizacoes.c.consultado_ate,
                            sincronizacoes.c.attempts)


def aplicar(conn: Connection, sincronizacao_id: int, owner: str, ultimo_nsu: int,
            novas: list[tuple[dict[str, Any], bytes, int]], canceladas: list[tuple[str, bytes]],
            corpo: Callable[[Mudanca], str],
            consultado_ate: datetime | None = None) -> list[Mudanca]:
    """Apply one page: ``novas`` (fields, XML and NSU of each NFS-e received), ``canceladas`` (key
    and XML of each cancellation event), in the page's order; ``corpo`` renders a change as
    its webhook body; ``consultado_ate``: how far the municipal system was read (ABRASF).
    Raises ``LeasePerdido`` (the caller rolls back) when the walk is no
    longer ``owner``'s."""
    walk = conn.execute(select(sincronizacoes).where(
        sincronizacoes.c.id == sincronizacao_id,
        sincronizacoes.c.lease_owner == owner).with_for_update()).first()
    if walk is None:
        raise LeasePerdido(str(sincronizacao_id))
    versao = walk.versao
    momento = now()
    mudancas: list[Mudanca] = []
    dono = (recebidas.c.empresa_id == walk.empresa_id) & (recebidas.c.ambiente == walk.ambiente)
    for dados, xml, nsu in novas:
        if conn.execute(select(recebidas.c.id).where(
                dono, recebidas.c.chave == dados["chave"])).first() is not None:
            continue  # read again after a walk that stopped short of its NSU: unchanged
        versao += 1
        conn.execute(insert(recebidas).values(
            empresa_id=walk.empresa_id, ambiente=walk.ambiente, chave=dados["chave"],
            versao=versao, status="autorizado", nsu=nsu,
            dados=json.dumps(dados), xml=gzip.compress(xml),
            atualizado_em=momento))
        mudancas.append(Mudanca(dados["chave"], versao, "autorizado", dados))
    for chave, xml in canceladas:
        row = conn.execute(select(recebidas.c.id, recebidas.c.status, recebidas.c.dados)
                           .where(dono, recebidas.c.chave == chave)).first()
        if row is None or row.status == "cancelado":
            continue  # an event of a note not received (e.g. one the company issued)
        versao += 1
        conn.execute(update(recebidas).where(recebidas.c.id == row.id).values(
            status="cancelado", versao=versao, xml_evento=gzip.compress(xml),
            atualizado_em=momento))
        mudancas.append(Mudanca(chave, versao, "cancelado", json.loads(row.dados)))
    valores: dict[str, Any] = {"ultimo_nsu": max(ultimo_nsu, walk.ultimo_nsu), "versao": versao}
    if consultado_ate is not None:
        valores["consultado_ate"] = consultado_ate
    conn.execute(update(sincronizacoes).where(sincronizacoes.c.id == sincronizacao_id)
                 .values(**valores))
    _enfileirar_hooks(conn, walk.empresa_id, walk.ambiente, [corpo(m) for m in mudancas])
    return mudancas


def _enfileirar_hooks(conn: Connection, empresa_id: int, ambiente: str,
                      corpos: list[str]) -> None:
    if not corpos:
        return
    alvos = hooks.da_empresa(conn, empresa_id, ambiente, EVENTO_HOOK)
    momento = now()
    linhas = [{"hook_id": hook_id, "empresa_id": empresa_id, "delivery": str(uuid.uuid4()),
               "body": corpo, "status": PENDENTE, "attempts": 0, "next_attempt_at": momento,
               "created_at": momento} for corpo in corpos for hook_id in alvos]
    if linhas:
        conn.execute(insert(entregas), linhas)


def agendar(engine: Engine, sincronizacao_id: int, owner: str, depois: float,
            erro: str | None, attempts: int) -> None:
    """Release the walk until ``depois`` seconds from now, with the error of this walk (or
    None) and its count of consecutive failures."""
    with engine.begin() as conn:
        conn.execute(update(sincronizacoes).where(
            sincronizacoes.c.id == sincronizacao_id, sincronizacoes.c.lease_owner == owner)
            .values(next_attempt_at=now() + timedelta(seconds=depois), erro=erro,
                    attempts=attempts, lease_until=None, lease_owner=None))


def listar(conn: Connection, empresa_id: int, ambiente: str, versao: int,
           limite: int) -> tuple[list[Row], int]:
    """The received notes after ``versao``, ascending, at most ``limite``; and how many there
    are after ``versao`` in all."""
    filtro = (recebidas.c.empresa_id == empresa_id, recebidas.c.ambiente == ambiente,
              recebidas.c.versao > versao)
    rows = conn.execute(select(recebidas).where(*filtro).order_by(recebidas.c.versao)
                        .limit(limite)).all()
    total = conn.execute(select(func.count()).select_from(recebidas).where(*filtro)).scalar_one()
    return list(rows), total


def obter(conn: Connection, empresa_id: int, ambiente: str, chave: str) -> Row | None:
    return conn.execute(select(recebidas).where(
        recebidas.c.empresa_id == empresa_id, recebidas.c.ambiente == ambiente,
        recebidas.c.chave == chave)).first()


def situacao(conn: Connection, empresa_id: int, ambiente: str) -> Row | None:
    """Where the company's walk stands (last NSU, next walk, last error)."""
    return conn.execute(select(sincronizacoes).where(
        sincronizacoes.c.empresa_id == empresa_id,
        sincronizacoes.c.ambiente == ambiente)).first()
