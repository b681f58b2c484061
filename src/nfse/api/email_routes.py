"""E-mail (SPEC §2.4): send a note's DANFSe and XML to up to 10 addresses, and the block list
of addresses that bounced."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from nfse.api.auth import credencial
from nfse.api.body import json_body
from nfse.api.errors import ApiError, nao_encontrado
from nfse.domain.status import ISSUED
from nfse.model.nfse import EMAIL
from nfse.runtime import Runtime
from nfse.store import ciclo, emails, notas
from nfse.store.clock import aware
from nfse.store.db import autocommit
from nfse.store.empresas import Credencial

router = APIRouter()
MAXIMO = 10


def _enderecos(body: Any) -> list[str]:
    """The ``emails`` list: 1..10 valid addresses, or 400 naming every bad entry."""
    lista = body.get("emails") if isinstance(body, dict) else None
    if not isinstance(lista, list) or not 1 <= len(lista) <= MAXIMO:
        raise ApiError(400, "requisicao_invalida",
                       f'Parâmetro "emails" deve ser uma lista de 1 a {MAXIMO} endereços de '
                       "e-mail")
    erros = [{"codigo": "requisicao_invalida", "campo": f"emails[{i}]",
              "mensagem": f'E-mail inválido em "emails[{i}]": {item!r}',
              "correcao": "Informe um endereço como nome@dominio.com.br"}
             for i, item in enumerate(lista)
             if not isinstance(item, str) or len(item.strip()) > 254
             or not EMAIL.fullmatch(item.strip())]
    if erros:
        raise ApiError(400, "requisicao_invalida", erros[0]["mensagem"], erros=erros)
    return [item.strip() for item in lista]


def _enviar(runtime: Runtime, cred: Credencial, ref: str, body: Any) -> dict[str, Any]:
    enderecos = _enderecos(body)
    with autocommit(runtime.engine) as conn:
        row = notas.get_by_ref(conn, cred.empresa.id, cred.ambiente, ref)
    if row is None:
        raise nao_encontrado()
    with runtime.engine.begin() as conn:
        status = ciclo.travar(conn, row.id)  # a cancellation commits before or after this
        if status not in ISSUED:
            raise ApiError(400, "nfe_nao_autorizada",
                           "Só notas autorizadas ou canceladas podem ser enviadas por e-mail")
        queued, blocked = emails.enfileirar(conn, row.id, enderecos, emails.PEDIDO)
    runtime.wake.set()
    answer: dict[str, Any] = {"emails": queued}
    if blocked:
        answer["bloqueados"] = blocked
    return answer


@router.post("/v2/nfse/{ref}/email")
async def post_email(request: Request, ref: str,
                     cred: Credencial = Depends(credencial)) -> JSONResponse:
    body = await json_body(request)
    return JSONResponse(await run_in_threadpool(
        _enviar, request.app.state.runtime, cred, ref, body))


def _bloqueio(runtime: Runtime, endereco: str) -> dict[str, Any]:
    with runtime.engine.connect() as conn:
        row = emails.bloqueio(conn, endereco)
    if row is None:
        raise nao_encontrado("E-mail não está bloqueado")
    moment = aware(row.created_at)
    return {"email": row.email, "motivo": row.motivo,
            "bloqueado_em": moment.isoformat(timespec="seconds") if moment else None}


def _desbloquear(runtime: Runtime, endereco: str) -> dict[str, Any]:
    with runtime.engine.begin() as conn:
        if not emails.desbloquear(conn, endereco):
            raise nao_encontrado("E-mail não está bloqueado")
    return {"email": emails.normalizar(endereco), "status": "desbloqueado"}


@router.get("/v2/blocked_emails/{endereco}")
async def get_blocked(request: Request, endereco: str,
                      _: Credencial = Depends(credencial)) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(_bloqueio, request.app.state.runtime, endereco))


@router.delete("/v2/blocked_emails/{endereco}")
async def delete_blocked(request: Request, endereco: str,
                         _: Credencial = Depends(credencial)) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(
        _desbloquear, request.app.state.runtime, endereco))
