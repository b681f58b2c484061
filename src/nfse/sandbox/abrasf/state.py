"""What the ABRASF sandbox remembers, in a SQLite file of its own (WAL): the notes it issued
(the signed ``Nfse`` plus, later, its ``NfseCancelamento`` or ``NfseSubstituicao``), the
numbering per prestador and the lots received asynchronously.

One connection behind one lock: every change that must be atomic (number + note; the new
note + the substituted one) runs in one ``BEGIN IMMEDIATE`` transaction, so a number is never
given twice and an RPS is never turned into two notes, whatever the number of threads."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nfse.sandbox.estado import EstadoSqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS notas (
    prestador TEXT NOT NULL,
    numero INTEGER NOT NULL,
    codigo_verificacao TEXT NOT NULL,
    rps_numero TEXT NOT NULL,
    rps_serie TEXT NOT NULL,
    rps_tipo TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'autorizada',
    valor_servicos TEXT NOT NULL,
    data_emissao TEXT NOT NULL,
    nfse BLOB NOT NULL,
    cancelamento BLOB,
    substituicao BLOB,
    substituida_por INTEGER,
    PRIMARY KEY (prestador, numero),
    UNIQUE (prestador, rps_numero, rps_serie, rps_tipo)
);
CREATE TABLE IF NOT EXISTS lotes (
    protocolo TEXT PRIMARY KEY,
    prestador TEXT NOT NULL,
    numero_lote TEXT NOT NULL,
    recebido TEXT NOT NULL,
    situacao INTEGER NOT NULL,
    numeros TEXT,
    erros BLOB
);
"""

AUTORIZADA, CANCELADA, SUBSTITUIDA = "autorizada", "cancelada", "substituida"


class Estado(EstadoSqlite):
    def __init__(self, path: Path):
        super().__init__(path, SCHEMA)
        self._db.row_factory = sqlite3.Row
        self._depth = 0

    @contextmanager
    def transacao(self) -> Iterator[None]:
        """One atomic change (nested uses join the outer transaction)."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    def registrar(self, **nota: Any) -> None:
        with self.lock:
            self._db.execute(
                "INSERT INTO notas (prestador, numero, codigo_verificacao, rps_numero, "
                "rps_serie, rps_tipo, valor_servicos, data_emissao, nfse) VALUES (:prestador, "
                ":numero, :codigo_verificacao, :rps_numero, :rps_serie, :rps_tipo, "
                ":valor_servicos, :data_emissao, :nfse)", nota)

    def por_rps(self, prestador: str, numero: str, serie: str,
                tipo: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM notas WHERE prestador = ? AND rps_numero = ? AND "
                         "rps_serie = ? AND rps_tipo = ?", prestador, numero, serie, tipo)

    def por_numero(self, prestador: str, numero: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM notas WHERE prestador = ? AND numero = ?",
                         prestador, numero)

    def cancelar(self, prestador: str, numero: int, cancelamento: bytes) -> None:
        with self.lock:
            self._db.execute("UPDATE notas SET status = ?, cancelamento = ? "
                             "WHERE prestador = ? AND numero = ?",
                             (CANCELADA, cancelamento, prestador, numero))

    def substituir(self, prestador: str, numero: int, substituicao: bytes,
                   substituta: int) -> None:
        with self.lock:
            self._db.execute("UPDATE notas SET status = ?, substituicao = ?, "
                             "substituida_por = ? WHERE prestador = ? AND numero = ?",
                             (SUBSTITUIDA, substituicao, substituta, prestador, numero))

    def registrar_lote(self, **lote: Any) -> None:
        with self.lock:
            self._db.execute(
                "INSERT INTO lotes (protocolo, prestador, numero_lote, recebido, situacao, "
                "numeros, erros) VALUES (:protocolo, :prestador, :numero_lote, :recebido, "
                ":situacao, :numeros, :erros)", lote)

    def lote(self, protocolo: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM lotes WHERE protocolo = ?", protocolo)

    def notas(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = self._db.execute("SELECT * FROM notas ORDER BY prestador, numero").fetchall()
        return [dict(row) for row in rows]

    def _one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        with self.lock:
            row = self._db.execute(sql, args).fetchone()
        return dict(row) if row is not None else None

