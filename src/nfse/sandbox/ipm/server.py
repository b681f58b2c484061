"""The HTTPS server of the IPM sandbox: one endpoint (any path, as
``/?pg=rest&service=WNERestServiceNFSe``) that takes a ``multipart/form-data`` POST whose one
file part is the XML document, authenticated by HTTP Basic with a user and password the test
registers (``aceitar``), plus ``/_sandbox/emitidas`` and ``/_sandbox/faults`` for tests.

TLS does not require a client certificate (IPM authenticates by the portal's user and
password); a presented one must be trusted."""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
from pathlib import Path
from typing import Any

from nfse.sandbox.https import HttpsSandbox, SandboxHandler
from nfse.sandbox.ipm.estado import Estado
from nfse.sandbox.ipm.prefeitura import ESTRUTURA, Prefeitura, retorno

TIPO = "text/xml; charset=UTF-8"
CAMINHO = "/?pg=rest&service=WNERestServiceNFSe"


def documento_do_multipart(tipo: str, corpo: bytes) -> bytes | None:
    """The content of the one file part of a ``multipart/form-data`` body, or None."""
    if not tipo.lower().startswith("multipart/form-data"):
        return None
    mensagem = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {tipo}\r\n\r\n".encode() + corpo)
    for parte in mensagem.iter_parts():
        if parte.get_filename() is not None:
            conteudo = parte.get_payload(decode=True)
            return conteudo if isinstance(conteudo, bytes) else None
    return None


def credenciais(cabecalho: str | None) -> tuple[str, str] | None:
    """(user, password) of an ``Authorization: Basic`` header."""
    esquema, _, valor = (cabecalho or "").partition(" ")
    if esquema.lower() != "basic":
        return None
    try:
        usuario, separador, senha = base64.b64decode(valor, validate=True).decode().partition(
            ":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (usuario, senha) if separador else None


class _Handler(SandboxHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.partes() == ["_sandbox", "emitidas"]:
            self.emitidas()
        else:
            self.nao_encontrado()

    def do_POST(self) -> None:  # noqa: N802
        sandbox: IpmSandbox = self.server.sandbox
        raw = self.read_body()
        if self.partes() == ["_sandbox", "faults"]:
            self.injetar(raw)
            return
        usuario = credenciais(self.headers.get("Authorization"))
        if usuario is None or sandbox.usuarios.get(usuario[0]) != usuario[1]:
            self._send(sandbox.status_recusa, b"<html><body>Acesso negado</body></html>",
                       "text/html")
            return
        documento = documento_do_multipart(self.headers.get("Content-Type") or "", raw)
        if documento is None:
            self._send(200, retorno([f"{ESTRUTURA} - Nenhum arquivo XML recebido."]), TIPO)
            return

        def handle() -> bytes:
            return sandbox.prefeitura.atender(documento, usuario[0])

        def deliver(answer: bytes) -> None:
            self._send(200, answer, TIPO)

        if Prefeitura.muda_estado(documento):
            self.with_faults(handle, deliver, (b"<html>Erro</html>", "text/html"))
        else:
            deliver(handle())


class IpmSandbox(HttpsSandbox):
    """A local IPM (Atende.Net) NFS-e web service, own layout 1.01."""

    handler = _Handler
    thread_name = "sandbox-ipm"
    exige_certificado = False

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 fault_rates: dict[str, float] | None = None, seed: int | None = None,
                 slow_seconds: float = 1.0):
        super().__init__(data_dir, host, port, fault_rates=fault_rates, seed=seed,
                         slow_seconds=slow_seconds)
        self.usuarios: dict[str, str] = {}
        self.status_recusa = 401
        """The HTTP status of a wrong user or password (IPM's is not published)."""

    def aceitar(self, usuario: str, senha: str) -> None:
        """Let ``usuario`` (the prestador's CNPJ/CPF, as IPM's portal users are) in with
        ``senha``."""
        self.usuarios[usuario] = senha

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}{CAMINHO}"

    def _open(self, identity: Any) -> None:
        self.estado = Estado(self.data_dir / "ipm.db")
        self.prefeitura = Prefeitura(self.estado)

    def _close(self) -> None:
        if getattr(self, "estado", None) is not None:
            self.estado.close()

    def emitidas(self) -> list[dict[str, Any]]:
        """Every note issued, in its present state."""
        return [{
            "cidade": nota["cidade"], "cpfcnpj": nota["cpfcnpj"], "numero": nota["numero"],
            "serie": nota["serie"], "codigo_verificacao": nota["codigo"],
            "identificador": nota["identificador"], "rps_numero": nota["rps_numero"],
            "status": "cancelada" if nota["cancelada_em"] else "autorizada",
            "motivo_cancelamento": nota["motivo_cancelamento"],
            "xml": nota["documento"].decode("utf-8", "replace"),
        } for nota in self.estado.notas()]

