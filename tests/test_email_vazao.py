"""E-mail at month-end: SMTP sessions reused per server, several messages at once, and a
session the server dropped replaced without losing or repeating the message."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from nfse.notify.smtp import Conexoes, Resultado, SmtpConfig
from tests.support import Gateway, free_port, nota_exemplo
from tests.test_email import TOMADOR, Caixa, enviar_ao_tomador


class CaixaLenta(Caixa):
    """Counts SMTP sessions (one EHLO each) and the messages in DATA at once; each DATA
    answer comes 0.2 s late, as from a server far away."""

    def __init__(self) -> None:
        super().__init__()
        self.sessoes = 0
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
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(autouse=True)
def _quatro_de_cada_vez(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NFSE_EMAIL_CONCORRENCIA", "4")  # read when the worker is made


@pytest.fixture
def lenta(gateway: Gateway) -> Iterator[CaixaLenta]:
    handler = CaixaLenta()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = gateway.runtime.settings
    settings.smtp_host, settings.smtp_port = "127.0.0.1", controller.port
    yield handler
    controller.stop()


def test_a_burst_goes_out_in_parallel_over_reused_sessions(
        gateway: Gateway, lenta: CaixaLenta) -> None:
    enviar_ao_tomador(gateway, True)
    refs = [f"mes-{n}" for n in range(12)]
    for ref in refs:
        answer = gateway.client.post(f"/v2/nfse?ref={ref}", json=nota_exemplo())
        assert answer.status_code == 202, answer.text
    lenta.esperar(TOMADOR, quantas=12, timeout=60)
    assert len(lenta.para(TOMADOR)) == 12  # each once
    assert lenta.pico >= 2  # one after another, it was 1
    assert lenta.sessoes <= 4  # one session per message, it was 12


def _mensagem(n: int) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@b.test", TOMADOR, f"m{n}"
    message.set_content("olá")
    return message


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
