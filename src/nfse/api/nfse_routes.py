"""``/v2/nfse`` and ``/v2/nfsen``: accept (asynchronous), query, cancel (synchronous). The
two doors differ only in the body they parse (``model.modelos``); a note answers at the
door it came through."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, cast

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import Connection, Row
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from nfse.api.auth import credencial
from nfse.api.body import invalid, json_body, json_body_text
from nfse.api.dry_run import nome_municipio, simular
from nfse.api.errors import ApiError, nao_encontrado
from nfse.config import Settings
from nfse.domain.status import Status
from nfse.model import modelos
from nfse.model.errors import RequisicaoInvalida
from nfse.model.nfse import validar_ref
from nfse.model.nfsen import plano
from nfse.model.nota import Nota
from nfse.municipios import provedores
from nfse.municipios.routing import NACIONAL, nao_atendido, provider_for
from nfse.providers.base import Capability, ChecksParameters, Result
from nfse.providers.registry import capabilities, get_provider
from nfse.representacao import nota_json
from nfse.runtime import Runtime
from nfse.store import ciclo, emails, notas
from nfse.store.clock import now
from nfse.store.db import autocommit
from nfse.store.empresas import Credencial
from nfse.work.emails import avisar_tomador
from nfse.work.webhooks import disparar

router = APIRouter()


class RotaDireta(APIRoute):
    """A route whose endpoint takes the ``Request`` alone and reads it itself, called
    without FastAPI's per-request work (reading the body, solving dependencies, the
    endpoint's context for error messages): on the acceptance path that work was about a
    tenth of the API's CPU per note. Documented in the OpenAPI schema like any route."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            return await endpoint(request)

        return handler


ESPERA = 0.05
"""How often a cancellation waiting for another one of the same note looks again (s)."""
EM_PROCESSAMENTO = ApiError(422, "em_processamento", "Nota fiscal em processamento")
NFE_AUTORIZADA = ApiError(422, "nfe_autorizada", "Nota fiscal já autorizada")


def base_url(request: Request) -> str:
    configured = request.app.state.runtime.settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def _nao_habilitada(mensagem: str, correcao: str) -> None:
    raise ApiError(400, "empresa_nao_habilitada",
                   "Emitente ainda não habilitado para emissão de NFSe",
                   erros=[{"codigo": "empresa_nao_habilitada", "mensagem": mensagem,
                           "correcao": correcao}])


def _indisponivel(operacao: str, codigo_municipio: str, correcao: str) -> None:
    """A 400 for an operation (with its article: "A substituição") the municipality's
    provider does not offer."""
    mensagem = (f"{operacao} de NFS-e não está disponível para o município "
                f"{nome_municipio(codigo_municipio)} neste gateway")
    raise ApiError(400, "operacao_indisponivel", mensagem, erros=[{
        "codigo": "operacao_indisponivel", "mensagem": mensagem, "correcao": correcao}])


