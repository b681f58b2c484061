"""The shared counts of the request budgets (``api.ratelimit``), PostgreSQL only: each API
process adds what it counted since its last visit and reads back every process's total."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, delete, text

from nfse.store.tables import limites

_SOMAR = text(
    "INSERT INTO limites (chave, janela, contagem) "
    "SELECT * FROM unnest(CAST(:chaves AS varchar[]), CAST(:janelas AS integer[]), "
    "CAST(:contagens AS integer[])) "
    "ON CONFLICT (chave, janela) DO UPDATE SET contagem = limites.contagem + "
    "EXCLUDED.contagem RETURNING chave, janela, contagem"
).bindparams(bindparam("chaves"), bindparam("janelas"), bindparam("contagens"))


def somar(conn: Connection, contagens: dict[tuple[str, int], int]
          ) -> dict[tuple[str, int], int]:
    """Add ``contagens`` (per key and window) in one statement; every process's totals of
    those keys and windows."""
    if not contagens:
        return {}
    ordem = sorted(contagens)  # one lock order for every process: no deadlock between them
    linhas = conn.execute(_SOMAR, {"chaves": [c for c, _ in ordem],
                                   "janelas": [j for _, j in ordem],
                                   "contagens": [contagens[k] for k in ordem]})
    return {(chave, janela): contagem for chave, janela, contagem in linhas}


def esquecer(conn: Connection, antes_de: int) -> None:
    """Drop the windows that started before ``antes_de``."""
    conn.execute(delete(limites).where(limites.c.janela < antes_de))
