"""Errors in the Focus format: ``{"codigo", "mensagem", "erros"?}``. Nothing escapes as an
HTML page or a bare 500 traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("nfse.api")


class ApiError(Exception):
    def __init__(self, status: int, codigo: str, mensagem: str,
                 erros: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(mensagem)
        self.status = status
        self.codigo = codigo
        self.mensagem = mensagem
        self.erros = erros
        self.headers = headers

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"codigo": self.codigo, "mensagem": self.mensagem}
        if self.erros:
            body["erros"] = self.erros
        return body


def nao_encontrado(mensagem: str = "Nota fiscal não encontrada") -> ApiError:
    return ApiError(404, "nao_encontrado", mensagem)


HTTP_CODES = {404: "nao_encontrado", 405: "metodo_nao_permitido", 401: "nao_autorizado"}


def _parametro_invalido(error: dict[str, Any]) -> dict[str, Any]:
    """A FastAPI validation error (a path or query parameter) in the Focus format."""
    campo = ".".join(str(part) for part in error.get("loc", ())[1:]) or "parametro"
    return {"codigo": "requisicao_invalida", "campo": campo,
            "mensagem": f'Parâmetro "{campo}" inválido',
            "correcao": "Confira o valor na documentação da API"}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codigo = HTTP_CODES.get(exc.status_code, "requisicao_invalida")
        mensagem = "Recurso não encontrado" if exc.status_code == 404 else str(exc.detail)
        return JSONResponse({"codigo": codigo, "mensagem": mensagem},
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        erros = [_parametro_invalido(error) for error in exc.errors()]
        return JSONResponse({"codigo": "requisicao_invalida", "mensagem": erros[0]["mensagem"],
                             "erros": erros}, status_code=400)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse({"codigo": "erro_interno",
                             "mensagem": "Erro inesperado no servidor; a operação não foi "
                                         "concluída e pode ser repetida"}, status_code=500)
