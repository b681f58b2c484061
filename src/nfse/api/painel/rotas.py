"""The operator panel (``/painel``): server-rendered pages for administrator tokens — notes
with filters, a note with everything that happened to it, the companies, the health of queues
and authorities — and three actions on a note: e-mail it again, fire its webhooks again, try it
now. Sessions and CSRF: ``painel.sessao``."""

from __future__ import annotations

import json
import zlib
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from nfse.api.auth import antes_de_tentar, falhou
from nfse.api.painel import sessao
from nfse.domain.status import ISSUED, Status
from nfse.fuso import SAO_PAULO
from nfse.model import modelos
from nfse.model.digitos import so_digitos
from nfse.representacao import nota_json
from nfse.runtime import Runtime
from nfse.store import admin_tokens, emails, notas, operador
from nfse.store.clock import aware
from nfse.store.tables import MAX_ID
from nfse.visualizacao.links import public_path
from nfse.work.webhooks import disparar

router = APIRouter(prefix="/painel", include_in_schema=False)
PASTA = Path(__file__).parent
templates = Jinja2Templates(directory=PASTA / "templates")
templates.env.filters["data"] = lambda valor: aware(valor).astimezone(SAO_PAULO).strftime(
    "%d/%m/%Y %H:%M:%S") if valor else "—"
STATUS = [s.value for s in Status]
FORMULARIO = 4096
CABECALHOS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
}


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _base(request: Request) -> str:
    configured = _runtime(request).settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def _pagina(request: Request, nome: str, status: int = 200, **contexto: Any) -> HTMLResponse:
    contexto.update(csrf=sessao.csrf(_runtime(request), request))
    resposta = templates.TemplateResponse(request, nome, contexto, status_code=status)
    resposta.headers.update(CABECALHOS)
    return resposta


async def _form(request: Request) -> dict[str, str]:
    """The fields of a posted form (``application/x-www-form-urlencoded``, a few short
    fields: at most ``FORMULARIO`` bytes are read)."""
    corpo = b""
    async for pedaco in request.stream():
        corpo += pedaco
        if len(corpo) > FORMULARIO:
            return {}
    campos = parse_qs(corpo.decode("utf-8", "replace"), max_num_fields=10)
    return {nome: valores[0] for nome, valores in campos.items()}


def _entrar() -> RedirectResponse:
    return RedirectResponse("/painel/entrar", status_code=303)


def _logado(request: Request) -> bool:
    return sessao.token(_runtime(request), request) is not None


@router.get("/estilo.css")
def estilo() -> Response:
    return Response((PASTA / "estilo.css").read_bytes(), media_type="text/css",
                    headers={"Cache-Control": "max-age=3600"})


@router.get("/entrar", response_class=HTMLResponse)
def entrar(request: Request) -> Response:
    return _pagina(request, "entrar.html", erro=None)


@router.post("/entrar")
async def entrar_post(request: Request) -> Response:
    """Failed logins spend the client address's budget of failed authentications, as the
    API's do (429 once it is spent)."""
    antes_de_tentar(request)
    token = (await _form(request)).get("token", "")
    return await run_in_threadpool(_entrar_com, request, token)


def _entrar_com(request: Request, token: str) -> Response:
    runtime = _runtime(request)
    with runtime.engine.connect() as conn:
        valido = bool(token) and admin_tokens.valido(conn, token.strip())
    if not valido:
        falhou(request)
        return _pagina(request, "entrar.html", status=401,
                       erro="Token de administrador inválido ou revogado")
    resposta = RedirectResponse("/painel/notas", status_code=303)
    https = request.url.scheme == "https" or (runtime.settings.public_url or "").startswith(
        "https://")
    sessao.abrir(runtime, token.strip(), resposta, https)
    return resposta


@router.post("/sair")
async def sair(request: Request) -> Response:
    csrf = (await _form(request)).get("csrf", "")
    resposta = _entrar()
    if sessao.csrf_valido(_runtime(request), request, csrf):
        sessao.fechar(resposta)
    return resposta


