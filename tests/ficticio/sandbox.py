"""The sandbox of the Sistema Fictício: an HTTPS server over mutual TLS (the project's
sandbox plumbing) that issues a note per RPS, finds it by its RPS, cancels it, refuses an
RPS of a prestador other than the certificate's, and keeps what it issued in memory."""

from __future__ import annotations

import json
import secrets
import threading
from pathlib import Path
from typing import Any

from nfse.sandbox.https import HttpsSandbox, SandboxHandler

JSON = "application/json; charset=utf-8"


def _xml(nota: dict[str, Any]) -> str:
    return (f'<NotaFicticia numero="{nota["numero"]}" codigo="{nota["codigo_verificacao"]}" '
            f'status="{nota["status"]}"><Rps serie="{nota["serie"]}" '
            f'numero="{nota["rps"]}"/></NotaFicticia>')


class _Handler(SandboxHandler):
    server: Any

    def _json(self, status: int, body: dict[str, Any]) -> None:
        self._send(status, json.dumps(body).encode(), JSON)

    def do_GET(self) -> None:  # noqa: N802
        partes = self.partes()
        if partes == ["_sandbox", "emitidas"]:
            self.emitidas()
        elif len(partes) == 4 and partes[0] == "rps":
            nota = self.server.sandbox.por_rps(partes[1], partes[2], int(partes[3]))
            if nota is None:
                self._json(404, {"mensagem": "RPS não encontrado"})
            else:
                self._json(200, nota)
        else:
            self.nao_encontrado()

    def do_POST(self) -> None:  # noqa: N802
        partes = self.partes()
        corpo = self.read_body()
        if partes == ["_sandbox", "faults"]:
            self.injetar(corpo)
        elif partes == ["rps"]:
            pedido = json.loads(corpo)
            if pedido["prestador"] != self._caller():
                self._json(400, {"codigo": "F01", "mensagem": "O certificado não é do prestador"})
                return
            self.with_faults(lambda: self.server.sandbox.emitir(pedido),
                             lambda resposta: self._json(*resposta),
                             (b"<html>manutencao</html>", "text/html"))
        elif len(partes) == 3 and partes[0] == "nfse" and partes[2] == "cancelamento":
            self.with_faults(lambda: self.server.sandbox.cancelar(partes[1]),
                             lambda resposta: self._json(*resposta),
                             (b"<html>manutencao</html>", "text/html"))
        else:
            self.nao_encontrado()


class FicticioSandbox(HttpsSandbox):
    handler = _Handler
    thread_name = "sandbox-ficticio"

    def __init__(self, data_dir: Path, **kwargs: Any):
        super().__init__(data_dir, **kwargs)
        self._notas: dict[tuple[str, str, int], dict[str, Any]] = {}
        self._estado = threading.Lock()

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def emitir(self, pedido: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chave = (pedido["prestador"], pedido["serie"], int(pedido["numero"]))
        with self._estado:
            if chave in self._notas:
                return 409, {"mensagem": "RPS já convertido em NFS-e"}
            nota = {"numero": len(self._notas) + 1, "codigo_verificacao": secrets.token_hex(4),
                    "status": "emitida", "prestador": chave[0], "serie": chave[1],
                    "rps": chave[2], "valor": pedido["valor"]}
            self._notas[chave] = nota
            return 201, {**nota, "xml": _xml(nota)}

    def por_rps(self, prestador: str, serie: str, numero: int) -> dict[str, Any] | None:
        with self._estado:
            nota = self._notas.get((prestador, serie, numero))
            return None if nota is None else {**nota, "xml": _xml(nota)}

    def cancelar(self, numero: str) -> tuple[int, dict[str, Any]]:
        with self._estado:
            for nota in self._notas.values():
                if str(nota["numero"]) == numero:
                    nota["status"] = "cancelada"
                    return 200, {**nota, "xml": _xml(nota)}
        return 404, {"mensagem": f"NFS-e {numero} não encontrada"}

    def emitidas(self) -> list[dict[str, Any]]:
        with self._estado:
            return [dict(nota) for nota in self._notas.values()]
