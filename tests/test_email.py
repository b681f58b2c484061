"""E-mail through a real SMTP server on loopback (aiosmtpd): the tomador's automatic
messages, messages a client asks for, bounces and the block list, and the maildir used when
no SMTP server is configured."""

from __future__ import annotations

import asyncio
import email
import json
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import update

from nfse.api.app import create_app
from nfse.runtime import Runtime
from nfse.store import emails
from nfse.store.empresas import Empresa, configurar_smtp
from nfse.store.tables import empresas
from tests.support import Gateway, empresa_teste, free_port, nota_exemplo

TOMADOR = "contato@focusnfe.com.br"  # nota_exemplo()'s tomador.email


class Caixa:
    """Accepts every message, except addresses listed to be refused at RCPT."""

    def __init__(self) -> None:
        self.recebidas: list[tuple[list[str], EmailMessage]] = []
        self.recusar: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        if address in self.recusar:
            return self.recusar[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        message = email.message_from_bytes(envelope.content, policy=default)
        self.recebidas.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def para(self, endereco: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.recebidas if endereco in rcpts]

    def esperar(self, endereco: str, quantas: int = 1, timeout: float = 20) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.para(endereco)) >= quantas:
                return self.para(endereco)
            time.sleep(0.05)
        raise AssertionError(f"{quantas} message(s) to {endereco} expected, got "
                             f"{len(self.para(endereco))}")


class CaixaPresa(Caixa):
    """Takes each message's DATA and holds its answer until ``soltar`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.segurando = threading.Event()
        self.soltar = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.segurando.set()
        while not self.soltar.is_set():
            await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def caixa(gateway: Gateway) -> Iterator[Caixa]:
    handler = Caixa()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = gateway.runtime.settings
    settings.smtp_host, settings.smtp_port = "127.0.0.1", controller.port
    settings.smtp_from = "NFS-e <nfse@gateway.test>"
    settings.backoff_base, settings.backoff_cap = 0.05, 0.2
    yield handler
    controller.stop()


def enviar_ao_tomador(gateway: Gateway, ligado: bool | None) -> None:
    with gateway.runtime.engine.begin() as conn:
        conn.execute(update(empresas).values(enviar_email_destinatario=ligado,
                                             email="financeiro@empresa.test"))


def autorizar(gateway: Gateway, ref: str) -> dict:
    answer = gateway.client.post(f"/v2/nfse?ref={ref}", json=nota_exemplo())
    assert answer.status_code == 202, answer.text
    nota = gateway.wait_final(ref)
    assert nota["status"] == "autorizado", nota
    return nota


def anexos(message: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def test_authorized_note_is_mailed_to_the_tomador_with_pdf_and_xml(
        gateway: Gateway, caixa: Caixa) -> None:
    enviar_ao_tomador(gateway, True)
    nota = autorizar(gateway, "mail-1")
    [message] = caixa.esperar(TOMADOR)
    assert message["To"] == TOMADOR
    assert message["Reply-To"] == "financeiro@empresa.test"
    assert f"NFS-e nº {nota['numero']}" in message["Subject"]
    assert "EMPRESA TESTE LTDA" in message["Subject"]
    texto = message.get_body(("plain",)).get_content()
    assert "R$ 1,00" in texto and nota["codigo_verificacao"] in texto
    assert message.get_body(("html",)) is not None
    files = anexos(message)
    assert files[f"NFSe-{nota['numero']}.pdf"].startswith(b"%PDF-")
    xml = etree.fromstring(files[f"NFSe-{nota['numero']}.xml"])
    assert xml.tag.endswith("NFSe")


def test_the_tomador_is_mailed_at_once_not_at_the_next_poll(gateway: Gateway,
                                                            caixa: Caixa) -> None:
    """The worker that authorizes a note wakes its e-mail thread: the message leaves at
    once, not when the thread next looks for work (up to NFSE_WORKER_POLL)."""
    enviar_ao_tomador(gateway, True)
    gateway.runtime.settings.worker_poll = 60
    time.sleep(0.3)  # the delivery threads now wait a poll of 60 s
    autorizar(gateway, "mail-ja")
    assert len(caixa.esperar(TOMADOR, timeout=10)) == 1


def test_a_stuck_smtp_server_does_not_hold_up_the_notes(gateway: Gateway) -> None:
    """The first note's e-mail hangs in the server's DATA (the client would wait up to its
    20 s timeout); the next note is authorized meanwhile, and both e-mails go once the
    server answers."""
    presa = CaixaPresa()
    controller = Controller(presa, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = gateway.runtime.settings
    settings.smtp_host, settings.smtp_port = "127.0.0.1", controller.port
    settings.authority_timeout = 20.0
    try:
        enviar_ao_tomador(gateway, True)
        autorizar(gateway, "presa-1")
        assert presa.segurando.wait(20)
        answer = gateway.client.post("/v2/nfse?ref=presa-2", json=nota_exemplo())
        assert answer.status_code == 202, answer.text
        assert gateway.wait_final("presa-2", timeout=8)["status"] == "autorizado"
        assert presa.para(TOMADOR) == []
        presa.soltar.set()
        assert len(presa.esperar(TOMADOR, 2)) == 2
    finally:
        presa.soltar.set()
        controller.stop()


def test_a_hanging_webhook_receiver_does_not_hold_up_the_emails(
        gateway: Gateway, caixa: Caixa) -> None:
    """The first note's webhook delivery hangs (the client would wait up to its 10 s
    timeout); the second note's e-mail goes meanwhile."""
    recebeu, soltar = threading.Event(), threading.Event()

    class Preso(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            recebeu.set()
            soltar.wait(30)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    receptor = ThreadingHTTPServer(("127.0.0.1", 0), Preso)
    threading.Thread(target=receptor.serve_forever, args=(0.01,), daemon=True).start()
    try:
        enviar_ao_tomador(gateway, True)
        gateway.runtime.settings.webhook_allow = ["127.0.0.1"]  # the receiver is on loopback
        hook = gateway.client.post("/v2/hooks", json={
            "event": "nfse", "url": f"http://127.0.0.1:{receptor.server_address[1]}/nfse"})
        assert hook.status_code == 201, hook.text
        autorizar(gateway, "preso-1")
        assert recebeu.wait(20)
        autorizar(gateway, "preso-2")
        assert len(caixa.esperar(TOMADOR, 2, timeout=6)) == 2
    finally:
        soltar.set()
        receptor.shutdown()


def test_homologacao_sends_nothing_to_the_tomador_unless_enabled(
        gateway: Gateway, caixa: Caixa) -> None:
    enviar_ao_tomador(gateway, None)
    autorizar(gateway, "mail-2")
    with gateway.runtime.engine.connect() as conn:
        nota_id = conn.exec_driver_sql("SELECT id FROM notas WHERE ref = 'mail-2'").scalar()
        assert emails.da_nota(conn, nota_id) == []
    assert caixa.para(TOMADOR) == []


def test_client_sends_a_note_to_several_addresses(gateway: Gateway, caixa: Caixa) -> None:
    enviar_ao_tomador(gateway, False)
    nota = autorizar(gateway, "mail-3")
    destinos = ["a@cliente.test", "b@cliente.test", "c@cliente.test"]
    answer = gateway.client.post("/v2/nfse/mail-3/email", json={"emails": destinos})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"emails": destinos}
    for destino in destinos:
        [message] = caixa.esperar(destino)
        assert message["To"] == destino
        files = anexos(message)
        assert len(files) == 2
        assert files[f"NFSe-{nota['numero']}.pdf"].startswith(b"%PDF-")