@router.get("")
def inicio(request: Request) -> Response:
    return RedirectResponse("/painel/notas", status_code=303)


def _dia(texto: str | None) -> date | None:
    try:
        return date.fromisoformat(texto) if texto else None
    except ValueError:
        return None


def _inteiro(texto: str | None) -> int | None:
    return int(texto) if texto and so_digitos(texto) and len(texto) < 18 else None


def filtros_de(params: Any) -> operador.Filtros:
    """The filters of a query string (the panel's form and ``GET /v2/admin/notas``); values
    that cannot be read are ignored."""
    status = params.get("status") or None
    ambiente = params.get("ambiente") or None
    return operador.Filtros(
        empresa_id=_inteiro(params.get("empresa")),
        status=status if status in STATUS else None,
        ambiente=ambiente if ambiente in ("homologacao", "producao") else None,
        ref=(params.get("ref") or "").strip()[:100] or None,
        desde=_dia(params.get("desde")), ate=_dia(params.get("ate")),
        texto=(params.get("texto") or "").strip()[:200] or None)


@router.get("/notas", response_class=HTMLResponse)
def lista(request: Request) -> Response:
    if not _logado(request):
        return _entrar()
    filtros = filtros_de(request.query_params)
    antes = _inteiro(request.query_params.get("antes"))
    with _runtime(request).engine.connect() as conn:
        pagina = operador.buscar_notas(conn, filtros, antes)
        total = operador.contar_notas(conn, filtros)
    proxima = None
    if pagina.proxima is not None:
        params = dict(request.query_params)
        params["antes"] = str(pagina.proxima)
        proxima = "/painel/notas?" + urlencode(params)
    return _pagina(request, "notas.html", linhas=pagina.linhas, total=contagem(total),
                   examinadas=pagina.examinadas, filtros=filtros, params=request.query_params,
                   status_opcoes=STATUS, proxima=proxima)


def contagem(total: int | None) -> str:
    """A list's count as the panel and the CLI show it."""
    if total is None:
        return "busca por texto"
    if total > operador.LIMITE_CONTAGEM:
        return f"mais de {operador.LIMITE_CONTAGEM:,}".replace(",", ".")
    return str(total)


@router.get("/notas/{nota_id}", response_class=HTMLResponse)
def nota(request: Request, nota_id: int, aviso: str | None = None) -> Response:
    if not _logado(request):
        return _entrar()
    with _runtime(request).engine.connect() as conn:
        detalhe = operador.detalhe(conn, nota_id) if 0 < nota_id <= MAX_ID else None
        if detalhe is None:
            return _pagina(request, "nada.html", status=404,
                           mensagem=f"Nota {nota_id} não encontrada")
        corpo = nota_json(conn, detalhe.nota, _base(request), completa=True)
    links = {}
    if Status(detalhe.nota.status) in ISSUED:
        capability = detalhe.nota.capability
        links = {"Página pública": public_path(capability),
                 "DANFSe (PDF)": public_path(capability, "danfse.pdf"),
                 "XML da NFS-e": public_path(capability, "nfse.xml")}
    return _pagina(request, "nota.html", d=detalhe, json_nota=json.dumps(
        corpo, ensure_ascii=False, indent=2), links=links, aviso=aviso,
        processando=detalhe.nota.status == Status.PROCESSANDO,
        emitida=Status(detalhe.nota.status) in ISSUED)


@router.get("/notas/{nota_id}/artefatos/{artefato_id}")
def artefato(request: Request, nota_id: int, artefato_id: int) -> Response:
    if not _logado(request):
        return _entrar()
    with _runtime(request).engine.connect() as conn:
        row = operador.artefato(conn, nota_id, artefato_id) if max(
            nota_id, artefato_id) <= MAX_ID else None
    if row is None:
        return _pagina(request, "nada.html", status=404, mensagem="Documento não encontrado")
    conteudo = zlib.decompress(row.content)
    tipo = "text/plain; charset=utf-8" if "xml" in row.media_type or "json" in \
        row.media_type else row.media_type
    return Response(conteudo, media_type=tipo, headers={
        **CABECALHOS, "Content-Disposition": f'inline; filename="{row.kind}"'.replace(":", "-")})


