"""RPS/DPS numbers: per company, environment and series, strictly increasing, never
repeated. Allocated inside the claiming transaction, so a note keeps its number across
retries."""

from __future__ import annotations

from sqlalchemy import Connection, update
from sqlalchemy.dialects import postgresql, sqlite

from nfse.store.tables import numeracao


def allocate(conn: Connection, empresa_id: int, ambiente: str, serie: str) -> int:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(numeracao)
        .values(empresa_id=empresa_id, ambiente=ambiente, serie=serie, proximo_numero=1)
        .on_conflict_do_nothing()
    )
    return conn.execute(
        update(numeracao)
        .where(numeracao.c.empresa_id == empresa_id, numeracao.c.ambiente == ambiente,
               numeracao.c.serie == serie)
        .values(proximo_numero=numeracao.c.proximo_numero + 1)
        .returning(numeracao.c.proximo_numero - 1)
    ).scalar_one()
