"""What the IPM sandbox remembers (SQLite, WAL): every NFS-e it issued, numbered per city (TOM
code) and prestador, with the RPS and the ``identificador`` it came from; an identificador
becomes at most one note."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from nfse.sandbox.estado import EstadoSqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS notas (
    cidade TEXT NOT NULL,
    cpfcnpj TEXT NOT NULL,
    numero INTEGER NOT NULL,
    serie TEXT NOT NULL,
    codigo TEXT NOT NULL,
    identificador TEXT,
    rps_serie TEXT,
    rps_numero TEXT,
    emitida_em TEXT NOT NULL,
    cancelada_em TEXT,
    motivo_cancelamento TEXT,
    documento BLOB NOT NULL,
    PRIMARY KEY (cidade, cpfcnpj, serie, numero),
    UNIQUE (cidade, cpfcnpj, identificador)
);
"""


class Estado(EstadoSqlite):
    def __init__(self, path: Path):
        super().__init__(path, SCHEMA)
        self._db.row_factory = sqlite3.Row

    def registrar(self, **nota: Any) -> None:
        self._db.execute(
            "INSERT INTO notas (cidade, cpfcnpj, numero, serie, codigo, identificador, "
            "rps_serie, rps_numero, emitida_em, documento) VALUES (:cidade, :cpfcnpj, "
            ":numero, :serie, :codigo, :identificador, :rps_serie, :rps_numero, :emitida_em, "
            ":documento)", nota)

    def por_identificador(self, cidade: str, cpfcnpj: str,
                          identificador: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM notas WHERE cidade = ? AND cpfcnpj = ? AND "
                         "identificador = ?", cidade, cpfcnpj, identificador)

    def por_rps(self, cidade: str, cpfcnpj: str, serie: str,
                numero: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM notas WHERE cidade = ? AND cpfcnpj = ? AND "
                         "rps_serie = ? AND rps_numero = ?", cidade, cpfcnpj, serie, numero)

    def por_numero(self, cidade: str, cpfcnpj: str, serie: str,
                   numero: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM notas WHERE cidade = ? AND cpfcnpj = ? AND "
                         "serie = ? AND numero = ?", cidade, cpfcnpj, serie, numero)

    def cancelar(self, cidade: str, cpfcnpj: str, serie: str, numero: int, quando: str,
                 motivo: str) -> None:
        with self.lock:
            self._db.execute("UPDATE notas SET cancelada_em = ?, motivo_cancelamento = ? "
                             "WHERE cidade = ? AND cpfcnpj = ? AND serie = ? AND numero = ?",
                             (quando, motivo, cidade, cpfcnpj, serie, numero))

    def notas(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = self._db.execute("SELECT * FROM notas ORDER BY cidade, cpfcnpj, numero"
                                    ).fetchall()
        return [dict(row) for row in rows]

    def _one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        with self.lock:
            row = self._db.execute(sql, args).fetchone()
        return dict(row) if row is not None else None
