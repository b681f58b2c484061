"""``/v2/empresas`` (SPEC §5): companies, for the administrator (reseller) token only; a
company token gets 403."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from nfse import cadastro
from nfse.api import invalidacao
from nfse.api.auth import UNAUTHORIZED, antes_de_tentar, credencial, token_of
from nfse.api.body import invalid, json_body
from nfse.api.errors import ApiError, nao_encontrado
from nfse.model.errors import RequisicaoInvalida
from nfse.runtime import Runtime
from nfse.store import admin_tokens
from nfse.store.tables import MAX_ID

router = APIRouter()
SEM_PERMISSAO = ApiError(403, "permissao_negada",
                         "Este token não tem permissão para administrar empresas; use o token "
                         "de administrador")
EMPRESA_NAO_ENCONTRADA = nao_encontrado("Empresa não encontrada")


async def administrador(request: Request) -> None:
    """FastAPI dependency: an administrator token, else 403 (a company token) or 401."""
    token = token_of(request)
    if not token:
        raise UNAUTHORIZED
    runtime: Runtime = request.app.state.runtime
    antes_de_tentar(request)

    def check() -> bool:
        with runtime.engine.connect() as conn:
            return admin_tokens.valido(conn, token)

    if await run_in_threadpool(check):
        return
    await credencial(request)  # 401 when it is no token at all
    raise SEM_PERMISSAO


def _payload(body: Any) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("empresa"), dict):
        body = body["empresa"]
    if not isinstance(body, dict):
        raise ApiError(400, "requisicao_invalida", "O corpo da requisição deve ser um objeto JSON")
    return body


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except RequisicaoInvalida as exc:
        raise invalid(exc) from exc
    except cadastro.ErroValidacao as exc:
        raise ApiError(422, "erro_validacao", str(exc)) from exc


MAX_OFFSET = 10**12


def _id(empresa_id: int) -> int:
    if not 1 <= empresa_id <= MAX_ID:
        raise EMPRESA_NAO_ENCONTRADA
    return empresa_id


def _found(result: Any) -> Any:
    if result is None:
        raise EMPRESA_NAO_ENCONTRADA
    return result


async def _avisar(request: Request) -> None:
    """A company or its tokens changed: every API process forgets its credentials now."""
    await run_in_threadpool(invalidacao.avisar, request.app.state.runtime.engine,
                            request.app.state.credenciais)


def _dry_run(request: Request) -> bool:
    return request.query_params.get("dry_run", "0").lower() in ("1", "true")


@router.post("/v2/empresas", dependencies=[Depends(administrador)])
async def post_empresa(request: Request) -> JSONResponse:
    payload = _payload(await json_body(request))
    result = await run_in_threadpool(_call, cadastro.criar, request.app.state.runtime, payload,
                                     _dry_run(request))
    return JSONResponse(result, status_code=200 if _dry_run(request) else 201)


@router.get("/v2/empresas", dependencies=[Depends(administrador)])
async def get_empresas(request: Request) -> JSONResponse:
    params = request.query_params
    try:
        offset = max(0, int(params.get("offset", "0")))
        if offset > MAX_OFFSET:
            raise ValueError(offset)
    except ValueError as exc:
        raise ApiError(400, "requisicao_invalida",
                       f'Parâmetro "offset" deve ser um número de 0 a {MAX_OFFSET}') from exc
    page, total = await run_in_threadpool(
        cadastro.listar, request.app.state.runtime, cnpj=params.get("cnpj"),
        cpf=params.get("cpf"), offset=offset)
    return JSONResponse(page, headers={"X-Total-Count": str(total)})


@router.get("/v2/empresas/{empresa_id}", dependencies=[Depends(administrador)])
async def get_empresa(request: Request, empresa_id: int) -> JSONResponse:
    return JSONResponse(_found(await run_in_threadpool(
        cadastro.obter, request.app.state.runtime, _id(empresa_id))))


@router.put("/v2/empresas/{empresa_id}", dependencies=[Depends(administrador)])
async def put_empresa(request: Request, empresa_id: int) -> JSONResponse:
    payload = _payload(await json_body(request))
    result = _found(await run_in_threadpool(
        _call, cadastro.atualizar, request.app.state.runtime, _id(empresa_id), payload,
        _dry_run(request)))
    if not _dry_run(request):
        await _avisar(request)
    return JSONResponse(result)


@router.delete("/v2/empresas/{empresa_id}", dependencies=[Depends(administrador)])
async def delete_empresa(request: Request, empresa_id: int) -> JSONResponse:
    result = _found(await run_in_threadpool(
        cadastro.excluir, request.app.state.runtime, _id(empresa_id)))
    await _avisar(request)
    return JSONResponse(result)


@router.post("/v2/empresas/{empresa_id}/tokens", dependencies=[Depends(administrador)])
async def post_tokens(request: Request, empresa_id: int) -> JSONResponse:
    result = _found(await run_in_threadpool(
        cadastro.novos_tokens, request.app.state.runtime, _id(empresa_id)))
    await _avisar(request)
    return JSONResponse(result)


@router.get("/v2/empresas/{empresa_id}/export", dependencies=[Depends(administrador)])
async def export(request: Request, empresa_id: int) -> Response:
    content = _found(await run_in_threadpool(
        cadastro.exportar, request.app.state.runtime, _id(empresa_id)))
    return Response(content, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="empresa-{empresa_id}-xml.zip"'})