def _validate(cred: Credencial, ref: str | None, body: Any, modelo: str,
              settings: Settings) -> tuple[str, Nota, str]:
    """The checks that need no database: (ref, the normalised note, provider)."""
    try:
        ref = validar_ref(ref)
        nota = modelos.parse(modelo, body)
        # /v2/nfsen is the national standard's door whatever the municipality (SPEC §3)
        provider = NACIONAL if modelo == modelos.NFSEN else provider_for(
            nota.prestador.codigo_municipio)
        layout = get_provider(provider).validate(nota)
        if layout:
            raise RequisicaoInvalida(plano(layout) if modelo == modelos.NFSEN else layout)
    except RequisicaoInvalida as exc:
        raise invalid(exc) from exc
    recusa = None if modelo == modelos.NFSEN else nao_atendido(
        nota.prestador.codigo_municipio, cred.ambiente, settings)
    if recusa:
        raise ApiError(400, "municipio_nao_atendido", recusa, erros=[{
            "codigo": "municipio_nao_atendido", "campo": "prestador.codigo_municipio",
            "mensagem": recusa, "correcao": None}])
    if (nota.chave_nfse_substituida or nota.numero_rps_substituido) and \
            Capability.SUBSTITUTE not in capabilities(provider):
        _indisponivel("A substituição", nota.prestador.codigo_municipio,
                      "Cancele a nota e emita outra")
    empresa = cred.empresa
    if nota.prestador.documento != empresa.documento:
        _nao_habilitada(f"O prestador {nota.prestador.documento} não é a empresa deste token "
                        f"({empresa.documento})", "Informe o CNPJ ou CPF da empresa do token")
    if not empresa.habilita_nfse:
        _nao_habilitada(f"A empresa {empresa.documento} está com a emissão de NFS-e "
                        "desabilitada", "Habilite a emissão de NFS-e da empresa em "
                        "/v2/empresas (habilita_nfse)")
    if modelo == modelos.NFSEN and getattr(empresa, f"habilita_nfsen_{cred.ambiente}") is False:
        raise ApiError(400, "empresa_nao_habilitada",
                       f"Emitente não habilitado para a NFS-e Nacional em {cred.ambiente}")
    if not empresa.tem_certificado:
        raise ApiError(400, "empresa_nao_habilitada",
                       "Emitente sem certificado digital: envie-o em /v2/empresas")
    if empresa.certificado_valido_ate and empresa.certificado_valido_ate < now():
        raise ApiError(400, "certificado_vencido", "O certificado do emitente está vencido")
    return ref, nota, provider


async def _store(runtime: Runtime, cred: Credencial, ref: str, body: str, nota: Nota,
                 provider: str, modelo: str) -> None:
    """Queue the note for the shared writer; return once it is committed."""
    substitui: tuple[str, int] | str | None = nota.chave_nfse_substituida
    campo = "chave_nfse_substituida"
    if nota.numero_rps_substituido:
        substitui = (nota.serie_rps_substituido or "", int(nota.numero_rps_substituido))
        campo = "numero_rps_substituido"
    pedido = notas.Pedido(empresa_id=cred.empresa.id, ambiente=cred.ambiente, ref=ref,
                          requisicao=body, cnpj_prestador=nota.prestador.documento,
                          provider=provider, substitui=substitui, modelo=modelo)
    try:
        await runtime.aceitacao.submit(pedido)
    except notas.RefOcupada as exc:
        raise (EM_PROCESSAMENTO if exc.status == Status.PROCESSANDO else NFE_AUTORIZADA) from exc
    except notas.SubstituicaoInvalida as exc:
        raise ApiError(400, "requisicao_invalida", str(exc), erros=[{
            "codigo": "requisicao_invalida", "campo": campo, "mensagem": str(exc),
            "correcao": "Informe uma nota autorizada desta empresa"}]) from exc
    except IntegrityError as exc:  # the same ref POSTed concurrently
        raise EM_PROCESSAMENTO from exc
    runtime.wake.set()


REF_PARAMETER = {"parameters": [{
    "name": "ref", "in": "query", "required": True, "schema": {"type": "string"},
    "description": "Referência única da nota para a empresa (até 100 caracteres)"}]}


def _da_porta(conn: Connection, cred: Credencial, ref: str, modelo: str) -> Row | None:
    """The note of this ref, if it came through this door."""
    row = notas.get_by_ref(conn, cred.empresa.id, cred.ambiente, ref)
    return row if row is not None and row.modelo == modelo else None


async def _parametros(runtime: Runtime, cred: Credencial, nota: Nota, provider: str,
                      modelo: str) -> None:
    """What the municipality refuses (no convênio, a service it does not accept, another
    rate, a regime it does not admit) is refused now, not minutes later by the authority.
    Asked once per municipality, service and month for a few hours (a cache hit costs
    nothing here); when the parameters service does not answer, the note goes on."""
    if Capability.PARAMETERS not in capabilities(provider):
        return
    parametros = cast(ChecksParameters, get_provider(provider))
    emissor = runtime.emissores.for_empresa(cred.empresa, cred.ambiente, provider,
                                            nota.prestador.codigo_municipio)
    if parametros.parameters_cached(nota, emissor):
        problemas = parametros.check_parameters(nota, emissor)
    else:
        problemas = await run_in_threadpool(parametros.check_parameters, nota, emissor)
    if problemas:
        raise invalid(RequisicaoInvalida(
            plano(problemas) if modelo == modelos.NFSEN else problemas))


