"""Operations: liveness of the whole (``/healthz``), readiness (``/readyz``) and
``/metrics`` in the Prometheus text format (company identifiers only for the administrator
token)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from nfse.api.auth import token_of
from nfse.metrics import REGISTRY
from nfse.runtime import Runtime
from nfse.store import admin_tokens, db, operador, workers
from nfse.store.clock import now

router = APIRouter()
WORKER_ALIVE = timedelta(seconds=30)


def _health(runtime: Runtime) -> tuple[int, dict[str, str]]:
    report = {"api": "ok", "database": "ok", "worker": "ok"}
    try:
        with runtime.engine.connect() as conn:
            db.ping(conn)
            beats = workers.heartbeats(conn)
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
            db.ping(conn)
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
        medidas = operador.medidas(conn, moment)
    oldest = medidas.vencida_desde
    lines = ["# HELP nfse_notas Notas por situação e ambiente", "# TYPE nfse_notas gauge"]
    lines += [f'nfse_notas{{status="{s}",ambiente="{a}"}} {n}' for s, a, n in medidas.por_status]
    lines += ["# HELP nfse_fila_vencidas Notas prontas para envio",
              "# TYPE nfse_fila_vencidas gauge", f"nfse_fila_vencidas {medidas.vencidas}",
              "# HELP nfse_fila_idade_segundos Espera da nota vencida mais antiga",
              "# TYPE nfse_fila_idade_segundos gauge",
              f"nfse_fila_idade_segundos {(moment - oldest).total_seconds() if oldest else 0:.3f}",
              "# HELP nfse_certificado_dias_restantes Dias até o certificado A1 vencer",
              "# TYPE nfse_certificado_dias_restantes gauge"]
    dias = {empresa: (ate - moment).total_seconds() / 86400
            for empresa, ate in medidas.certificados}
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
