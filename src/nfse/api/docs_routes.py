"""Swagger UI at ``/docs`` and ReDoc at ``/redoc`` from files shipped with the package (the
``fastapi-offline`` wheel carries the two bundles), never from a CDN: on a server without
internet, or behind a firewall, the reference still opens. Their labels are put in Portuguese
by ``docs_traducao.js``, loaded after each bundle."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

ESTATICOS = "/docs/static"
TRADUCAO = "/docs/traducao.js"
TITULO = "nfse-gateway — referência da API"
PADRAO = {"/docs", "/docs/oauth2-redirect", "/redoc"}
"""The routes FastAPI adds for its CDN pages; replaced here."""
POLITICA = ("default-src 'self'; img-src 'self' data:; font-src 'self' data:; "
            "style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; "
            "worker-src 'self' blob:; connect-src 'self'")
"""Only the server itself, should a bundle ever reach out."""
LOGO_REDOC = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
"""The one outside address the ReDoc bundle loads (its footer's logo): served as ours."""


def _pasta() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


@cache
def _redoc_js() -> bytes:
    codigo = (_pasta() / "redoc.standalone.js").read_bytes()
    return codigo.replace(LOGO_REDOC, f"{ESTATICOS}/favicon.png".encode())


@cache
def _traducao_js() -> bytes:
    return (Path(__file__).parent / "docs_traducao.js").read_bytes()


def _so_local(pagina: HTMLResponse) -> HTMLResponse:
    """The page with the labels' translation and no source outside the server."""
    html = bytes(pagina.body).replace(
        b"</body>", f'<script src="{TRADUCAO}"></script></body>'.encode(), 1)
    return HTMLResponse(html, headers={"Content-Security-Policy": POLITICA})


def install(app: FastAPI) -> None:
    app.router.routes[:] = [r for r in app.router.routes
                            if getattr(r, "path", None) not in PADRAO]
    openapi_url = app.openapi_url or "/openapi.json"

    async def swagger() -> HTMLResponse:
        return _so_local(get_swagger_ui_html(
            openapi_url=openapi_url, title=TITULO,
            swagger_js_url=f"{ESTATICOS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ESTATICOS}/swagger-ui.css",
            swagger_favicon_url=f"{ESTATICOS}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True,
                                   "tryItOutEnabled": False, "docExpansion": "none",
                                   "defaultModelsExpandDepth": 0}))

    async def redoc() -> HTMLResponse:
        return _so_local(get_redoc_html(openapi_url=openapi_url, title=TITULO,
                              redoc_js_url=f"{ESTATICOS}/redoc.standalone.js",
                              redoc_favicon_url=f"{ESTATICOS}/favicon.png",
                              with_google_fonts=False))

    async def redoc_js() -> Response:
        return Response(_redoc_js(), media_type="text/javascript")

    async def traducao_js() -> Response:
        return Response(_traducao_js(), media_type="text/javascript")

    app.add_api_route("/docs", swagger, include_in_schema=False)
    app.add_api_route(TRADUCAO, traducao_js, include_in_schema=False)
    app.add_api_route(f"{ESTATICOS}/redoc.standalone.js", redoc_js, include_in_schema=False)
    app.add_api_route("/redoc", redoc, include_in_schema=False)
    app.mount(ESTATICOS, StaticFiles(directory=_pasta()), name="docs-estaticos")