def _acao(request: Request, nota_id: int, csrf: str, fazer: Any) -> Response:
    """Run an action on the note (CSRF checked) and show the note with what happened."""
    if not _logado(request):
        return _entrar()
    runtime = _runtime(request)
    if not sessao.csrf_valido(runtime, request, csrf):
        return _pagina(request, "nada.html", status=403,
                       mensagem="Formulário expirado ou de outra origem: recarregue a página")
    with runtime.engine.begin() as conn:
        row = notas.get(conn, nota_id) if 0 < nota_id <= MAX_ID else None
        aviso = fazer(conn, row) if row is not None else "Nota não encontrada"
    runtime.wake.set()
    return RedirectResponse(f"/painel/notas/{nota_id}?aviso={quote(aviso)}", status_code=303)


def _reenviar_hook(request: Request) -> Any:
    def fazer(conn: Any, row: Any) -> str:
        if Status(row.status) == Status.PROCESSANDO:
            return "A nota ainda está em processamento"
        disparados = disparar(conn, row.id, _base(request))
        return f"Webhook disparado para {len(disparados)} gatilho(s)"
    return fazer


def _reenviar_email(conn: Any, row: Any) -> str:
    if Status(row.status) not in ISSUED:
        return "Só notas autorizadas ou canceladas podem ser enviadas por e-mail"
    anteriores = sorted({e.destinatario for e in operador.detalhe(conn, row.id).emails})
    if not anteriores:
        nota = modelos.parse(row.modelo, json.loads(row.requisicao))
        anteriores = [nota.tomador.email] if nota.tomador and nota.tomador.email else []
    if not anteriores:
        return "A nota não tem destinatário de e-mail"
    enfileirados, _ = emails.enfileirar(conn, row.id, anteriores, emails.PEDIDO)
    return f"E-mail enfileirado para {', '.join(enfileirados) or 'ninguém (bloqueados)'}"


def _tentar_agora(conn: Any, row: Any) -> str:
    if notas.adiantar(conn, row.id):
        return "A nota será tentada agora"
    return "A nota não está aguardando nova tentativa"


ACOES = {"webhook": _reenviar_hook, "email": lambda _: _reenviar_email,
         "tentar": lambda _: _tentar_agora}


@router.post("/notas/{nota_id}/{acao}")
async def agir(request: Request, nota_id: int, acao: str) -> Response:
    """``webhook``: fire its webhooks again; ``email``: e-mail it again to whom it went (or
    its tomador); ``tentar``: try a note still processing now."""
    if acao not in ACOES:
        return await run_in_threadpool(_pagina, request, "nada.html", 404,
                                       mensagem="Ação desconhecida")
    csrf = (await _form(request)).get("csrf", "")
    return await run_in_threadpool(_acao, request, nota_id, csrf, ACOES[acao](request))


@router.get("/empresas", response_class=HTMLResponse)
def empresas(request: Request) -> Response:
    if not _logado(request):
        return _entrar()
    with _runtime(request).engine.connect() as conn:
        linhas = operador.empresas_com_contagem(conn, operador.LIMITE_CONTAGEM)
    return _pagina(request, "empresas.html", linhas=linhas, status_opcoes=STATUS,
                   contagem=contagem)


@router.get("/saude", response_class=HTMLResponse)
def saude(request: Request) -> Response:
    if not _logado(request):
        return _entrar()
    with _runtime(request).engine.connect() as conn:
        estado = operador.saude(conn)
    return _pagina(request, "saude.html", s=estado)
