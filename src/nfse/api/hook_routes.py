"""Webhooks (SPEC §4): ``/v2/hooks`` and ``POST /v2/nfse/REF/hook``. A token sees only the
hooks of its company and environment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from nfse.api.auth import credencial
from nfse.api.body import json_body
from nfse.api.errors import ApiError, nao_encontrado
from nfse.api.nfse_routes import base_url
from nfse.model.digitos import limpar_cnpj, limpar_digitos
from nfse.notify.webhook import cabecalho_invalido, destino_recusado
from nfse.representacao import iso
from nfse.runtime import Runtime
from nfse.store import ciclo, hooks, notas
from nfse.store.db import autocommit
from nfse.store.empresas import Credencial
from nfse.work.webhooks import disparar

router = APIRouter()


def hook_json(hook: hooks.Hook) -> dict[str, Any]:
    return {"id": hook.id, "cnpj": hook.cnpj, "cpf": hook.cpf, "event": hook.event,
            "url": hook.url, "authorization": hook.authorization,
            "authorization_header": hook.authorization_header,
            "request_count": hook.request_count, "success_count": hook.success_count,
            "error_count": hook.error_count, "count_since": iso(hook.count_since),
            "assinado": hook.secret is not None, "ativo": hook.desativado_em is None,
            "desativado_em": iso(hook.desativado_em)}


def _invalid(mensagem: str) -> ApiError:
    return ApiError(400, "requisicao_invalida", mensagem, erros=[{
        "codigo": "requisicao_invalida", "mensagem": mensagem, "correcao": None}])


def _texto(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid(f'Parâmetro "{name}" deve ser um texto')
    return value.strip()


def _criar(runtime: Runtime, cred: Credencial, body: Any) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("hook"), dict):
        body = body["hook"]
    if not isinstance(body, dict):
        raise _invalid("O corpo da requisição deve ser um objeto JSON")
    event = _texto(body, "event")
    if event not in hooks.EVENTS:
        raise _invalid('Parâmetro "event" deve ser um evento válido')
    url = _texto(body, "url") or ""
    problema = destino_recusado(url, runtime.settings.webhook_allow)
    if problema:
        raise _invalid(problema)
    authorization = _texto(body, "authorization")
    header = _texto(body, "authorization_header") or "Authorization"
    problema = cabecalho_invalido(header, authorization or "")
    if problema:
        raise _invalid(problema)
    secret = _texto(body, "secret")
    if secret is not None and len(secret) > 256:
        raise _invalid('Parâmetro "secret" deve ter até 256 caracteres')
    cnpj = limpar_cnpj(_texto(body, "cnpj") or "") or None
    cpf = limpar_digitos(_texto(body, "cpf") or "") or None
    if (cnpj or cpf) and (cnpj or cpf) != cred.empresa.documento:
        raise _invalid(f"O documento {cnpj or cpf} não é o da empresa deste token "
                       f"({cred.empresa.documento})")
    with runtime.engine.begin() as conn:
        if hooks.contar(conn, cred.empresa.id, cred.ambiente, event) >= hooks.MAXIMO_POR_EVENTO:
            raise _invalid(f"Limite de {hooks.MAXIMO_POR_EVENTO} gatilhos por empresa para o "
                           f'evento "{event}" atingido')
        hook = hooks.criar(conn, runtime.box, empresa_id=cred.empresa.id,
                           ambiente=cred.ambiente, cnpj=cnpj, cpf=cpf, event=event, url=url,
                           authorization=authorization, authorization_header=header,
                           secret=secret)
    return hook_json(hook)


def _obter(runtime: Runtime, cred: Credencial, hook_id: str) -> hooks.Hook:
    with runtime.engine.connect() as conn:
        hook = hooks.obter(conn, runtime.box, cred.empresa.id, cred.ambiente, hook_id)
    if hook is None:
        raise nao_encontrado("Gatilho não encontrado")
    return hook


def _apagar(runtime: Runtime, cred: Credencial, hook_id: str) -> dict[str, Any]:
    hook = _obter(runtime, cred, hook_id)
    with runtime.engine.begin() as conn:
        hooks.apagar(conn, hook.id)
    return hook_json(hook) | {"deleted": True}


def _listar(runtime: Runtime, cred: Credencial) -> list[dict[str, Any]]:
    with runtime.engine.connect() as conn:
        return [hook_json(h) for h in hooks.listar(conn, runtime.box, cred.empresa.id,
                                                    cred.ambiente)]


def _reenviar(runtime: Runtime, cred: Credencial, ref: str, base: str,
              modelo: str) -> list[dict[str, Any]]:
    with autocommit(runtime.engine) as conn:
        row = notas.get_by_ref(conn, cred.empresa.id, cred.ambiente, ref)
    if row is None or row.modelo != modelo:
        raise nao_encontrado()
    with runtime.engine.begin() as conn:
        ciclo.travar(conn, row.id)  # the JSON sent is of one state, not of a change under way
        fired = set(disparar(conn, row.id, base))
        todos = hooks.listar(conn, runtime.box, cred.empresa.id, cred.ambiente)
    runtime.wake.set()
    return [hook_json(h) for h in todos if h.id in fired]


@router.post("/v2/hooks")
async def post_hook(request: Request, cred: Credencial = Depends(credencial)) -> JSONResponse:
    body = await json_body(request)
    return JSONResponse(await run_in_threadpool(
        _criar, request.app.state.runtime, cred, body), status_code=201)


@router.get("/v2/hooks")
async def get_hooks(request: Request, cred: Credencial = Depends(credencial)) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(_listar, request.app.state.runtime, cred))


@router.get("/v2/hooks/{hook_id}")
async def get_hook(request: Request, hook_id: str,
                   cred: Credencial = Depends(credencial)) -> JSONResponse:
    hook = await run_in_threadpool(_obter, request.app.state.runtime, cred, hook_id)
    return JSONResponse(hook_json(hook))


@router.delete("/v2/hooks/{hook_id}")
async def delete_hook(request: Request, hook_id: str,
                      cred: Credencial = Depends(credencial)) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(
        _apagar, request.app.state.runtime, cred, hook_id))


@router.post("/v2/nfse/{ref}/hook")
async def refire(request: Request, ref: str,
                 cred: Credencial = Depends(credencial)) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(
        _reenviar, request.app.state.runtime, cred, ref, base_url(request), "nfse"))


@router.post("/v2/nfsen/{ref}/hook")
async def refire_nfsen(request: Request, ref: str,
                       cred: Credencial = Depends(credencial)) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(
        _reenviar, request.app.state.runtime, cred, ref, base_url(request), "nfsen"))
