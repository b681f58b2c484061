"""Received notes (SPEC §6b, Focus "NFS-e recebidas"): the notes where the token's company is
tomador or intermediário, read from the ADN's distribution by the workers.

``GET /v2/nfses_recebidas?cnpj=CNPJ[&versao=N][&completa=1]`` lists up to 100 after ``versao``,
ascending, with ``X-Total-Count``; ``GET /v2/nfses_recebidas/CHAVE[.json|.xml]`` answers one.
The company's first request starts the walk of its distribution in the token's ambiente;
**(ext)** ``POST /v2/nfses_recebidas/sincronizar`` asks for a walk now."""

from __future__ import annotations

import gzip
import json
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from nfse.api.auth import credencial
from nfse.api.errors import ApiError, nao_encontrado
from nfse.api.nfse_routes import base_url
from nfse.model.digitos import so_digitos
from nfse.representacao import iso, recebida_json
from nfse.runtime import Runtime
from nfse.store import recebidas
from nfse.store.empresas import Credencial

router = APIRouter()
PAGINA = 100


def _documento(params: Any, cred: Credencial) -> str:
    """The CNPJ/CPF asked (required), which must be the token's company."""
    documento = "".join(c for c in (params.get("cnpj") or params.get("cpf") or "")
                        if c.isalnum()).upper()
    if not documento:
        raise ApiError(400, "requisicao_invalida", 'Parâmetro "cnpj" não informado')
    if documento != cred.empresa.documento:
        raise ApiError(403, "permissao_negada",
                       f"O CNPJ/CPF {documento} não é o da empresa deste token")
    return documento


def _versao(params: Any) -> int:
    texto = params.get("versao") or "0"
    if not so_digitos(texto) or len(texto) > 18:
        raise ApiError(400, "requisicao_invalida",
                       'Parâmetro "versao" deve ser um número inteiro não negativo')
    return int(texto)


def _listar(runtime: Runtime, cred: Credencial, versao: int, completa: bool,
            base: str) -> tuple[list[dict[str, Any]], int]:
    with runtime.engine.begin() as conn:
        recebidas.ativar(conn, cred.empresa.id, cred.ambiente, agora=False)
        rows, total = recebidas.listar(conn, cred.empresa.id, cred.ambiente, versao, PAGINA)
    return [recebida_json(r.chave, r.versao, r.status, json.loads(r.dados), base,
                          r.xml if completa else None, r.xml_evento)
            for r in rows], total


@router.get("/v2/nfses_recebidas")
async def get_recebidas(request: Request,
                        cred: Credencial = Depends(credencial)) -> JSONResponse:
    params = request.query_params
    _documento(params, cred)
    versao = _versao(params)
    pagina, total = await run_in_threadpool(
        _listar, request.app.state.runtime, cred, versao, params.get("completa") == "1",
        base_url(request))
    return JSONResponse(pagina, headers={"X-Total-Count": str(total)})


def _obter(runtime: Runtime, cred: Credencial, chave: str) -> Any:
    with runtime.engine.connect() as conn:
        row = recebidas.obter(conn, cred.empresa.id, cred.ambiente, chave)
    if row is None:
        raise nao_encontrado("NFS-e recebida não encontrada")
    return row


@router.get("/v2/nfses_recebidas/{chave}")
async def get_recebida(request: Request, chave: str,
                       cred: Credencial = Depends(credencial)) -> Response:
    nome, _, formato = chave.partition(".")
    if formato not in ("", "json", "xml") or not nome.isalnum() or len(nome) > 50:
        raise nao_encontrado("NFS-e recebida não encontrada")
    row = await run_in_threadpool(_obter, request.app.state.runtime, cred, nome)
    if formato == "xml":
        return Response(gzip.decompress(row.xml), media_type="application/xml")
    return JSONResponse(recebida_json(row.chave, row.versao, row.status, json.loads(row.dados),
                                      base_url(request), row.xml, row.xml_evento))


def _sincronizar(runtime: Runtime, cred: Credencial) -> dict[str, Any]:
    with runtime.engine.begin() as conn:
        recebidas.ativar(conn, cred.empresa.id, cred.ambiente, agora=True)
        walk = recebidas.situacao(conn, cred.empresa.id, cred.ambiente)
    runtime.wake.set()
    return {"status": "agendada", "ultimo_nsu": walk.ultimo_nsu, "versao": walk.versao,
            "ultimo_erro": walk.erro, "desde": iso(walk.created_at)}


@router.post("/v2/nfses_recebidas/sincronizar", status_code=202)
async def post_sincronizar(request: Request,
                           cred: Credencial = Depends(credencial)) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(_sincronizar, request.app.state.runtime, cred),
                        status_code=202)
