"""PublicSoft's NotaFiscalApi as the sandbox plays it (ACBr ``PublicSoft.Provider.pas``, class
203; ``nfse.providers.abrasf.rest`` is the gateway's side): no SOAP, ``POST <endpoint>/api/
<document in kebab case>`` with the ABRASF 2.03 document as the body and the bare answer
document back; ``POST <endpoint>/api/gerar-token`` hands out a session token for the
``codigoCidade`` and prefeitura token of its headers; every other call must carry
``codigoCidade`` and a token handed out. A refusal of the token is plain text with HTTP 401,
as the system answers what is not a document."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from nfse.sandbox.abrasf.envelope import OPERACAO_DO_DOCUMENTO
from nfse.sandbox.abrasf.prefeitura import NS

GERAR_TOKEN = "gerar-token"
VERSAO = "2.03"
CABECALHO = (f'<cabecalho versao="{VERSAO}" xmlns="{NS}"><versaoDados>{VERSAO}'
             "</versaoDados></cabecalho>")
"""The header the system never receives: it serves one layout."""
OPERACAO_DO_RECURSO = {re.sub(r"(?<!^)(?=[A-Z])", "-", documento).lower(): operacao
                       for documento, operacao in OPERACAO_DO_DOCUMENTO.items()}


class Recusa(Exception):
    """A call refused before any document is read: answered with ``status`` and the text."""

    def __init__(self, mensagem: str, status: int = 401):
        super().__init__(mensagem)
        self.status = status


@dataclass(frozen=True)
class Chamada:
    operacao: str
    cabecalho: str
    dados: str


class Sessoes:
    """The tokens handed out, and the prefeitura tokens accepted (``aceitos``: codigoCidade →
    token; empty: any)."""

    def __init__(self, aceitos: Callable[[], Mapping[str, str]]):
        self._aceitos = aceitos
        self._emitidos: set[str] = set()
        self._lock = threading.Lock()

    def gerar(self, cabecalhos: Mapping[str, str]) -> bytes:
        codigo = (cabecalhos.get("codigoCidade") or "").strip()
        prefeitura = (cabecalhos.get("token") or "").strip()
        aceitos = self._aceitos()
        if not codigo or not prefeitura or (aceitos and aceitos.get(codigo) != prefeitura):
            return b"<Resposta><Mensagem>erro: codigoCidade ou token invalido</Mensagem>" \
                b"</Resposta>"
        token = secrets.token_hex(16)
        with self._lock:
            self._emitidos.add(token)
        return f"<Resposta><Mensagem>{token}</Mensagem></Resposta>".encode()

    def ler(self, recurso: str, cabecalhos: Mapping[str, str], corpo: bytes) -> Chamada:
        """The ABRASF call a POST to ``/api/<recurso>`` makes. Raises ``Recusa``."""
        operacao = OPERACAO_DO_RECURSO.get(recurso)
        if operacao is None:
            raise Recusa(f"Recurso {recurso} inexistente", 404)
        with self._lock:
            valido = (cabecalhos.get("token") or "") in self._emitidos
        if not (cabecalhos.get("codigoCidade") or "").strip() or not valido:
            raise Recusa("Token invalido ou expirado: gere um token em /api/gerar-token")
        try:
            dados = corpo.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Recusa("Corpo da requisicao nao e UTF-8", 400) from exc
        return Chamada(operacao=operacao, cabecalho=CABECALHO, dados=dados)
