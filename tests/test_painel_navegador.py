"""The panel in a real browser (Debian's chromium driven by Playwright; ``.ci/run`` installs
it): log in with an administrator token, find a note by its ref, open it, fire its webhook
again and see the delivery. With ``NFSE_PAINEL_CAPTURAS=DIR`` it also saves the screenshots
the docs show."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from nfse.store import admin_tokens
from tests.support import Gateway, nota_exemplo
from tests.test_hooks import Receptor

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright não instalado")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium ausente (apt-get install chromium)"),
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the browser's part
def test_an_operator_refires_a_webhook_from_the_panel(gateway: Gateway) -> None:
    gateway.runtime.settings.public_url = gateway.base_url
    with gateway.runtime.engine.begin() as conn:
        token = admin_tokens.criar(conn, "operador")
    gateway.runtime.settings.webhook_allow = ["127.0.0.1"]  # the receiver is on loopback
    receptor = Receptor()
    gateway.client.post("/v2/hooks", json={"event": "nfse", "url": receptor.url})
    for ref in ("outra-1", "pedido-7", "outra-2"):
        gateway.autorizar(ref, nota_exemplo())
    receptor.esperar(3)
    capturas = os.environ.get("NFSE_PAINEL_CAPTURAS")

    def capturar(page: object, nome: str) -> None:
        if capturas:
            page.screenshot(path=str(Path(capturas) / f"painel-{nome}.png"), full_page=True)

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="pt-BR")
            page.goto(gateway.base_url + "/painel/notas")
            assert page.url.endswith("/painel/entrar")
            page.fill("input[name=token]", token)
            page.click("text=Entrar")
            page.wait_for_url("**/painel/notas")
            capturar(page, "notas")
            page.fill("input[name=ref]", "pedido-7")
            page.click("text=Filtrar")
            page.wait_for_selector("text=Notas (1)")
            page.click("a:text-is('pedido-7')")
            page.wait_for_selector("h1:has-text('Nota pedido-7')")
            assert page.locator("tr.entrega").count() == 1
            page.click("text=Reenviar webhook")
            page.wait_for_selector("text=Webhook disparado para 1 gatilho(s)")
            receptor.esperar(4)
            deadline = time.monotonic() + 10
            while page.locator("tr.entrega:has-text('entregue')").count() < 2:
                assert time.monotonic() < deadline, "the second delivery never showed"
                page.reload()
            capturar(page, "nota")
            page.click("text=Empresas")
            page.wait_for_selector("h1:has-text('Empresas')")
            capturar(page, "empresas")
            page.click("text=Saúde")
            page.wait_for_selector("text=notas na fila")
            capturar(page, "saude")
        finally:
            browser.close()
    receptor.server.shutdown()
