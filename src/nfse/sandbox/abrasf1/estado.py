"""What the ABRASF 1.0 sandbox remembers, in a SQLite file of its own: the lots received
(waiting, then processed into notes or messages) and the notes issued (the signed ``Nfse`` and,
later, its ``NfseCancelamento``), numbered per prestador. Every change that must be atomic
runs in one ``transacao``: an RPS never becomes two notes."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from nfse.sandbox.estado import EstadoSqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS lotes (
    protocolo TEXT PRIMARY KEY,
    prestador TEXT NOT NULL,
    numero_lote TEXT NOT NULL,
    recebido TEXT NOT NULL,
    documento BLOB NOT NULL,
    consultas INTEGER NOT NULL DEFAULT 0,
    situacao TEXT NOT NULL DEFAULT '2',
    numeros TEXT,
    erros TEXT
);
CREATE TABLE IF NOT EXISTS notas (
    prestador TEXT NOT NULL,
    numero INTEGER NOT NULL,
    codigo_verificacao TEXT NOT NULL,
    rps_numero TEXT NOT NULL,
    rps_serie TEXT NOT NULL,
    rps_tipo TEXT NOT NULL,
    protocolo TEXT NOT NULL,
    valor_servicos TEXT NOT NULL,
    data_emissao TEXT NOT NULL,
    nfse BLOB NOT NULL,
    cancelamento BLOB,
    PRIMARY KEY (prestador, numero),
    UNIQUE (prestador, rps_numero, rps_serie, rps_tipo)
);
"""


class Estado(EstadoSqlite):
    def __init__(self, path: Path):
        super().__init__(path, SCHEMA)
        self._db.row_factory = sqlite3.Row

    def _um(self, sql: str, *args: Any) -> dict[str, Any] | None:
        with self.lock:
            row = self._db.execute(sql, args).fetchone()
        return dict(row) if row is not None else None

    def _todos(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(row) for row in self._db.execute(sql, args).fetchall()]

    def receber(self, protocolo: str, prestador: str, numero_lote: str, recebido: str,
                documento: bytes) -> None:
        with self.lock:
            self._db.execute("INSERT INTO lotes (protocolo, prestador, numero_lote, recebido, "
                             "documento) VALUES (?, ?, ?, ?, ?)",
                             (protocolo, prestador, numero_lote, recebido, documento))

    def lote(self, protocolo: str) -> dict[str, Any] | None:
        return self._um("SELECT * FROM lotes WHERE protocolo = ?", protocolo)

    def lotes(self) -> list[dict[str, Any]]:
        return self._todos("SELECT protocolo, prestador, numero_lote, situacao, consultas "
                           "FROM lotes ORDER BY recebido, protocolo")

    def pendentes(self) -> list[dict[str, Any]]:
        return self._todos("SELECT * FROM lotes WHERE situacao IN ('1', '2') "
                           "ORDER BY recebido, protocolo")

    def consultado(self, protocolo: str) -> None:
        with self.lock:
            self._db.execute("UPDATE lotes SET consultas = consultas + 1 WHERE protocolo = ?",
                             (protocolo,))

    def processado(self, protocolo: str, situacao: str, numeros: str | None,
                   erros: str | None) -> None:
        with self.lock:
            self._db.execute("UPDATE lotes SET situacao = ?, numeros = ?, erros = ? "
                             "WHERE protocolo = ?", (situacao, numeros, erros, protocolo))

    def registrar(self, **nota: Any) -> None:
        with self.lock:
            self._db.execute(
                "INSERT INTO notas (prestador, numero, codigo_verificacao, rps_numero, "
                "rps_serie, rps_tipo, protocolo, valor_servicos, data_emissao, nfse) VALUES "
                "(:prestador, :numero, :codigo_verificacao, :rps_numero, :rps_serie, "
                ":rps_tipo, :protocolo, :valor_servicos, :data_emissao, :nfse)", nota)

    def por_rps(self, prestador: str, numero: str, serie: str,
                tipo: str) -> dict[str, Any] | None:
        return self._um("SELECT * FROM notas WHERE prestador = ? AND rps_numero = ? AND "
                        "rps_serie = ? AND rps_tipo = ?", prestador, numero, serie, tipo)

    def por_numero(self, prestador: str, numero: int) -> dict[str, Any] | None:
        return self._um("SELECT * FROM notas WHERE prestador = ? AND numero = ?",
                        prestador, numero)

    def cancelar(self, prestador: str, numero: int, cancelamento: bytes) -> None:
        with self.lock:
            self._db.execute("UPDATE notas SET cancelamento = ? WHERE prestador = ? AND "
                             "numero = ?", (cancelamento, prestador, numero))

    def notas(self) -> list[dict[str, Any]]:
        return self._todos("SELECT * FROM notas ORDER BY prestador, numero")
