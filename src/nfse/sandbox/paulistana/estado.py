"""What the Paulistana sandbox remembers (SQLite, WAL): every NFS-e it issued with the RPS
it came from, numbered per prestador (IM); an RPS (IM + série + número) becomes at most one
note; and the notes of each lot ``EnvioLoteRPS`` issued, numbered per prestador."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from nfse.sandbox.estado import EstadoSqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS notas (
    inscricao TEXT NOT NULL,
    numero INTEGER NOT NULL,
    codigo_verificacao TEXT NOT NULL,
    serie TEXT NOT NULL,
    rps_numero INTEGER NOT NULL,
    remetente TEXT NOT NULL,
    razao_social TEXT NOT NULL,
    emitida_em TEXT NOT NULL,
    cancelada_em TEXT,
    rps BLOB NOT NULL,
    PRIMARY KEY (inscricao, numero),
    UNIQUE (inscricao, serie, rps_numero)
);
CREATE TABLE IF NOT EXISTS lotes (
    remetente TEXT NOT NULL,
    lote INTEGER NOT NULL,
    inscricao TEXT NOT NULL,
    numero INTEGER NOT NULL,
    PRIMARY KEY (remetente, lote, inscricao, numero)
);
"""


class Estado(EstadoSqlite):
    def __init__(self, path: Path):
        super().__init__(path, SCHEMA)
        self._db.row_factory = sqlite3.Row

    def registrar(self, **nota: Any) -> None:
        self._db.execute(
            "INSERT INTO notas (inscricao, numero, codigo_verificacao, serie, rps_numero, "
            "remetente, razao_social, emitida_em, rps) VALUES (:inscricao, :numero, "
            ":codigo_verificacao, :serie, :rps_numero, :remetente, :razao_social, "
            ":emitida_em, :rps)", nota)

    def por_rps(self, inscricao: str, serie: str, numero: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM notas WHERE inscricao = ? AND serie = ? AND "
                         "rps_numero = ?", inscricao, serie, numero)

    def por_numero(self, inscricao: str, numero: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM notas WHERE inscricao = ? AND numero = ?",
                         inscricao, numero)

    def cancelar(self, inscricao: str, numero: int, quando: str) -> None:
        with self.lock:
            self._db.execute("UPDATE notas SET cancelada_em = ? WHERE inscricao = ? AND "
                             "numero = ?", (quando, inscricao, numero))

    def registrar_lote(self, remetente: str, lote: int, notas: list[dict[str, Any]]) -> None:
        with self.lock:
            self._db.executemany("INSERT OR IGNORE INTO lotes VALUES (?, ?, ?, ?)",
                                 [(remetente, lote, n["inscricao"], n["numero"])
                                  for n in notas])

    def do_lote(self, remetente: str, lote: int) -> list[dict[str, Any]]:
        with self.lock:
            rows = self._db.execute(
                "SELECT notas.* FROM lotes JOIN notas USING (inscricao, numero) WHERE "
                "lotes.remetente = ? AND lote = ? ORDER BY numero", (remetente, lote)).fetchall()
        return [dict(row) for row in rows]

    def notas(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = self._db.execute("SELECT * FROM notas ORDER BY inscricao, numero").fetchall()
        return [dict(row) for row in rows]

    def _one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        with self.lock:
            row = self._db.execute(sql, args).fetchone()
        return dict(row) if row is not None else None
