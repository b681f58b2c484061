"""E-mail at month-end: a bounded pool of SMTP sessions per server, each reused for message
after message, several messages at once, and a session the server dropped replaced without
losing or repeating the message."""

from __future__ import annotations

import asyncio
import re
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from sqlalchemy import event

from nfse.certs.generate import generate_ca, generate_server_cert
from nfse.certs.tls import server_context
from nfse.notify import smtp
from nfse.notify.mensagem import Mensagem
from nfse.notify.smtp import Conexoes, Resultado, SmtpConfig
from tests.support import Gateway, free_port, nota_exemplo
from tests.test_email import TOMADOR, Caixa, enviar_ao_tomador


class CaixaLenta(Caixa):
    """Counts SMTP sessions (one EHLO each), the messages each session carried and the
    messages in DATA at once; each DATA answer comes 0.2 s late, as from a server far
    away."""

    def __init__(self) -> None:
        super().__init__()
        self.sessoes = 0
        self.por_sessao: Counter[tuple[str, int]] = Counter()
        self.ao_mesmo_tempo = 0
        self.pico = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: ANN001, ANN201, N802
        self.sessoes += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.ao_mesmo_tempo += 1
        self.pico = max(self.pico, self.ao_mesmo_tempo)
        try:
            await asyncio.sleep(0.2)
        finally:
            self.ao_mesmo_tempo -= 1
        self.por_sessao[session.peer] += 1
        return await super().handle_DATA(server, session, envelope)


class CaixaQueCai(CaixaLenta):
    """Drops one session, once, at the MAIL of its second message: nothing of that message
    was accepted, so it must come again, once, over another session."""

    def __init__(self) -> None:
        super().__init__()
        self.caiu = False

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: ANN001, ANN201, N802
        if not self.caiu and self.por_sessao[session.peer] == 1:
            self.caiu = True
            server.transport.close()
            return "421 fechando"
        envelope.mail_from = address
        return "250 OK"


def _cada_nota_uma_vez_com_seu_pdf(mensagens: list[EmailMessage], refs: int) -> None:
    numeros = []
    for message in mensagens:
        numero = re.search(r"nº (\S+)", message["Subject"]).group(1)
        pdfs = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
        assert [p.get_filename() for p in pdfs] == [f"NFSe-{numero}.pdf"]
        assert pdfs[0].get_content().startswith(b"%PDF")
        numeros.append(numero)
    assert len(numeros) == refs and len(set(numeros)) == refs  # every note, each once


CONEXOES = 3


