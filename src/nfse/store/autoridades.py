"""Which authorities are out of the air, as the workers' circuit breakers found them: a
worker marks an authority when its circuit opens and clears it on the first answer. A mark
expires by itself (``fora_do_ar_ate``), so a worker that dies with an open circuit does not
leave an authority down for ever; a worker whose circuit stays open renews it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, select

from nfse.store.clock import now
from nfse.store.db import por_motor
from nfse.store.tables import autoridades


def _marcar(stmt):  # noqa: ANN001, ANN202
    """An upsert: the row's fora_do_ar_ate replaced when its chave exists."""
    return stmt.on_conflict_do_update(index_elements=[autoridades.c.chave],
                                      set_={"fora_do_ar_ate": stmt.excluded.fora_do_ar_ate})


_MARCAR = por_motor(lambda insert: _marcar(insert(autoridades)))


def marcar(conn: Connection, chave: str, ate: datetime) -> None:
    conn.execute(_MARCAR[conn.dialect.name], {"chave": chave, "fora_do_ar_ate": ate})


def liberar(conn: Connection, chave: str) -> None:
    conn.execute(delete(autoridades).where(autoridades.c.chave == chave))


def fora_do_ar(conn: Connection) -> set[str]:
    """The authorities marked now."""
    return set(conn.execute(select(autoridades.c.chave).where(
        autoridades.c.fora_do_ar_ate > now())).scalars())
