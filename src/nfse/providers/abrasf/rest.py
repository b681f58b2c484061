"""ABRASF documents over plain HTTP instead of SOAP (``forma_documento = "rest_xml"``), with
the token a system hands out for each session (``credencial = "token_gerado"``): PublicSoft's
NotaFiscalApi (ACBr ``PublicSoft.Provider.pas``, class 203, 2026-06).

Each request document is the body of a ``POST`` (``application/xml``, with its declaration)
to ``<address>/api/<the document's name in kebab case>`` (``gerar-nfse-envio``,
``enviar-lote-rps-sincrono-envio``, ``consultar-nfse-rps-envio``, ``cancelar-nfse-envio``...);
the answer is the bare ABRASF answer document. Every call carries the HTTP headers
``codigoCidade``, ``token`` and, in produção only, ``producao: true``. The ``token`` is the
one that ``POST <address>/api/gerar-token`` (no body) returns in ``Mensagem`` when called with
the prefeitura's token in the same header; an answer saying ``erro`` is a refusal. The
gateway asks a token before each call: ACBr keeps it for a session, and how long one lasts is
not published.

The company's credentials: ``login_responsavel`` is the ``codigoCidade`` (ACBr reads it from
the emitter's password field, ``WSSenha``) and ``senha_responsavel`` the prefeitura's token
(``WSChaveAcesso``)."""

from __future__ import annotations

import re
from xml.sax.saxutils import unescape

from nfse.providers.abrasf import namespaces
from nfse.providers.abrasf.variante import Variante
from nfse.providers.base import (
    Emissor,
    Erro,
    Exchange,
    Outcome,
    Party,
    Result,
    credenciais_ausentes,
    credenciais_recusadas,
    falha_de_envio,
)
from nfse.providers.transport import NotSent, Transport, Unknown

GERAR_TOKEN = "gerar-token"
_DECLARACAO = re.compile(rb"^\s*<\?xml[^>]*\?>\s*")
_RAIZ = re.compile(rb"<([A-Za-z_][\w.-]*)")
_MENSAGEM = re.compile(r"<(?:\w+:)?Mensagem>(.*?)</(?:\w+:)?Mensagem>", re.DOTALL)


def ausentes() -> Erro:
    return credenciais_ausentes(
        "A prefeitura (PublicSoft) identifica a empresa pelo código da cidade e pelo token "
        "da prefeitura, e a empresa não os tem cadastrados",
        "o código da cidade em login_responsavel e o token em senha_responsavel")


def _recusado(motivo: str) -> str:
    return credenciais_recusadas(
        f"A prefeitura (PublicSoft) não gerou o token de acesso: {motivo}",
        "da credencial da empresa",
        "login_responsavel (o código da cidade) e senha_responsavel (o token da prefeitura)")


def endereco(base_url: str, recurso: str) -> str:
    return f"{base_url.rstrip('/')}/api/{recurso}"


def recurso(dados: bytes) -> str:
    """``GerarNfseEnvio`` → ``gerar-nfse-envio``: the path of a request document."""
    match = _RAIZ.match(_DECLARACAO.sub(b"", dados, count=1))
    return namespaces.mensagem(match.group(1).decode("ascii")) if match else ""


def _cabecalhos(emissor: Emissor, variante: Variante, token: str) -> dict[str, str]:
    if variante.credencial != "token_gerado":
        return {}
    cabecalhos = {"codigoCidade": emissor.login or "", "token": token}
    if emissor.ambiente == "producao":
        cabecalhos["producao"] = "true"
    return cabecalhos


def token(emissor: Emissor, variante: Variante, transport: Transport,
          nome: str) -> str | Outcome:
    """A session token for one call ("" when the system asks none), or the Outcome that
    stops it (nothing of the note sent: RETRY)."""
    if variante.credencial != "token_gerado":
        return ""
    url = endereco(emissor.base_url, GERAR_TOKEN)
    pedido = b""
    try:
        answer = transport.request("POST", url, emissor.a1, emissor.ca_file, emissor.timeout,
                                   content=pedido,
                                   headers={**_cabecalhos(emissor, variante,
                                                          emissor.senha or ""),
                                            "Accept": "application/xml, text/plain"},
                                   proxy=emissor.proxy)
    except (NotSent, Unknown) as exc:
        if isinstance(exc, Unknown):  # the note itself was not sent: retry it
            exc = NotSent(str(exc))
        return falha_de_envio(exc, f"{nome}:token", pedido, "Prefeitura inacessível", "")
    texto = answer.body.decode("utf-8", "replace")
    match = _MENSAGEM.search(texto)
    valor = unescape(match.group(1)).strip() if match else ""
    if answer.status >= 400 or not valor or "erro" in valor.lower():
        return Outcome(Result.RETRY, failure_of=Party.COMPANY,
                       mensagem=_recusado(valor or f"HTTP {answer.status}"),
                       exchanges=(Exchange(f"{nome}:token", pedido, answer.body),))
    return valor


def pedido(dados: bytes, emissor: Emissor, variante: Variante,
           chave: str) -> tuple[str, bytes, dict[str, str]]:
    """The address, the body and the HTTP headers of one call."""
    corpo = b'<?xml version="1.0" encoding="UTF-8"?>' + _DECLARACAO.sub(b"", dados, count=1)
    return (endereco(emissor.base_url, recurso(dados)), corpo,
            {"Content-Type": "application/xml; charset=utf-8",
             "Accept": "application/xml, text/xml, text/plain",
             **_cabecalhos(emissor, variante, chave)})


def usa(variante: Variante) -> bool:
    return variante.corpo.forma_documento == "rest_xml"