@pytest.fixture(autouse=True)
def _quatro_de_cada_vez(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four messages prepared at once, over at most three sessions (read when the
    settings are made)."""
    monkeypatch.setenv("NFSE_EMAIL_CONCORRENCIA", "4")
    monkeypatch.setenv("NFSE_SMTP_CONEXOES", str(CONEXOES))


def _servidor(gateway: Gateway, handler: CaixaLenta) -> Iterator[CaixaLenta]:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = gateway.runtime.settings
    settings.smtp_host, settings.smtp_port = "127.0.0.1", controller.port
    yield handler
    controller.stop()


@pytest.fixture
def lenta(gateway: Gateway) -> Iterator[CaixaLenta]:
    yield from _servidor(gateway, CaixaLenta())


@pytest.fixture
def que_cai(gateway: Gateway) -> Iterator[CaixaQueCai]:
    yield from _servidor(gateway, CaixaQueCai())


def _rajada(gateway: Gateway, caixa: CaixaLenta, quantas: int) -> list[EmailMessage]:
    enviar_ao_tomador(gateway, True)
    for n in range(quantas):
        answer = gateway.client.post(f"/v2/nfse?ref=mes-{n}", json=nota_exemplo())
        assert answer.status_code == 202, answer.text
    caixa.esperar(TOMADOR, quantas=quantas, timeout=60)
    time.sleep(0.5)  # a message sent twice would arrive now
    return caixa.para(TOMADOR)


def test_a_burst_goes_out_in_parallel_over_a_bounded_pool_of_reused_sessions(
        gateway: Gateway, lenta: CaixaLenta) -> None:
    _cada_nota_uma_vez_com_seu_pdf(_rajada(gateway, lenta, 12), 12)
    assert lenta.pico >= 2  # one after another, it was 1
    assert lenta.sessoes <= CONEXOES  # one session per message, it was 12; then 4 (threads)
    assert len(lenta.por_sessao) == lenta.sessoes
    assert min(lenta.por_sessao.values()) >= 2  # each session reused


def test_a_session_dropped_in_a_burst_is_replaced_and_no_message_is_lost_or_repeated(
        gateway: Gateway, que_cai: CaixaQueCai) -> None:
    _cada_nota_uma_vez_com_seu_pdf(_rajada(gateway, que_cai, 12), 12)
    assert que_cai.caiu
    assert que_cai.sessoes <= CONEXOES + 1  # the dropped one replaced, within the bound


def _mensagem(n: int) -> Mensagem:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@b.test", TOMADOR, f"m{n}"
    message.set_content("olá")
    return Mensagem("a@b.test", (TOMADOR,), message.as_bytes())


def test_a_session_the_server_dropped_is_replaced_once() -> None:
    caixa = Caixa()
    port = free_port()
    controller = Controller(caixa, hostname="127.0.0.1", port=port)
    controller.start()
    conexoes = Conexoes()
    config = SmtpConfig("127.0.0.1", port)
    try:
        assert conexoes.enviar(config, _mensagem(1), timeout=5).resultado == Resultado.ENTREGUE
        controller.stop()  # the server goes away with the idle session
        controller = Controller(caixa, hostname="127.0.0.1", port=port)
        controller.start()
        assert conexoes.enviar(config, _mensagem(2), timeout=5).resultado == Resultado.ENTREGUE
        deadline = time.monotonic() + 5
        while len(caixa.para(TOMADOR)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [m["Subject"] for m in caixa.para(TOMADOR)] == ["m1", "m2"]
    finally:
        conexoes.fechar()
        controller.stop()


def test_an_unreachable_server_is_retried_later() -> None:
    entrega = Conexoes().enviar(SmtpConfig("127.0.0.1", free_port()), _mensagem(1), timeout=2)
    assert entrega.resultado == Resultado.ADIADO


class CaixaPrimeiraPresa(CaixaLenta):
    """Holds the answer to the first message's DATA until ``soltar`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.segurando = threading.Event()
        self.soltar = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        if not self.segurando.is_set():
            self.segurando.set()
            while not self.soltar.is_set():
                await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def presa(gateway: Gateway) -> Iterator[CaixaPrimeiraPresa]:
    handler = CaixaPrimeiraPresa()
    gateway.runtime.settings.authority_timeout = 40  # the held send does not time out first
    try:
        yield from _servidor(gateway, handler)
    finally:
        handler.soltar.set()


def test_a_message_the_server_holds_does_not_hold_the_next_ones(
        gateway: Gateway, presa: CaixaPrimeiraPresa) -> None:
    enviar_ao_tomador(gateway, True)
    answer = gateway.client.post("/v2/nfse?ref=presa", json=nota_exemplo())
    assert answer.status_code == 202, answer.text
    assert presa.segurando.wait(30)
    for n in range(6):
        answer = gateway.client.post(f"/v2/nfse?ref=depois-{n}", json=nota_exemplo())
        assert answer.status_code == 202, answer.text
    presa.esperar(TOMADOR, quantas=6, timeout=25)  # claimed as places freed, not after it
    presa.soltar.set()
    _cada_nota_uma_vez_com_seu_pdf(presa.esperar(TOMADOR, quantas=7, timeout=30), 7)


def test_a_burst_costs_few_statements_per_message(gateway: Gateway, lenta: CaixaLenta) -> None:
    """Each message reads the note, its documents at once and the block list, renders and
    keeps its DANFSe and records the delivery; its company is read once for the burst."""
    por_mensagem: Counter[str] = Counter()

    def contar(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if threading.current_thread().name.startswith("correio_"):
            por_mensagem[statement.split()[0]] += 1

    event.listen(gateway.runtime.engine, "before_cursor_execute", contar)
    try:
        _cada_nota_uma_vez_com_seu_pdf(_rajada(gateway, lenta, 6), 6)
    finally:
        event.remove(gateway.runtime.engine, "before_cursor_execute", contar)
    assert sum(por_mensagem.values()) <= 8 * 6, por_mensagem  # it was 11 a message


def test_sessions_over_starttls_share_one_tls_context(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each SMTP session over TLS read the trust store into a new context (~15 ms of CPU):
    sessions share one, and each still checks the server's certificate against it."""
    ca = generate_ca("CA de teste")
    servidor = generate_server_cert(ca, ("127.0.0.1",))
    confiavel = tmp_path / "ca.pem"
    confiavel.write_bytes(ca.cert.public_bytes(serialization.Encoding.PEM))
    construidos: list[object] = []
    original = ssl.create_default_context

    def contexto(*args: object, **kwargs: object) -> ssl.SSLContext:
        construidos.append(args)
        return original(cafile=str(confiavel))

    monkeypatch.setattr(ssl, "create_default_context", contexto)
    smtp._contexto_tls.cache_clear()
    caixa = Caixa()
    controller = Controller(caixa, hostname="127.0.0.1", port=free_port(),
                            tls_context=server_context(servidor), require_starttls=True)
    controller.start()
    config = SmtpConfig("127.0.0.1", controller.port, starttls=True)
    try:
        for n in range(3):
            assert smtp.enviar(config, _mensagem(n), timeout=5).resultado == Resultado.ENTREGUE
    finally:
        controller.stop()
        smtp._contexto_tls.cache_clear()  # the next tests get the system's trust store
    assert len(caixa.para(TOMADOR)) == 3
    assert len(construidos) == 1
