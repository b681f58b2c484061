"""What the sandbox remembers, in a SQLite file of its own so a restarted demo still knows
which DPS already became a note (the E0014 rule)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from nfse.sandbox.estado import EstadoSqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS notas (
    chave TEXT PRIMARY KEY, id_dps TEXT UNIQUE NOT NULL, inscricao TEXT NOT NULL,
    serie TEXT NOT NULL, ndps TEXT NOT NULL, numero INTEGER NOT NULL, xml BLOB NOT NULL,
    evento BLOB, cancelada INTEGER NOT NULL DEFAULT 0
);
"""


class Estado(EstadoSqlite):
    def __init__(self, path: Path):
        super().__init__(path, SCHEMA)

    def registrar(self, **nota: Any) -> None:
        with self.lock:
            self._db.execute(
                "INSERT INTO notas (chave, id_dps, inscricao, serie, ndps, numero, xml) "
                "VALUES (:chave, :id_dps, :inscricao, :serie, :ndps, :numero, :xml)", nota)

    def por_dps(self, id_dps: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM notas WHERE id_dps = ?", id_dps)

    def por_chave(self, chave: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM notas WHERE chave = ?", chave)

    def cancelar(self, chave: str, evento: bytes) -> None:
        with self.lock:
            self._db.execute("UPDATE notas SET cancelada = 1, evento = ? WHERE chave = ?",
                             (evento, chave))

    def emitidas(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = self._db.execute(
                "SELECT chave, id_dps, inscricao, serie, ndps, numero, cancelada FROM notas "
                "ORDER BY numero").fetchall()
        return [{"chaveAcesso": r[0], "idDps": r[1], "cnpj": r[2], "serie": r[3], "nDPS": r[4],
                 "numero": r[5], "cancelada": bool(r[6])} for r in rows]

    def _one(self, sql: str, arg: str) -> sqlite3.Row | None:
        with self.lock:
            cur = self._db.execute(sql, (arg,))
            row = cur.fetchone()
            if row is None:
                return None
            return dict(zip([c[0] for c in cur.description], row, strict=True))

