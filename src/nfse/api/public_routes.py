"""Documents reachable without a token (existing clients fetch them with a bare GET). The
path carries the note's capability: 192 random bits, unguessable from ref, CNPJ or number."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from nfse.api.errors import nao_encontrado
from nfse.domain.status import ISSUED, Status
from nfse.model import modelos
from nfse.runtime import Runtime
from nfse.store import artefatos, empresas, notas
from nfse.store.clock import aware
from nfse.visualizacao.links import PUBLIC_PREFIX, public_path
from nfse.visualizacao.view import pagina_nota
from nfse.work.danfse import store_danfse

router = APIRouter()

SEGURANCA = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "private, no-store",
}
"""Headers of every public page: the path is a capability, so it must not leak through
``Referer``, the page loads nothing from elsewhere and is never framed."""

FILES = {
    "nfse.xml": artefatos.XML_NFSE,
    "cancelamento.xml": artefatos.XML_CANCELAMENTO,
    "danfse.pdf": artefatos.DANFSE,
}


def _document(runtime: Runtime, capability: str, name: str) -> tuple[bytes, str]:
    kind = FILES.get(name)
    if kind is None:
        raise nao_encontrado("Documento não encontrado")
    with runtime.engine.connect() as conn:
        row = notas.get_by_capability(conn, capability)
        if row is None or Status(row.status) not in ISSUED:
            raise nao_encontrado("Documento não encontrado")
        found = artefatos.latest(conn, row.id, kind)
        xml = artefatos.latest(conn, row.id, artefatos.XML_NFSE) if kind == artefatos.DANFSE \
            else None
    if found is None and xml is not None:
        pdf = store_danfse(runtime.engine, row.id, xml[0],
                           cancelada=Status(row.status) == Status.CANCELADO)
        if pdf is not None:
            found = (pdf, "application/pdf")
    if found is None:
        raise nao_encontrado("Documento não encontrado")
    return found


@router.get(PUBLIC_PREFIX + "/{capability}/{name}")
async def document(request: Request, capability: str, name: str) -> Response:
    content, media_type = await run_in_threadpool(
        _document, request.app.state.runtime, capability, name)
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'inline; filename="{name}"', **SEGURANCA})


def _view(runtime: Runtime, capability: str) -> str:
    with runtime.engine.connect() as conn:
        row = notas.get_by_capability(conn, capability)
        if row is None or Status(row.status) not in ISSUED:
            raise nao_encontrado()
        empresa = empresas.get_empresa(conn, row.empresa_id)
    links = {"DANFSe (PDF)": public_path(capability, "danfse.pdf"),
             "XML da NFS-e": public_path(capability, "nfse.xml")}
    if Status(row.status) == Status.CANCELADO:
        links["XML do cancelamento"] = public_path(capability, "cancelamento.xml")
    return pagina_nota(modelos.parse(row.modelo, json.loads(row.requisicao)), status=row.status,
                       numero=row.numero, codigo_verificacao=row.codigo_verificacao,
                       chave_acesso=row.chave_acesso, data_emissao=aware(row.data_emissao),
                       razao_social_prestador=empresa.nome, links=links,
                       homologacao=row.ambiente == "homologacao")


@router.get(PUBLIC_PREFIX + "/{capability}")
async def view(request: Request, capability: str) -> HTMLResponse:
    return HTMLResponse(await run_in_threadpool(_view, request.app.state.runtime, capability),
                        headers=SEGURANCA)
