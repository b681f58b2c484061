"""Operations: liveness of the whole (``/healthz``), readiness (``/readyz``) and
``/metrics`` in the Prometheus text format (company identifiers only for the administrator
token)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import func, select, text
from starlette.concurrency import run_in_threadpool

from nfse.api.auth import token_of
from nfse.domain.status import Status
from nfse.metrics import REGISTRY
from nfse.runtime import Runtime
from nfse.store import admin_tokens
from nfse.store.clock import aware, now
from nfse.store.tables import empresas, notas, workers

router = APIRouter()
WORKER_ALIVE = timedelta(seconds=30)


def _health(runtime: Runtime) -> tuple[int, dict[str, str]]:
    report = {"api": "ok", "database": "ok", "worker": "ok"}
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            beats = [aware(b) for b in conn.execute(select(workers.c.heartbeat_at)).scalars()]
    except Exception:
        report["database"] = report["worker"] = "indisponivel"
        return 503, report
    if not any(b and now() - b < WORKER_ALIVE for b in beats):
        report["worker"] = "parado"
        return 503, report
    return 200, report


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    status, report = await run_in_threadpool(_health, request.app.state.runtime)
    return JSONResponse(report, status_code=status)


def _ready(runtime: Runtime) -> bool:
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    ready = await run_in_threadpool(_ready, request.app.state.runtime)
    return JSONResponse({"database": "ok" if ready else "indisponivel"},
                        status_code=200 if ready else 503)


def _database_gauges(runtime: Runtime, por_empresa: bool) -> list[str]:
    moment = now()
    with runtime.engine.connect() as conn:
        by_status = conn.execute(select(notas.c.status, notas.c.ambiente, func.count())
                                 .group_by(notas.c.status, notas.c.ambiente)).all()
        due = conn.execute(select(func.count(), func.min(notas.c.next_attempt_at)).where(
            notas.c.status == Status.PROCESSANDO.value,
            notas.c.next_attempt_at <= moment)).one()
        certificados = conn.execute(select(
            empresas.c.cnpj, empresas.c.cpf, empresas.c.certificado_valido_ate).where(
            empresas.c.excluida_em.is_(None), empresas.c.certificado_valido_ate.isnot(None)
        )).all()
    oldest = aware(due[1])
    lines = ["# HELP nfse_notas Notas por situação e ambiente", "# TYPE nfse_notas gauge"]
    lines += [f'nfse_notas{{status="{s}",ambiente="{a}"}} {n}' for s, a, n in by_status]
    lines += ["# HELP nfse_fila_vencidas Notas prontas para envio",
              "# TYPE nfse_fila_vencidas gauge", f"nfse_fila_vencidas {due[0]}",
              "# HELP nfse_fila_idade_segundos Espera da nota vencida mais antiga",
              "# TYPE nfse_fila_idade_segundos gauge",
              f"nfse_fila_idade_segundos {(moment - oldest).total_seconds() if oldest else 0:.3f}",
              "# HELP nfse_certificado_dias_restantes Dias até o certificado A1 vencer",
              "# TYPE nfse_certificado_dias_restantes gauge"]
    dias = {c.cnpj or c.cpf: (aware(c.certificado_valido_ate) - moment).total_seconds() / 86400
            for c in certificados}
    if por_empresa:
        lines += [f'nfse_certificado_dias_restantes{{empresa="{empresa}"}} {d:.1f}'
                  for empresa, d in dias.items()]
    else:  # without the administrator token, no company is named
        lines += [f"nfse_certificado_dias_restantes {min(dias.values()):.1f}"] if dias else []
        lines += ["# HELP nfse_certificados_vencendo Certificados A1 que vencem em 30 dias",
                  "# TYPE nfse_certificados_vencendo gauge",
                  f"nfse_certificados_vencendo {sum(1 for d in dias.values() if d < 30)}"]
    return lines


def _administrador(runtime: Runtime, token: str | None) -> bool:
    if not token:
        return False
    with runtime.engine.connect() as conn:
        return admin_tokens.valido(conn, token)


@router.get("/metrics")
async def metrics(request: Request) -> PlainTextResponse:
    """Aggregates for anyone who reaches it; the per-company lines (CNPJ) only with the
    administrator token."""
    runtime = request.app.state.runtime
    por_empresa = await run_in_threadpool(_administrador, runtime, token_of(request))
    extra = await run_in_threadpool(_database_gauges, runtime, por_empresa)
    return PlainTextResponse(REGISTRY.render(extra), media_type="text/plain; version=0.0.4")
