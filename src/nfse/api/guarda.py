"""A URL no route can use is refused before any route runs: a path with a control character
or a query with a NUL (PostgreSQL text holds no NUL, and no ref, id or parameter has one).
A plain ASGI middleware, like the rate limiter."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

_CONTROLE = re.compile(rb"[\x00-\x1f\x7f]")
MENSAGEM = "Endereço da requisição inválido: contém caracteres de controle"
_BODY = json.dumps({"codigo": "requisicao_invalida", "mensagem": MENSAGEM, "erros": [{
    "codigo": "requisicao_invalida", "mensagem": MENSAGEM,
    "correcao": "Remova os caracteres de controle da URL (ref, id e parâmetros)"}]},
    ensure_ascii=False).encode()


class GuardaUrl:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _invalida(scope):
            await send({"type": "http.response.start", "status": 400, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(_BODY)).encode())]})
            await send({"type": "http.response.body", "body": _BODY})
            return
        await self.app(scope, receive, send)


def _invalida(scope: Scope) -> bool:
    path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogatepass")
    query: bytes = scope.get("query_string", b"")
    return (_CONTROLE.search(unquote_to_bytes(path)) is not None
            or (b"%00" in query or b"\x00" in query))