async def _post(request: Request, modelo: str) -> JSONResponse:
    """The hot path of the API: no FastAPI dependencies or query models (resolving them per
    request costs as much as validating the note); the token is checked the same way."""
    cred = await credencial(request)
    ref = request.query_params.get("ref")
    body, text = await json_body_text(request)
    if request.query_params.get("dry_run", "0").lower() in ("1", "true"):
        return JSONResponse(await run_in_threadpool(
            simular, request.app.state.runtime, cred, ref, body, modelo))
    ref, nota, provider = _validate(cred, ref, body, modelo,
                                    request.app.state.runtime.settings)
    await _parametros(request.app.state.runtime, cred, nota, provider, modelo)
    await _store(request.app.state.runtime, cred, ref, text, nota, provider, modelo)
    return JSONResponse({"cnpj_prestador": nota.prestador.documento, "ref": ref,
                         "status": Status.PROCESSANDO.value}, status_code=202)


async def _get(request: Request, cred: Credencial, ref: str, completa: str,
               modelo: str) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    url = base_url(request)

    def load() -> dict[str, Any]:
        with runtime.engine.connect() as conn:
            row = _da_porta(conn, cred, ref, modelo)
            if row is None:
                raise nao_encontrado()
            return nota_json(conn, row, url, completa=completa in ("1", "true"))

    return JSONResponse(await run_in_threadpool(load))


def _cancelavel(status: Status) -> None:
    """The Focus answer to a cancellation of a note in ``status``, unless it is autorizado."""
    if status == Status.CANCELADO:
        raise ApiError(400, "nfe_cancelada", "Nota Fiscal já cancelada")
    if status == Status.PROCESSANDO:
        raise EM_PROCESSAMENTO
    if status != Status.AUTORIZADO:
        raise ApiError(400, "nfe_nao_autorizada",
                       "Nota fiscal não autorizada não pode ser cancelada")


def _reservar(runtime: Runtime, nota_id: int) -> ciclo.Lease:
    """Hold the note for this cancellation (``ciclo.reservar``). While another request
    holds it, wait for its outcome: then answer for the state it left (nfe_cancelada), or
    try in turn if it is still authorized. A hold outlives no authority call: a request
    that died leaves one that expires."""
    duracao = timedelta(seconds=2 * runtime.settings.authority_timeout + 5)
    dono = f"cancelamento:{uuid.uuid4().hex}"
    while True:
        with runtime.engine.begin() as conn:
            lease = ciclo.reservar(conn, nota_id, dono, duracao)
        if lease is not None:
            return lease
        with autocommit(runtime.engine) as conn:
            _cancelavel(Status(notas.get(conn, nota_id).status))
        time.sleep(ESPERA)


