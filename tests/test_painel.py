"""The operator panel (``/painel``) and ``GET /v2/admin/notas`` over HTTP: administrator
sessions (HttpOnly, SameSite=Strict cookie; every page asks for one), notes found by filters,
a note with its history, documents and deliveries, actions guarded by CSRF."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from nfse.store import admin_tokens, operador
from tests.support import Gateway, nota_exemplo
from tests.test_hooks import Receptor


@pytest.fixture
def admin(gateway: Gateway) -> str:
    with gateway.runtime.engine.begin() as conn:
        return admin_tokens.criar(conn, "operador")


@contextmanager
def _sessao(gateway: Gateway, token: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway.base_url, timeout=30) as client:
        entrou = client.post("/painel/entrar", data={"token": token})
        assert entrou.status_code == 303 and entrou.headers["location"] == "/painel/notas"
        cookie = entrou.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert "path=/painel" in cookie
        yield client


def test_pages_need_an_administrator_session(gateway: Gateway, admin: str) -> None:
    with httpx.Client(base_url=gateway.base_url) as anonimo:
        for pagina in ("/painel/notas", "/painel/empresas", "/painel/saude", "/painel/notas/1"):
            resposta = anonimo.get(pagina)
            assert (resposta.status_code, resposta.headers["location"]) == (
                303, "/painel/entrar")
        recusado = anonimo.post("/painel/entrar", data={"token": gateway.token})
        assert recusado.status_code == 401 and "inválido" in recusado.text
        assert "set-cookie" not in recusado.headers
    with _sessao(gateway, admin) as painel:
        pagina = painel.get("/painel/saude")
        assert pagina.status_code == 200 and "notas na fila" in pagina.text
        assert pagina.headers["x-frame-options"] == "DENY"
        assert "default-src 'self'" in pagina.headers["content-security-policy"]
        assert pagina.headers["referrer-policy"] == "no-referrer"


def test_find_a_note_open_it_and_fire_its_webhook_again(gateway: Gateway, admin: str) -> None:
    gateway.runtime.settings.public_url = gateway.base_url
    gateway.runtime.settings.webhook_allow = ["127.0.0.1"]  # the receiver is on loopback
    receptor = Receptor()
    assert gateway.client.post("/v2/hooks", json={"event": "nfse",
                                                  "url": receptor.url}).status_code == 201
    gateway.autorizar("painel-1", nota_exemplo())
    gateway.autorizar("painel-2", nota_exemplo())
    receptor.esperar(2)
    with _sessao(gateway, admin) as painel:
        lista = painel.get("/painel/notas", params={"ref": "painel-1"})
        assert "Notas (1)" in lista.text
        [caminho] = re.findall(r'href="(/painel/notas/\d+)">painel-1<', lista.text)
        nota = painel.get(caminho)
        assert "autorizado" in nota.text and "exchange:emissao:request" in nota.text
        assert nota.text.count('class="entrega"') == 1
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', nota.text).group(1)

        forjado = painel.post(caminho + "/webhook", data={"csrf": "0" * 64})
        assert forjado.status_code == 403
        disparo = painel.post(caminho + "/webhook", data={"csrf": csrf})
        assert disparo.status_code == 303
        depois = painel.get(disparo.headers["location"])
        assert "Webhook disparado para 1 gatilho" in depois.text
        receptor.esperar(3)
        deadline = time.monotonic() + 10
        while painel.get(caminho).text.count(">entregue<") < 2 and \
                time.monotonic() < deadline:
            time.sleep(0.1)
        assert painel.get(caminho).text.count(">entregue<") == 2
        artefato = re.search(r'href="(/painel/notas/\d+/artefatos/\d+)">exchange:emissao:req',
                             nota.text).group(1)
        assert b"DPS" in painel.get(artefato).content
    receptor.server.shutdown()


def test_the_admin_api_lists_notes_of_every_company(gateway: Gateway, admin: str) -> None:
    for n in range(3):
        gateway.autorizar(f"api-{n}", nota_exemplo())
    with httpx.Client(base_url=gateway.base_url, auth=(admin, "")) as api:
        tudo = api.get("/v2/admin/notas", params={"status": "autorizado"})
        assert tudo.status_code == 200 and tudo.headers["x-total-count"] == "3"
        assert [n["ref"] for n in tudo.json()] == ["api-2", "api-1", "api-0"]
        uma = api.get("/v2/admin/notas", params={"texto": "api-1"}).json()
        assert [n["ref"] for n in uma] == ["api-1"]
        detalhe = api.get(f"/v2/admin/notas/{uma[0]['id']}").json()
        assert detalhe["nota"]["status"] == "autorizado"
        assert [h["status"] for h in detalhe["historico"]][-1] == "autorizado"
        assert api.get("/v2/admin/notas/999999").status_code == 404
    assert gateway.client.get("/v2/admin/notas").status_code == 403


def test_counts_stop_at_their_limit_and_say_so(gateway: Gateway, admin: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(3):
        gateway.autorizar(f"conta-{n}", nota_exemplo())
    monkeypatch.setattr(operador, "LIMITE_CONTAGEM", 2)
    with httpx.Client(base_url=gateway.base_url, auth=(admin, "")) as api:
        mais = api.get("/v2/admin/notas")
        assert len(mais.json()) == 3 and "x-total-count" not in mais.headers
        assert api.get("/v2/admin/notas", params={"ref": "conta-1"}).headers[
            "x-total-count"] == "1"
        texto = api.get("/v2/admin/notas", params={"texto": "conta-"})
        assert len(texto.json()) == 3 and "x-total-count" not in texto.headers
    with _sessao(gateway, admin) as painel:
        assert "Notas (mais de 2)" in painel.get("/painel/notas").text
        pagina = painel.get("/painel/notas", params={"texto": "conta-"}).text
        assert "Notas (busca por texto)" in pagina and "Texto procurado em 3 nota(s)" in pagina
        empresas = painel.get("/painel/empresas").text
        assert "?empresa=1&status=autorizado\">mais de 2</a>" in empresas
        assert "?empresa=1&status=cancelado\">0</a>" in empresas


def test_guessing_tokens_at_the_login_is_budgeted(gateway: Gateway) -> None:
    gateway.runtime.settings.auth_failures = 3
    with httpx.Client(base_url=gateway.base_url) as anonimo:
        codigos = [anonimo.post("/painel/entrar", data={"token": f"adm_{n}"}).status_code
                   for n in range(5)]
    assert codigos == [401, 401, 401, 429, 429]


def test_ids_past_what_the_database_holds_are_not_found(gateway: Gateway, admin: str) -> None:
    """A note id beyond INTEGER (PostgreSQL refuses it even in a comparison) is a 404 page,
    not a 500: the note page, its documents and its actions."""
    with _sessao(gateway, admin) as painel:
        for caminho in (f"/painel/notas/{2**31}", f"/painel/notas/1/artefatos/{2**31}",
                        "/painel/notas/7667481639"):
            assert painel.get(caminho).status_code == 404, caminho
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"',
                         painel.get("/painel/notas").text).group(1)
        acao = painel.post(f"/painel/notas/{2**31}/webhook", data={"csrf": csrf})
        assert acao.status_code == 303
        assert "n%C3%A3o%20encontrada" in acao.headers["location"]
