"""The FastAPI application."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from nfse.api import (
    acesso,
    admin_routes,
    email_routes,
    empresas_routes,
    errors,
    hook_routes,
    http_pt,
    invalidacao,
    municipios_routes,
    nfse_routes,
    openapi,
    ops_routes,
    public_routes,
    recebidas_routes,
)
from nfse.api.auth import CredentialCache
from nfse.api.cliente import trusted
from nfse.api.contagem_partilhada import ContagemPartilhada
from nfse.api.guarda import GuardaUrl
from nfse.api.painel import rotas as painel
from nfse.api.ratelimit import RateLimiter, RateLimitMiddleware
from nfse.api.requisicao import RequestIdMiddleware
from nfse.runtime import Runtime
from nfse.store.db import is_postgres


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(title="nfse-gateway", version="0.1.0",
                  description="NFS-e API compatible with Focus NFe v2")
    app.state.runtime = runtime
    app.state.credenciais = CredentialCache()
    invalidacao.instalar(app, runtime.engine, app.state.credenciais)
    partilha = None
    if is_postgres(runtime.engine):
        partilha = ContagemPartilhada(runtime.engine)
        app.router.on_startup.append(partilha.start)
        app.router.on_shutdown.append(partilha.stop)
    app.state.falhas = RateLimiter(lambda: runtime.settings.auth_failures, partilha=partilha)
    app.state.limiter = limiter = RateLimiter(lambda: runtime.settings.rate_limit,
                                              partilha=partilha)
    app.add_middleware(RateLimitMiddleware, limiter=limiter,
                       proxies=lambda: trusted(runtime.settings.trusted_proxies))
    app.add_middleware(GuardaUrl)
    app.add_middleware(RequestIdMiddleware)
    errors.install(app)
    app.include_router(nfse_routes.router)
    app.include_router(email_routes.router)
    app.include_router(hook_routes.router)
    app.include_router(empresas_routes.router)
    app.include_router(municipios_routes.router)
    app.include_router(public_routes.router)
    app.include_router(recebidas_routes.router)
    app.include_router(painel.router)
    app.include_router(admin_routes.router)
    app.include_router(ops_routes.router)
    openapi.install(app)
    http_pt.install(app)
    return app


def server_config(app: FastAPI, host: str, port: int) -> uvicorn.Config:
    """How ``nfse serve`` runs an app; the benchmark's bare endpoint runs under the same.
    The access log never shows a ``?token=``."""
    acesso.instalar()
    return uvicorn.Config(app, host=host, port=port, log_level="info", proxy_headers=False)
