"""Unit tests of the pieces of a webhook delivery (``notify.webhook``) that need no receiver:
the signature, the URL checks with their Portuguese reasons, the allow list, and a delivery
that stops before connecting."""

from __future__ import annotations

import hashlib
import hmac
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nfse.notify.conexoes_http import ConexoesHttp
from nfse.notify.webhook import Destino, assinatura, destino_recusado, entregar


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    esperado = hmac.new(b"chave", b"1700000000.{\"ref\":\"1\"}", hashlib.sha256).hexdigest()
    assert assinatura("chave", "1700000000", b'{"ref":"1"}') == f"sha256={esperado}"
    assert assinatura("outra", "1700000000", b'{"ref":"1"}') != f"sha256={esperado}"


@pytest.mark.parametrize(("url", "motivo"), [
    ("ftp://exemplo.com/x", "URL inválida: ftp://exemplo.com/x"),
    ("http:///sem-servidor", "URL inválida: http:///sem-servidor"),
    ("http://exemplo.com:70000/", "URL inválida: http://exemplo.com:70000/"),
    ("http://exemplo.com/a b", "(contém espaço ou caractere de controle)"),
    ("http://exemplo.com/\r\nX: y", "(contém espaço ou caractere de controle)"),
    ("http://usuario:senha@exemplo.com/", "(credenciais na URL; use o parâmetro"),
    ("http://exemplo.com/" + "a" * 2000, "URL inválida: mais de 2000 caracteres"),
])
def test_malformed_urls_are_refused_saying_why(url: str, motivo: str) -> None:
    assert motivo in (destino_recusado(url, []) or "")


def test_the_allow_list_takes_names_and_networks() -> None:
    assert destino_recusado("http://127.0.0.1:8080/", []) is not None
    assert destino_recusado("http://localhost:8080/", ["localhost"]) is None
    assert destino_recusado("http://127.0.0.1:8080/", ["127.0.0.0/8"]) is None
    assert destino_recusado("http://127.0.0.1:8080/", ["127.0.0.1"]) is None
    assert "endereço interno 127.0.0.1" in (
        destino_recusado("http://127.0.0.1:8080/", ["10.0.0.0/8", "outro.host"]) or "")


def test_a_delivery_refused_before_connecting_says_why() -> None:
    fechado = "http://127.0.0.1:9/"  # the discard port: nothing is listening
    cabecalho = entregar(Destino(fechado, authorization="a\r\nb", permitidos=("127.0.0.1",)),
                         b"{}", "d1", timeout=1)
    assert cabecalho is not None and cabecalho.startswith('Parâmetro "authorization" inválido')
    interno = entregar(Destino(fechado), b"{}", "d2", timeout=1)
    assert interno == "URL inválida: 127.0.0.1 (aponta para o endereço interno 127.0.0.1)"



class Receptor(BaseHTTPRequestHandler):
    """A webhook receiver speaking HTTP/1.1 (connections kept open): each request's body and
    the client port of its connection, in ``recebidos``."""

    protocol_version = "HTTP/1.1"
    recebidos: list[tuple[int, bytes]]

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.recebidos.append((self.client_address[1],
                               self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class ReceptorQueFecha(Receptor):
    """Reads the second request of each connection and closes it without answering, as a
    receiver closing an idle kept connection just as a delivery goes out."""

    def do_POST(self) -> None:  # noqa: N802
        self.pedidos = getattr(self, "pedidos", 0) + 1
        if self.pedidos == 2:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.close_connection = True
            return
        super().do_POST()


@contextmanager
def receptor(classe: type[Receptor] = Receptor) -> Iterator[tuple[Destino, list]]:
    recebidos: list[tuple[int, bytes]] = []
    servidor = ThreadingHTTPServer(("127.0.0.1", 0), type("R", (classe,),
                                                          {"recebidos": recebidos}))
    threading.Thread(target=servidor.serve_forever, daemon=True).start()
    try:
        yield Destino(f"http://127.0.0.1:{servidor.server_address[1]}/",
                      permitidos=("127.0.0.1",)), recebidos
    finally:
        servidor.shutdown()
        servidor.server_close()


def test_deliveries_do_not_build_a_tls_context_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the trust store into a new TLS context cost ~12 ms of CPU per delivery, more
    than the rest of it: deliveries share one."""
    construidos: list[object] = []
    original = ssl.create_default_context
    with receptor() as (destino, recebidos):
        assert entregar(destino, b'{"ref":"0"}', "d0") is None
        monkeypatch.setattr(ssl, "create_default_context",
                            lambda *a, **k: construidos.append(a) or original(*a, **k))
        for n in range(1, 4):
            assert entregar(destino, f'{{"ref":"{n}"}}'.encode(), f"d{n}") is None
    assert len(recebidos) == 4
    assert construidos == []


def test_a_destinations_deliveries_reuse_one_connection() -> None:
    conexoes = ConexoesHttp()
    try:
        with receptor() as (destino, recebidos):
            for n in range(3):
                assert entregar(destino, f'{{"ref":"{n}"}}'.encode(), f"d{n}",
                                conexoes=conexoes) is None
            for n in range(3, 5):  # a delivery without kept connections opens its own
                assert entregar(destino, f'{{"ref":"{n}"}}'.encode(), f"d{n}") is None
    finally:
        conexoes.fechar()
    portas = [porta for porta, _ in recebidos]
    assert [corpo for _, corpo in recebidos] == [f'{{"ref":"{n}"}}'.encode() for n in range(5)]
    assert len(set(portas[:3])) == 1
    assert len(set(portas)) == 3


def test_a_kept_connection_the_receiver_closed_is_replaced_at_once() -> None:
    conexoes = ConexoesHttp()
    try:
        with receptor(ReceptorQueFecha) as (destino, recebidos):
            for n in range(3):
                assert entregar(destino, f'{{"ref":"{n}"}}'.encode(), f"d{n}",
                                conexoes=conexoes) is None
    finally:
        conexoes.fechar()
    assert [corpo for _, corpo in recebidos] == [f'{{"ref":"{n}"}}'.encode() for n in range(3)]
    # each connection's second request was dropped and sent again at once over a new one
    assert len({porta for porta, _ in recebidos}) == 3


def test_idle_destinations_beyond_the_limit_are_closed_oldest_first() -> None:
    conexoes = ConexoesHttp(maximo=2)
    try:
        with conexoes.cliente(("http", "a", "10.0.0.1", None)) as primeiro, \
                conexoes.cliente(("http", "b", "10.0.0.2", None)):
            with conexoes.cliente(("http", "c", "10.0.0.3", None)):
                assert not primeiro.is_closed  # in use: kept, one over the limit
        with conexoes.cliente(("http", "d", "10.0.0.4", None)):
            pass
        assert primeiro.is_closed
        with conexoes.cliente(("http", "a", "10.0.0.1", None)) as de_novo:
            assert de_novo is not primeiro
    finally:
        conexoes.fechar()