def _cancel(runtime: Runtime, cred: Credencial, ref: str, body: Any,
            base: str, modelo: str) -> dict[str, Any]:
    with runtime.engine.connect() as conn:
        row = _da_porta(conn, cred, ref, modelo)
    if row is None:
        raise nao_encontrado()
    justificativa = body.get("justificativa") if isinstance(body, dict) else None
    if not isinstance(justificativa, str) or not 15 <= len(justificativa.strip()) <= 255:
        raise ApiError(400, "requisicao_invalida",
                       'Parâmetro "justificativa" deve ter entre 15 e 255 caracteres')
    justificativa = justificativa.strip()
    municipio = modelos.parse(row.modelo, json.loads(row.requisicao)).prestador.codigo_municipio
    # a provider without cancellation, or a municipal system without it in its web service
    # (the profile's possui_cancelamento_nfse = false: MegaSoft)
    if Capability.CANCEL not in capabilities(row.provider) \
            or provedores.flags(municipio).get("possui_cancelamento_nfse") is False:
        _indisponivel("O cancelamento", municipio, "Cancele a nota no sistema da prefeitura")
    lease = _reservar(runtime, row.id)
    try:
        with autocommit(runtime.engine) as conn:  # as it was authorized, not as first read
            row = notas.get(conn, row.id)
        nota = modelos.parse(row.modelo, json.loads(row.requisicao))
        emissor = runtime.emissores.for_empresa(cred.empresa, cred.ambiente, row.provider,
                                                nota.prestador.codigo_municipio)
        recusa = runtime.emissores.recusa(emissor, row.provider,
                                          nota.prestador.codigo_municipio)
        if recusa:
            raise ApiError(400, "municipio_nao_atendido", recusa)
        outcome = get_provider(row.provider).cancel(
            nota, row.chave_acesso or "", row.numero or "", justificativa, emissor)
        if outcome.result == Result.AUTHORIZED:
            with runtime.engine.begin() as conn:
                ciclo.cancelar(conn, row.id, justificativa, xml_cancelamento=outcome.xml,
                               lease=lease)
                avisar_tomador(conn, row.id, nota, cred.empresa, cred.ambiente,
                               emails.CANCELADO)
                disparar(conn, row.id, base)
            lease = None
    except ciclo.EstadoMudou as exc:  # replaced meanwhile (the worker's substitution)
        _cancelavel(exc.encontrado or Status.CANCELADO)
        # still authorized, our hold expired during the authority's answer: another request
        # holds the note now and records what the authority registered
        return {"status": "erro_cancelamento", "erros": [{
            "codigo": "cancelamento_em_andamento",
            "mensagem": "Outro pedido de cancelamento desta nota está em andamento",
            "correcao": "Consulte a nota em alguns segundos"}]}
    finally:
        if lease is not None:
            with runtime.engine.begin() as conn:
                ciclo.liberar(conn, row.id, lease)
    if outcome.result == Result.AUTHORIZED:
        runtime.wake.set()
        return {"status": "cancelado"}
    erros = [e.as_json() for e in outcome.erros] or [{
        "codigo": "sem_resposta",
        "mensagem": outcome.mensagem or "A prefeitura não respondeu ao pedido de cancelamento",
        "correcao": "A nota continua autorizada; tente cancelar novamente mais tarde",
    }]
    return {"status": "erro_cancelamento", "erros": erros}


async def _delete(request: Request, cred: Credencial, ref: str, modelo: str) -> JSONResponse:
    body = await json_body(request, required=False)
    if not isinstance(body, dict):
        body = {}
    if "justificativa" not in body and request.query_params.get("justificativa"):
        body["justificativa"] = request.query_params["justificativa"]
    result = await run_in_threadpool(_cancel, request.app.state.runtime, cred, ref, body,
                                     base_url(request), modelo)
    return JSONResponse(result)


def _rotas(modelo: str) -> None:
    """The routes of one door, ``/v2/{modelo}``."""
    prefixo = f"/v2/{modelo}"

    async def post(request: Request) -> JSONResponse:
        return await _post(request, modelo)

    router.add_api_route(prefixo, post, methods=["POST"], openapi_extra=REF_PARAMETER,
                         name=f"post_{modelo}", route_class_override=RotaDireta)

    @router.get(prefixo + "/{ref}", name=f"get_{modelo}")
    async def get(request: Request, ref: str, completa: str = "0",
                  cred: Credencial = Depends(credencial)) -> JSONResponse:
        return await _get(request, cred, ref, completa, modelo)

    @router.delete(prefixo + "/{ref}", name=f"delete_{modelo}")
    async def delete(request: Request, ref: str,
                     cred: Credencial = Depends(credencial)) -> JSONResponse:
        return await _delete(request, cred, ref, modelo)


for _modelo in modelos.PARSERS:
    _rotas(_modelo)
