"""The HTTP answers the framework writes itself, in Portuguese like every other message:
a method a route does not take gets ``405 metodo_nao_permitido`` naming the methods it does
(Starlette's own text is "Method Not Allowed")."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


async def _metodo_nao_permitido(request: Request, exc: Exception) -> JSONResponse:
    headers = getattr(exc, "headers", None) or {}
    permitidos = headers.get("Allow") or headers.get("allow") or ""
    mensagem = f"Método {request.method} não permitido em {request.url.path}"
    if permitidos:
        mensagem += f"; use {permitidos.replace(', ', ' ou ')}"
    return JSONResponse({"codigo": "metodo_nao_permitido", "mensagem": mensagem},
                        status_code=405, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(405, _metodo_nao_permitido)


