"""Where a hook may point (SSRF), in both environments: every non-public destination is
refused at registration and again at delivery, whatever its spelling; a delivery connects to
the address it checked and follows no redirect; loopback only through NFSE_WEBHOOK_ALLOW."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from nfse.admin import criar_empresa
from nfse.certs.generate import generate_a1
from nfse.notify.webhook import Destino, cabecalho_invalido, destino_recusado, entregar, publico
from nfse.store import hooks
from tests.hostil.conftest import Alvo

INTERNOS = [
    "http://127.0.0.1/", "http://localhost/", "http://LOCALHOST./", "http://127.1/",
    "http://0x7f000001/", "http://017700000001/", "http://2130706433/", "http://0/",
    "http://0.0.0.0/", "http://10.0.0.1/", "http://10.0.0.1./", "http://172.16.5.4/",
    "http://192.168.0.1/", "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/",
    "http://198.18.0.1/", "http://224.0.0.1/", "http://255.255.255.255/", "http://[::1]/",
    "http://[::]/", "http://[fd00::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:a00:1]/", "http://[2002:a00:1::]/", "http://[2002:7f00:1::1]/",
    "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/", "http://[64:ff9b::a00:1]/",
    "http://[64:ff9b::7f00:1]/", "https://nao-existe.invalid/", "http://nome-sem-dns/",
]


@pytest.mark.parametrize("url", INTERNOS)
def test_internal_destinations_are_refused(url: str) -> None:
    assert destino_recusado(url, []) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111",
                                     "2002:808:808::1"])
def test_public_addresses_pass(address: str) -> None:
    assert publico(ipaddress.ip_address(address))
    assert destino_recusado(f"http://{address if ':' not in address else f'[{address}]'}/",
                            []) is None


def test_embedded_ipv4_is_judged() -> None:
    for address in ("::ffff:10.0.0.1", "2002:c0a8:0101::", "64:ff9b::c0a8:101",
                    "2001:0:4136:e378:8000:63bf:3fff:fdd2"):  # Teredo, client 192.0.2.45
        assert not publico(ipaddress.ip_address(address)), address


@pytest.fixture
def producao(alvo: Alvo) -> str:
    a1 = generate_a1("07504505000132", "OUTRA EMPRESA LTDA")
    return criar_empresa(alvo.runtime, cnpj="07504505000132", nome="OUTRA EMPRESA LTDA",
                         inscricao_municipal="999", codigo_municipio="4106902",
                         pfx=a1.to_pfx("x"), senha="x").token_producao


def test_registration_refuses_them_in_both_environments(alvo: Alvo, producao: str) -> None:
    for token in (alvo.token, producao):
        for url in ("http://169.254.169.254/", "http://10.0.0.1/", "http://[fd00::1]/",
                    "http://0x7f000001/", "http://localhost/", "http://100.64.0.1/",
                    "http://[2002:a00:1::]/", "http://10.0.0.1./", "http://nao-existe.invalid/",
                    "http://example.com:99999/", "http://a\u0000b/",
                    "http://x/" + "a" * 100_000):
            answer = alvo.client.post("/v2/hooks", json={"event": "nfse", "url": url},
                                      auth=(token, ""))
            assert answer.status_code == 400, (url, answer.text)
            assert answer.json()["codigo"] == "requisicao_invalida"
    assert alvo.linhas()["hooks"] == 0


@pytest.mark.parametrize("nome,valor", [
    ("Authorization", "a\r\nX-Injetado: 1"), ("Authorization", "a\nb"),
    ("Authorization", "a\x00b"), ("Host", "evil"), ("Content-Length", "0"),
    ("Transfer-Encoding", "chunked"), ("Connection", "close"), ("X Bad", "v"),
    ("X-Nfse-Signature", "forjada"), ("Proxy-Foo", "x"), ("", "v"),
])
def test_header_names_and_values_are_checked(nome: str, valor: str) -> None:
    assert cabecalho_invalido(nome, valor) is not None
    assert cabecalho_invalido("X-Api-Key", "Bearer abc.def") is None


class Receptor:
    """A loopback receiver that records each request's Host header; ``redirect`` makes it
    answer 302 to another of its paths."""

    def __init__(self, redirect: bool = False) -> None:
        self.hosts: list[str] = []
        self.paths: list[str] = []
        receptor = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receptor.hosts.append(self.headers.get("Host", ""))
                receptor.paths.append(self.path)
                if redirect and self.path != "/destino":
                    self.send_response(302)
                    self.send_header("Location", "/destino")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True).start()


@pytest.fixture
def receptor() -> Iterator[Receptor]:
    box = Receptor()
    yield box
    box.server.shutdown()


def test_delivery_refuses_internal_addresses_without_the_setting(receptor: Receptor) -> None:
    """A hook stored before the rule (or through the database) is checked again."""
    erro = entregar(Destino(f"http://127.0.0.1:{receptor.port}/nfse"), b"{}", "d1")
    assert erro is not None and "127.0.0.1" in erro
    assert receptor.paths == []
    assert entregar(Destino(f"http://127.0.0.1:{receptor.port}/nfse",
                            permitidos=("127.0.0.1",)), b"{}", "d2") is None
    assert receptor.paths == ["/nfse"]


def test_delivery_connects_to_the_address_it_checked(receptor: Receptor,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The name is resolved once; the connection goes to that address (any later lookup is
    of the address itself), with the name in Host: a DNS answer that changes after the
    check (rebinding) cannot move the delivery."""
    asked: list[str] = []
    original = socket.getaddrinfo

    def spy(host, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        asked.append(host)
        return original(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", spy)
    assert entregar(Destino(f"http://localhost:{receptor.port}/nfse",
                            permitidos=("127.0.0.0/8",)), b"{}", "d3") is None
    assert asked[0] == "localhost"
    assert all(_literal(host) for host in asked[1:]), asked
    assert receptor.hosts == [f"localhost:{receptor.port}"]


def _literal(host: str | bytes) -> bool:
    try:
        ipaddress.ip_address(host.decode() if isinstance(host, bytes) else host)
    except ValueError:
        return False
    return True


def test_redirects_are_not_followed() -> None:
    box = Receptor(redirect=True)
    try:
        erro = entregar(Destino(f"http://127.0.0.1:{box.port}/nfse",
                                permitidos=("127.0.0.1",)), b"{}", "d4")
    finally:
        box.server.shutdown()
    assert erro == "HTTP 302"
    assert box.paths == ["/nfse"]


def test_a_stored_hook_with_an_injected_header_is_not_sent(alvo: Alvo,
                                                          receptor: Receptor) -> None:
    with alvo.runtime.engine.begin() as conn:
        hook = hooks.criar(conn, alvo.runtime.box, empresa_id=1, ambiente="homologacao",
                           cnpj=None, cpf=None, event="nfse",
                           url=f"http://127.0.0.1:{receptor.port}/nfse",
                           authorization="x\r\nHost: evil", authorization_header="Authorization",
                           secret=None)
    erro = entregar(Destino(hook.url, hook.authorization, hook.authorization_header,
                            permitidos=("127.0.0.1",)), b"{}", "d5")
    assert erro is not None and receptor.paths == []


def test_loopback_registration_needs_the_setting(alvo: Alvo, receptor: Receptor) -> None:
    url = f"http://127.0.0.1:{receptor.port}/nfse"
    assert alvo.client.post("/v2/hooks", json={"event": "nfse", "url": url},
                            auth=(alvo.token, "")).status_code == 400
    alvo.runtime.settings.webhook_allow = ["127.0.0.1"]
    answer = alvo.client.post("/v2/hooks", json={"event": "nfse", "url": url},
                              auth=(alvo.token, ""))
    assert answer.status_code == 201, answer.text
    assert isinstance(httpx.URL(answer.json()["url"]).port, int)
