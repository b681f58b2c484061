"""RPS/DPS numbers: per company, environment and series, strictly increasing, never
repeated. Allocated inside the claiming transaction, so a note keeps its number across
retries."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, func, select, update

from nfse.store.db import por_motor
from nfse.store.tables import notas, numeracao

_CREATE = por_motor(lambda insert: insert(numeracao).values(proximo_numero=1)
                    .on_conflict_do_nothing())
_TAKE = (update(numeracao)
         .where(numeracao.c.empresa_id == bindparam("b_empresa_id"),
                numeracao.c.ambiente == bindparam("b_ambiente"),
                numeracao.c.serie == bindparam("b_serie"))
         .values(proximo_numero=numeracao.c.proximo_numero + bindparam("count"))
         .returning(numeracao.c.proximo_numero - bindparam("count")))


def allocate(conn: Connection, empresa_id: int, ambiente: str, serie: str, count: int = 1) -> int:
    """Take ``count`` consecutive numbers; return the first."""
    conn.execute(_CREATE[conn.dialect.name],
                 {"empresa_id": empresa_id, "ambiente": ambiente, "serie": serie})
    return conn.execute(_TAKE, {"b_empresa_id": empresa_id, "b_ambiente": ambiente,
                                "b_serie": serie, "count": count}).scalar_one()


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
    conn.execute(_CREATE[conn.dialect.name],
                 {"empresa_id": empresa_id, "ambiente": ambiente, "serie": serie})
    conn.execute(update(numeracao).where(
        numeracao.c.empresa_id == empresa_id, numeracao.c.ambiente == ambiente,
        numeracao.c.serie == serie).values(proximo_numero=numero))
