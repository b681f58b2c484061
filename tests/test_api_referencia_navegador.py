"""``/docs`` and ``/redoc`` in a real browser with the network cut off outside the server
(issue 23.1): the reference must open on a server without internet. Debian's chromium
driven by Playwright (its own browser download is not used); ``.ci/run`` installs it."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from nfse.api.app import create_app
from nfse.runtime import Runtime
from tests.support import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright não instalado")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium ausente (apt-get install chromium)"),
]


@pytest.fixture
def servidor(runtime: Runtime) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


ROTULOS = {
    "/docs": [("Authorize", "Autorizar"), ("Try it out", "Experimentar"),
              ("Parameters", "Parâmetros"), ("Responses", "Respostas")],
    "/redoc": [("Responses", "Respostas"), ("Response samples", "Exemplos de resposta"),
               ("Download OpenAPI", "Baixar a especificação OpenAPI")],
}
"""The labels each page shows in English out of the box, and in Portuguese here."""


@pytest.mark.parametrize(("pagina", "seletor", "titulo"), [
    ("/docs", ".opblock-tag-section", "h3"),
    ("/redoc", ".menu-content", "h2"),
])
def test_reference_opens_with_no_request_outside_the_server(
        servidor: str, pagina: str, seletor: str, titulo: str) -> None:
    externos: list[str] = []
    falhas: list[str] = []
    erros: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"])
        try:
            page = browser.new_page()
            locais = (servidor + "/", "blob:" + servidor + "/", "data:")
            page.on("request", lambda r: None if r.url.startswith(locais)
                    else externos.append(r.url))
            page.on("requestfailed", lambda r: falhas.append(r.url))
            page.on("console", lambda m: erros.append(m.text) if m.type == "error" else None)
            page.goto(servidor + pagina)
            page.wait_for_selector(seletor, timeout=20_000)
            texto = "NFS-e Nacional" if pagina == "/docs" else "Emitir uma nota"
            page.locator(titulo, has_text=texto).first.wait_for(timeout=20_000)
            if pagina == "/docs":
                assert page.locator("button.authorize").count() == 1  # HTTP Basic
                assert page.locator(".opblock-tag-section").count() >= 8  # tags by resource
                page.locator(".opblock-tag", has_text="NFS-e Nacional").first.click()
                page.locator(".opblock-summary").first.click()
                page.locator("button.try-out__btn").first.wait_for(timeout=20_000)
            else:
                page.locator("h3", has_text="Respostas").first.wait_for(timeout=20_000)
            visivel = page.inner_text("body")
            for ingles, portugues in ROTULOS[pagina]:
                assert portugues in visivel, (portugues, pagina)
                assert ingles not in visivel, (ingles, pagina)
        finally:
            browser.close()
    assert externos == []
    assert falhas == []
    assert erros == []
