"""What the API answers, as Python values: the note (``Nota``), its errors (``ErroApi`` and
its subclasses, one per Focus ``codigo`` a caller may want to catch apart)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

FINAIS = frozenset({"autorizado", "erro_autorizacao", "cancelado", "substituido"})
"""The states a note does not leave by itself."""


@dataclass(frozen=True)
class Erro:
    """One item of ``erros``: a problem the gateway or the authority reported."""

    codigo: str
    mensagem: str
    correcao: str = ""

    @classmethod
    def de(cls, item: Any) -> Erro:
        if not isinstance(item, dict):
            return cls("", str(item))
        return cls(str(item.get("codigo") or ""), str(item.get("mensagem") or ""),
                   str(item.get("correcao") or ""))


def _erros(corpo: dict[str, Any]) -> list[Erro]:
    itens = corpo.get("erros")
    return [Erro.de(item) for item in itens] if isinstance(itens, list) else []


@dataclass(frozen=True)
class Nota:
    """A note as ``GET /v2/nfse/REF`` (or ``/v2/nfsen``) answers it; ``dados`` keeps the whole
    JSON, including fields this class does not name."""

    ref: str
    status: str
    numero: str | None = None
    codigo_verificacao: str | None = None
    chave_acesso: str | None = None
    url: str | None = None
    url_danfse: str | None = None
    caminho_xml_nota_fiscal: str | None = None
    mensagem: str | None = None
    erros: list[Erro] = field(default_factory=list)
    dados: dict[str, Any] = field(default_factory=dict)

    @property
    def final(self) -> bool:
        return self.status in FINAIS

    @classmethod
    def de(cls, corpo: dict[str, Any], ref: str = "") -> Nota:
        def texto(nome: str) -> str | None:
            valor = corpo.get(nome)
            return None if valor is None else str(valor)

        return cls(ref=str(corpo.get("ref") or ref), status=str(corpo.get("status") or ""),
                   numero=texto("numero"), codigo_verificacao=texto("codigo_verificacao"),
                   chave_acesso=texto("chave_acesso"), url=texto("url"),
                   url_danfse=texto("url_danfse"),
                   caminho_xml_nota_fiscal=texto("caminho_xml_nota_fiscal"),
                   mensagem=texto("mensagem"), erros=_erros(corpo), dados=corpo)


@dataclass(frozen=True)
class Cancelamento:
    """The answer of a DELETE: ``cancelado``, or ``erro_cancelamento`` with the reasons."""

    status: str
    erros: list[Erro] = field(default_factory=list)

    @property
    def cancelado(self) -> bool:
        return self.status == "cancelado"


class ErroApi(Exception):
    """A 4xx or 5xx answer, with the Focus error body when there is one."""

    def __init__(self, status_http: int, codigo: str, mensagem: str,
                 erros: list[Erro] | None = None):
        super().__init__(f"{status_http} {codigo}: {mensagem}")
        self.status_http = status_http
        self.codigo = codigo
        self.mensagem = mensagem
        self.erros = erros or []


class NaoAutenticado(ErroApi):
    """401: the token is missing, unknown or revoked."""


class PermissaoNegada(ErroApi):
    """403: the token may not do this."""


class NaoEncontrado(ErroApi):
    """404 ``nao_encontrado``."""


class RequisicaoInvalida(ErroApi):
    """400: the body or the parameters were refused; ``erros`` names every field."""


class LimiteDeRequisicoes(ErroApi):
    """429 after every retry the client was allowed."""


class ErroServidor(ErroApi):
    """5xx after every retry the client was allowed."""


def _classe(status_http: int) -> type[ErroApi]:
    if status_http >= 500:
        return ErroServidor
    return {400: RequisicaoInvalida, 401: NaoAutenticado, 403: PermissaoNegada,
            404: NaoEncontrado, 429: LimiteDeRequisicoes}.get(status_http, ErroApi)


def erro_de(resposta: httpx.Response) -> ErroApi:
    """The exception for a refused request, from its Focus-format body when it has one."""
    try:
        corpo = resposta.json()
    except ValueError:
        corpo = None
    if not isinstance(corpo, dict):
        corpo = {}
    codigo = str(corpo.get("codigo") or f"http_{resposta.status_code}")
    mensagem = str(corpo.get("mensagem") or resposta.reason_phrase or "erro")
    return _classe(resposta.status_code)(resposta.status_code, codigo, mensagem,
                                         _erros(corpo))


def corpo_json(resposta: httpx.Response) -> Any:
    """The JSON of a successful answer; an answer that is not JSON is the server's error."""
    try:
        return resposta.json()
    except ValueError as exc:
        raise ErroServidor(resposta.status_code, "resposta_invalida",
                           "A resposta do servidor não é JSON") from exc
