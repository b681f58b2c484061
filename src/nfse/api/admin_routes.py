"""**(ext)** Operators' routes (SPEC §6c), administrator token only: ``GET /v2/admin/notas``
lists the notes of every company with the panel's filters (``empresa``, ``status``,
``ambiente``, ``ref``, ``desde``, ``ate``, ``texto``), 50 per page, newest first; the next
page is ``antes=`` the cursor in the ``Link`` header (the last id; with ``texto``, which is
looked for in 5,000 notes per page, possibly a page of fewer than 50); ``X-Total-Count``
counts them when there are at most 1,000 and no ``texto``. ``GET /v2/admin/notas/ID``
answers one with its history, e-mails and webhook deliveries."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Row
from starlette.concurrency import run_in_threadpool

from nfse.api.empresas_routes import administrador
from nfse.api.errors import nao_encontrado
from nfse.api.nfse_routes import base_url
from nfse.api.painel.rotas import filtros_de
from nfse.model.digitos import so_digitos
from nfse.representacao import iso, nota_json
from nfse.runtime import Runtime
from nfse.store import operador
from nfse.store.tables import MAX_ID

router = APIRouter(dependencies=[Depends(administrador)])


def resumo(row: Row) -> dict[str, Any]:
    """A note as operators list it (``/v2/admin/notas``, ``nfse notas listar``)."""
    return {"id": row.id, "empresa_id": row.empresa_id, "empresa": row.empresa,
            "ambiente": row.ambiente, "ref": row.ref, "status": row.status,
            "provedor": row.provider, "cnpj_prestador": row.cnpj_prestador,
            "numero": row.numero, "chave_acesso": row.chave_acesso,
            "tentativas": row.attempts, "mensagem": row.mensagem,
            "aceita_em": iso(row.accepted_at), "atualizada_em": iso(row.updated_at)}


def _listar(runtime: Runtime, params: Any) -> tuple[list[dict[str, Any]], int | None,
                                                    int | None]:
    """A page, the count (up to ``operador.LIMITE_CONTAGEM`` + 1; None with a text filter)
    and the next page's cursor."""
    filtros = filtros_de(params)
    antes = params.get("antes")
    with runtime.engine.connect() as conn:
        pagina = operador.buscar_notas(
            conn, filtros, int(antes) if antes and so_digitos(antes) and len(antes) < 18
            else None)
        total = operador.contar_notas(conn, filtros)
    return [resumo(row) for row in pagina.linhas], total, pagina.proxima


@router.get("/v2/admin/notas")
async def get_notas(request: Request) -> JSONResponse:
    """``X-Total-Count`` only when the count is exact (up to ``operador.LIMITE_CONTAGEM``,
    no text filter)."""
    pagina, total, ultima = await run_in_threadpool(
        _listar, request.app.state.runtime, request.query_params)
    headers = {}
    if total is not None and total <= operador.LIMITE_CONTAGEM:
        headers["X-Total-Count"] = str(total)
    if ultima is not None:
        params = {**request.query_params, "antes": str(ultima)}
        headers["Link"] = f'</v2/admin/notas?{urlencode(params)}>; rel="next"'
    return JSONResponse(pagina, headers=headers)


def detalhe_json(runtime: Runtime, nota_id: int, base: str) -> dict[str, Any]:
    """A note with everything that happened to it (``/v2/admin/notas/ID``,
    ``nfse notas mostrar``)."""
    with runtime.engine.connect() as conn:
        d = operador.detalhe(conn, nota_id) if 0 < nota_id <= MAX_ID else None
        if d is None:
            raise nao_encontrado()
        corpo = nota_json(conn, d.nota, base, completa=True)
    return {
        "id": d.nota.id, "empresa_id": d.nota.empresa_id, "ambiente": d.nota.ambiente,
        "tentativas": d.nota.attempts, "proxima_tentativa": iso(d.nota.next_attempt_at),
        "nota": corpo,
        "historico": [{"status": h.status, "detalhe": h.detalhe, "em": iso(h.at)}
                      for h in d.historico],
        "documentos": [{"id": a.id, "tipo": a.kind, "media_type": a.media_type,
                        "em": iso(a.created_at)} for a in d.artefatos],
        "emails": [{"destinatario": e.destinatario, "motivo": e.motivo, "status": e.status,
                    "tentativas": e.attempts, "erro": e.erro, "enviado_em": iso(e.sent_at)}
                   for e in d.emails],
        "webhooks": [{"entrega": w.delivery, "url": w.url, "status": w.status,
                      "tentativas": w.attempts, "erro": w.erro,
                      "entregue_em": iso(w.delivered_at)} for w in d.entregas],
    }


@router.get("/v2/admin/notas/{nota_id}")
async def get_nota(request: Request, nota_id: int) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(
        detalhe_json, request.app.state.runtime, nota_id, base_url(request)))
