"""Logs that say what happened (issue 23.2, the part outside the worker): the text format
carries the note's context as the JSON one does, and uvicorn's access and error lines come
out through the same handler, in the same format."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from nfse.api.app import create_app
from nfse.logs import UVICORN, adotar_uvicorn, setup_logging
from nfse.runtime import Runtime


@pytest.fixture
def registro() -> Iterator[None]:
    raiz = logging.getLogger()
    antes = raiz.handlers[:], raiz.level
    loggers = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).propagate)
               for n in UVICORN}
    yield
    raiz.handlers[:], nivel = antes
    raiz.setLevel(nivel)
    for nome, (handlers, propaga) in loggers.items():
        logging.getLogger(nome).handlers[:] = handlers
        logging.getLogger(nome).propagate = propaga


def _servidor_configurado(formato: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """As ``nfse serve`` does: our set-up, then uvicorn's Config (which configures its own
    loggers), then adopting them."""
    monkeypatch.setenv("NFSE_LOG_FORMAT", formato)
    setup_logging()
    uvicorn.Config(lambda *_: None, log_level="info")
    adotar_uvicorn()


def _acesso() -> None:
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000",
                                             "POST", "/v2/nfse?ref=a", "1.1", 202)


def test_text_lines_carry_the_context_and_uvicorn_shares_the_format(
        registro: None, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    _servidor_configurado("text", monkeypatch)
    logging.getLogger("nfse.work").info("emissao: %s", "rejected", extra={
        "ref": "pedido-1", "empresa": "11222333000181", "ambiente": "producao",
        "attempt": 3, "result": "rejected"})
    _acesso()
    linhas = capsys.readouterr().err.splitlines()
    assert linhas[0].endswith("INFO nfse.work emissao: rejected ref=pedido-1 "
                              "empresa=11222333000181 ambiente=producao attempt=3 "
                              "result=rejected")
    assert " INFO uvicorn.access 127.0.0.1:5000 - \"POST /v2/nfse?ref=a HTTP/1.1\" 202" in \
        linhas[1]


def test_json_lines_for_uvicorn_too(registro: None, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    _servidor_configurado("json", monkeypatch)
    _acesso()
    logging.getLogger("uvicorn.error").info("Application startup complete.")
    acesso, erro = (json.loads(linha) for linha in capsys.readouterr().err.splitlines())
    assert acesso["logger"] == "uvicorn.access"
    assert (acesso["metodo"], acesso["caminho"], acesso["status"]) == (
        "POST", "/v2/nfse?ref=a", 202)
    assert erro["logger"] == "uvicorn.error" and erro["level"] == "info"


def test_every_request_has_an_id_that_its_log_lines_carry(
        registro: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        runtime: Runtime) -> None:
    _servidor_configurado("json", monkeypatch)
    app = create_app(runtime)

    @app.get("/_teste_log")
    def _loga() -> dict:
        logging.getLogger("nfse.api").warning("dentro da requisição")
        return {}

    async def pedir() -> tuple[httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://api") as client:
            return (await client.get("/_teste_log", headers={"X-Request-Id": "pedido-42"}),
                    await client.get("/readyz", headers={"X-Request-Id": "a b;c" * 30}))

    dado, novo = asyncio.run(pedir())
    assert dado.headers["x-request-id"] == "pedido-42"
    assert len(novo.headers["x-request-id"]) == 16 and novo.headers["x-request-id"] != "pedido-42"
    linhas = [json.loads(linha) for linha in capsys.readouterr().err.splitlines() if linha]
    [dentro] = [linha for linha in linhas if linha["message"] == "dentro da requisição"]
    assert dentro["request_id"] == "pedido-42"


def test_new_request_ids_never_repeat() -> None:
    """Made without a system call each (a process prefix and a counter), yet distinct."""
    from nfse.api.requisicao import VALIDO, novo_id

    ids = [novo_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids) and all(VALIDO.fullmatch(i) and len(i) == 16 for i in ids)