def test_email_request_rules(gateway: Gateway, caixa: Caixa) -> None:
    autorizar(gateway, "mail-4")
    too_many = gateway.client.post("/v2/nfse/mail-4/email",
                                   json={"emails": [f"x{i}@cliente.test" for i in range(11)]})
    assert too_many.status_code == 400 and too_many.json()["codigo"] == "requisicao_invalida"
    bad = gateway.client.post("/v2/nfse/mail-4/email",
                              json={"emails": ["ok@cliente.test", "sem-arroba", 7]})
    assert bad.status_code == 400
    assert [e["campo"] for e in bad.json()["erros"]] == ["emails[1]", "emails[2]"]
    assert "sem-arroba" in bad.json()["mensagem"]
    assert gateway.client.post("/v2/nfse/mail-4/email", json={}).status_code == 400
    missing = gateway.client.post("/v2/nfse/nao-existe/email", json={"emails": ["a@b.test"]})
    assert missing.status_code == 404 and missing.json()["codigo"] == "nao_encontrado"


def test_hard_bounce_blocks_the_address_until_it_is_released(
        gateway: Gateway, caixa: Caixa) -> None:
    autorizar(gateway, "mail-5")
    caixa.recusar["sumiu@cliente.test"] = "550 5.1.1 Mailbox unavailable"
    answer = gateway.client.post("/v2/nfse/mail-5/email",
                                 json={"emails": ["sumiu@cliente.test", "ok@cliente.test"]})
    assert answer.status_code == 200
    caixa.esperar("ok@cliente.test")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        blocked = gateway.client.get("/v2/blocked_emails/Sumiu@Cliente.test")
        if blocked.status_code == 200:
            break
        time.sleep(0.05)
    assert blocked.status_code == 200, blocked.text
    assert blocked.json()["email"] == "sumiu@cliente.test"
    assert "550" in blocked.json()["motivo"]
    again = gateway.client.post("/v2/nfse/mail-5/email", json={"emails": ["sumiu@cliente.test"]})
    assert again.json() == {"emails": [], "bloqueados": ["sumiu@cliente.test"]}
    assert gateway.client.delete("/v2/blocked_emails/sumiu@cliente.test").status_code == 200
    assert gateway.client.get("/v2/blocked_emails/sumiu@cliente.test").status_code == 404
    assert gateway.client.delete("/v2/blocked_emails/sumiu@cliente.test").status_code == 404


