"""The ADN's distribution to taxpayers (``GET {adn}/contribuintes/DFe/{NSU}``, fact sheet
§2.8), as the sandbox plays it: every NFS-e it issues and every event it registers gets the
next NSU (SQLite triggers on the Sefin's own table, so no code path can forget one), and each
party of the note — prestador, tomador, intermediário — reads the documents after an NSU, in
ascending order, 50 at a time. A test can also inject NFS-e "issued" by prestadores the
sandbox never saw (``injetar``).

Answers: ``DOCUMENTOS_LOCALIZADOS`` with ``LoteDFe`` (PascalCase, ``ArquivoXml`` gzip+base64);
``NENHUM_DOCUMENTO_LOCALIZADO`` as a 404 with that JSON body; a ``cnpjConsulta`` whose root
(8 digits) is not the certificate's is a ``REJEICAO``. The ADN's own error codes are not
published (manual v1.0), so the sandbox's ``Erros`` carry codes of its own, ``SBX-…``."""

from __future__ import annotations

import base64
import gzip
from datetime import datetime
from typing import Any

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.sandbox.nacional.state import Estado

NS = {"n": "http://www.sped.fazenda.gov.br/nfse"}
LOTE = 50
Answer = tuple[int, dict[str, Any] | None]

SCHEMA = """
CREATE TABLE IF NOT EXISTS dfe (
    nsu INTEGER PRIMARY KEY AUTOINCREMENT, chave TEXT NOT NULL, tipo TEXT NOT NULL,
    tipo_evento TEXT, xml BLOB NOT NULL, partes TEXT, gerado_em TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS dfe_nfse AFTER INSERT ON notas BEGIN
    INSERT INTO dfe (chave, tipo, xml, gerado_em)
    VALUES (new.chave, 'NFSE', new.xml, strftime('%Y-%m-%dT%H:%M:%S', 'now'));
END;
CREATE TRIGGER IF NOT EXISTS dfe_evento AFTER UPDATE OF cancelada ON notas
WHEN new.cancelada = 1 AND old.cancelada = 0 BEGIN
    INSERT INTO dfe (chave, tipo, tipo_evento, xml, gerado_em)
    VALUES (new.chave, 'EVENTO', 'CANCELAMENTO', coalesce(new.evento, x''),
            strftime('%Y-%m-%dT%H:%M:%S', 'now'));
END;
"""


def _partes_nfse(xml: bytes) -> set[str]:
    """The CNPJ/CPF of the prestador, tomador and intermediário of an NFS-e."""
    raiz = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    partes = set()
    for caminho in ("n:infNFSe/n:emit", "n:infNFSe/n:DPS/n:infDPS/n:prest",
                    "n:infNFSe/n:DPS/n:infDPS/n:toma", "n:infNFSe/n:DPS/n:infDPS/n:interm"):
        for no in raiz.iterfind(caminho, NS):
            documento = no.findtext("n:CNPJ", namespaces=NS) or no.findtext("n:CPF",
                                                                          namespaces=NS)
            if documento:
                partes.add(documento)
    return partes


class Distribuicao:
    def __init__(self, estado: Estado):
        self.estado = estado
        with estado.lock:
            estado._db.executescript(SCHEMA)

    def injetar(self, chave: str, xml: bytes) -> int:
        """An NFS-e issued elsewhere (another prestador, another municipality's system),
        distributed as if the Sefin had issued it; its NSU."""
        with self.estado.lock:
            return self.estado._db.execute(
                "INSERT INTO dfe (chave, tipo, xml, gerado_em) VALUES (?, 'NFSE', ?, ?) "
                "RETURNING nsu", (chave, xml, datetime.now(SAO_PAULO).isoformat(
                    timespec="seconds"))).fetchone()[0]

    def _partes(self, chave: str) -> set[str]:
        """The parties of the note of ``chave``: from its NFS-e document (events carry only
        the author)."""
        with self.estado.lock:
            row = self.estado._db.execute(
                "SELECT xml FROM dfe WHERE chave = ? AND tipo = 'NFSE' ORDER BY nsu LIMIT 1",
                (chave,)).fetchone()
        return _partes_nfse(row[0]) if row else set()

    def consultar(self, nsu: str, cnpj_consulta: str | None, chamador: str | None) -> Answer:
        if not nsu.isdigit():
            return self._rejeicao("SBX-NSU", "NSU inválido")
        if chamador is None:
            return self._rejeicao("SBX-CERTIFICADO", "Certificado de cliente ausente", 403)
        consulta = cnpj_consulta or chamador
        if consulta[:8] != chamador[:8]:
            return self._rejeicao("SBX-RAIZ", "CNPJ consultado não pertence à raiz do certificado")
        with self.estado.lock:
            rows = self.estado._db.execute(
                "SELECT nsu, chave, tipo, tipo_evento, xml, gerado_em FROM dfe WHERE nsu > ? "
                "ORDER BY nsu", (int(nsu),)).fetchall()
        lote = []
        partes: dict[str, set[str]] = {}
        for numero, chave, tipo, tipo_evento, xml, gerado_em in rows:
            if chave not in partes:
                partes[chave] = self._partes(chave)
            if consulta not in partes[chave]:
                continue
            item = {"NSU": numero, "ChaveAcesso": chave, "TipoDocumento": tipo,
                    "ArquivoXml": base64.b64encode(gzip.compress(xml)).decode(),
                    "DataHoraGeracao": gerado_em}
            if tipo_evento:
                item["TipoEvento"] = tipo_evento
            lote.append(item)
            if len(lote) == LOTE:
                break
        if not lote:
            return 404, self._envelope("NENHUM_DOCUMENTO_LOCALIZADO", [])
        return 200, self._envelope("DOCUMENTOS_LOCALIZADOS", lote)

    @staticmethod
    def _envelope(status: str, lote: list[dict[str, Any]],
                  erros: list[dict[str, str]] | None = None) -> dict[str, Any]:
        return {"StatusProcessamento": status, "LoteDFe": lote, "Alertas": [],
                "Erros": erros or [], "TipoAmbiente": "HOMOLOGACAO",
                "VersaoAplicativo": "ADN_Contribuintes_sandbox",
                "DataHoraProcessamento": datetime.now(SAO_PAULO).isoformat()}

    def _rejeicao(self, codigo: str, descricao: str, status: int = 400) -> Answer:
        return status, self._envelope("REJEICAO", [], [
            {"Codigo": codigo, "Descricao": descricao, "Complemento": None}])
