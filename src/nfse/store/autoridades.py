"""Which authorities are out of the air, as the workers' circuit breakers found them: a
worker marks an authority when its circuit opens and clears it on the first answer. A mark
expires by itself (``fora_do_ar_ate``), so a worker that dies with an open circuit does not
leave an authority down for ever; a worker whose circuit stays open renews it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from nfse.store.clock import now
from nfse.store.tables import autoridades


def marcar(conn: Connection, chave: str, ate: datetime) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(autoridades).values(chave=chave, fora_do_ar_ate=ate)
    conn.execute(stmt.on_conflict_do_update(index_elements=[autoridades.c.chave],
                                            set_={"fora_do_ar_ate": ate}))


def liberar(conn: Connection, chave: str) -> None:
    conn.execute(delete(autoridades).where(autoridades.c.chave == chave))


def fora_do_ar(conn: Connection) -> set[str]:
    """The authorities marked now."""
    return set(conn.execute(select(autoridades.c.chave).where(
        autoridades.c.fora_do_ar_ate > now())).scalars())