def test_temporary_refusal_is_retried(gateway: Gateway, caixa: Caixa) -> None:
    autorizar(gateway, "mail-6")
    caixa.recusar["cheia@cliente.test"] = "452 4.2.2 Mailbox full"
    gateway.client.post("/v2/nfse/mail-6/email", json={"emails": ["cheia@cliente.test"]})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with gateway.runtime.engine.connect() as conn:
            tentativas = conn.exec_driver_sql(
                "SELECT attempts FROM emails WHERE destinatario = 'cheia@cliente.test'").scalar()
        if tentativas and tentativas >= 2:
            break
        time.sleep(0.05)
    assert tentativas >= 2
    del caixa.recusar["cheia@cliente.test"]
    caixa.esperar("cheia@cliente.test")
    assert gateway.client.get("/v2/blocked_emails/cheia@cliente.test").status_code == 404


def test_cancellation_is_mailed_and_its_xml_downloadable(gateway: Gateway, caixa: Caixa) -> None:
    enviar_ao_tomador(gateway, True)
    nota = autorizar(gateway, "mail-7")
    caixa.esperar(TOMADOR)
    cancel = gateway.client.request("DELETE", "/v2/nfse/mail-7",
                                    content=json.dumps({"justificativa": "Serviço não prestado"}))
    assert cancel.json() == {"status": "cancelado"}
    messages = caixa.esperar(TOMADOR, 2)
    cancelada = messages[-1]
    assert "cancelada" in cancelada["Subject"]
    files = anexos(cancelada)
    assert etree.fromstring(files[f"Cancelamento-NFSe-{nota['numero']}.xml"]) is not None
    body = gateway.client.get("/v2/nfse/mail-7").json()
    xml = httpx.get(gateway.base_url + body["caminho_xml_cancelamento"])
    assert xml.status_code == 200 and etree.fromstring(xml.content).tag.endswith("evento")


def test_without_smtp_messages_land_in_the_maildir(gateway: Gateway) -> None:
    gateway.runtime.settings.smtp_host = None
    autorizar(gateway, "mail-8")
    gateway.client.post("/v2/nfse/mail-8/email", json={"emails": ["arquivo@cliente.test"]})
    maildir = Path(gateway.runtime.settings.data_dir) / "maildir" / "new"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (maildir.exists() and any(maildir.iterdir())):
        time.sleep(0.05)
    [path] = list(maildir.iterdir())
    message = email.message_from_bytes(path.read_bytes(), policy=default)
    assert message["To"] == "arquivo@cliente.test"
    assert len(anexos(message)) == 2


def test_a_company_can_send_through_its_own_smtp_server_with_login(
        gateway: Gateway, caixa: Caixa) -> None:
    gateway.runtime.settings.smtp_host = "127.0.0.1"
    gateway.runtime.settings.smtp_port = free_port()  # the global server is down
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN202
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3nha")

    propria = Caixa()
    controller = Controller(propria, hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticator, auth_require_tls=False,
                            auth_required=True)
    controller.start()
    try:
        with gateway.runtime.engine.begin() as conn:
            configurar_smtp(conn, gateway.runtime.box, 1, host="127.0.0.1",
                            port=controller.port, user="empresa", password="s3nha",
                            sender="Empresa Teste <nfse@empresa.test>")
            assert conn.exec_driver_sql("SELECT smtp_password FROM empresas").scalar() \
                != b"s3nha"  # kept encrypted
        autorizar(gateway, "mail-9")
        gateway.client.post("/v2/nfse/mail-9/email", json={"emails": ["d@cliente.test"]})
        [message] = propria.esperar("d@cliente.test")
        assert message["From"] == "Empresa Teste <nfse@empresa.test>"
        assert logins == [(b"empresa", b"s3nha")]
        assert caixa.recebidas == []
    finally:
        controller.stop()


def test_only_issued_notes_can_be_mailed(runtime: Runtime) -> None:
    token, _ = empresa_teste(runtime)
    with TestClient(create_app(runtime)) as client:  # no worker: the note stays processing
        client.auth = (token, "")
        assert client.post("/v2/nfse?ref=cedo", json=nota_exemplo()).status_code == 202
        answer = client.post("/v2/nfse/cedo/email", json={"emails": ["a@cliente.test"]})
    assert answer.status_code == 400 and answer.json()["codigo"] == "nfe_nao_autorizada"


@pytest.mark.parametrize("ajuste,ambiente,envia", [
    (None, "producao", True), (None, "homologacao", False), (True, "homologacao", True),
    (False, "producao", False)])
def test_who_writes_to_the_tomador_by_default(ajuste: bool | None, ambiente: str,
                                              envia: bool) -> None:
    empresa = Empresa(id=1, cnpj="11222333000181", cpf=None, nome="X", inscricao_municipal="1",
                      codigo_municipio="3516200", regime_tributario=3, habilita_nfse=True,
                      certificado_valido_ate=None, enviar_email_destinatario=ajuste)
    assert empresa.envia_ao_tomador(ambiente) is envia
