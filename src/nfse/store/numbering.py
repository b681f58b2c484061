"""RPS/DPS numbers: per company, environment and series, strictly increasing, never
repeated. Allocated inside the claiming transaction, so a note keeps its number across
retries."""

from __future__ import annotations

from sqlalchemy import Connection, Integer, bindparam, func, select

from nfse.store.db import por_motor
from nfse.store.tables import notas, numeracao

_COUNT = bindparam("count", type_=Integer)
_TAKE = por_motor(lambda insert: (
    insert(numeracao)
    .values(empresa_id=bindparam("b_empresa_id"), ambiente=bindparam("b_ambiente"),
            serie=bindparam("b_serie"), proximo_numero=1 + _COUNT)
    .on_conflict_do_update(
        index_elements=[numeracao.c.empresa_id, numeracao.c.ambiente, numeracao.c.serie],
        set_={"proximo_numero": numeracao.c.proximo_numero + _COUNT})
    .returning(numeracao.c.proximo_numero - _COUNT)))
"""The series' first use creates its counter: one upsert, one round trip (the claim's
numbering was an insert that skipped an existing counter, then an update)."""
_SET = por_motor(lambda insert: (
    insert(numeracao).on_conflict_do_update(
        index_elements=[numeracao.c.empresa_id, numeracao.c.ambiente, numeracao.c.serie],
        set_={"proximo_numero": insert(numeracao).excluded.proximo_numero})))
"""The series' next number set, its counter created when it has none."""


def allocate(conn: Connection, empresa_id: int, ambiente: str, serie: str, count: int = 1) -> int:
    """Take ``count`` consecutive numbers; return the first."""
    return conn.execute(_TAKE[conn.dialect.name], {
        "b_empresa_id": empresa_id, "b_ambiente": ambiente, "b_serie": serie,
        "count": count}).scalar_one()


class NumeroUsado(ValueError):
    """A next number at or below one already given to a note."""

    def __init__(self, maior: int):
        super().__init__(maior)
        self.maior = maior


def proximo(conn: Connection, empresa_id: int, ambiente: str, serie: str) -> int:
    found = conn.execute(select(numeracao.c.proximo_numero).where(
        numeracao.c.empresa_id == empresa_id, numeracao.c.ambiente == ambiente,
        numeracao.c.serie == serie)).scalar()
    return found or 1


def definir_proximo(conn: Connection, empresa_id: int, ambiente: str, serie: str,
                    numero: int) -> None:
    """Set the next number of a series; never at or below a number a note already has
    (numbers are never repeated)."""
    maior = conn.execute(select(func.max(notas.c.numero_rps)).where(
        notas.c.empresa_id == empresa_id, notas.c.ambiente == ambiente,
        notas.c.serie_rps == serie)).scalar()
    if maior is not None and numero <= maior:
        raise NumeroUsado(maior)
    conn.execute(_SET[conn.dialect.name], {"empresa_id": empresa_id, "ambiente": ambiente,
                                           "serie": serie, "proximo_numero": numero})
