"""Webhooks against a real HTTP receiver on loopback: registration rules, delivery of the
GET's JSON with the hook's header, retries on a failing receiver with a shortened schedule,
signatures, scoping, the 5-hook limit and re-firing."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import func, select, update

from nfse.admin import criar_empresa
from nfse.certs.generate import generate_a1
from nfse.store.clock import now
from nfse.store.tables import empresas, entregas
from nfse.store.tables import hooks as hooks_table
from nfse.work import certificados
from tests.support import CNPJ, MUNICIPIO, Gateway, nota_exemplo

_CONTAGEM = threading.Lock()


class Receptor:
    """Records every POST; answers 500 while ``falhar`` > 0, and ``atraso`` seconds late,
    counting the POSTs it holds at once (``pico``) and, in ``contagem``, those of every
    receiver sharing it; ``intervalos``: when each POST arrived and was answered, its body."""

    def __init__(self, atraso: float = 0.0, contagem: dict[str, int] | None = None) -> None:
        self.recebidos: list[tuple[dict[str, str], bytes]] = []
        self.falhar = 0
        self.pico = 0
        self._agora = 0
        self.intervalos: list[tuple[float, float, bytes]] = []
        contagem = {"agora": 0, "pico": 0} if contagem is None else contagem
        receptor = self

        def segurar(passo: int) -> None:
            with _CONTAGEM:
                receptor._agora += passo
                receptor.pico = max(receptor.pico, receptor._agora)
                contagem["agora"] += passo
                contagem["pico"] = max(contagem["pico"], contagem["agora"])

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receptor.recebidos.append(({k.lower(): v for k, v in self.headers.items()},
                                           body))
                segurar(1)
                chegou = time.monotonic()
                time.sleep(atraso)
                receptor.intervalos.append((chegou, time.monotonic(), body))
                segurar(-1)
                status = 500 if receptor.falhar > 0 else 200
                receptor.falhar -= 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/nfse"
        # polled every 10 ms: shutdown() returns that soon (the default is half a second)
        threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True).start()

    def esperar(self, quantos: int, timeout: float = 20) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.recebidos) < quantos:
            time.sleep(0.05)
        assert len(self.recebidos) >= quantos, self.recebidos
        return self.recebidos


@pytest.fixture
def receptor(gateway: Gateway) -> Iterator[Receptor]:
    gateway.runtime.settings.public_url = gateway.base_url
    gateway.runtime.settings.webhook_retries = [0.2, 0.2, 0.2]
    gateway.runtime.settings.webhook_allow = ["127.0.0.1"]  # the receiver is on loopback
    box = Receptor()
    yield box
    box.server.shutdown()


def esperar_entregas(gateway: Gateway, timeout: float = 10) -> None:
    """Until no delivery is pending. Deliveries are enqueued in the transaction that gives a
    note its final status: past this, what the receiver got and the hooks' counters are all
    there will be for the notes already final."""
    deadline = time.monotonic() + timeout
    while True:
        with gateway.runtime.engine.connect() as conn:
            pendentes = conn.execute(select(func.count()).select_from(entregas).where(
                entregas.c.status == "pendente")).scalar_one()
        if not pendentes:
            return
        assert time.monotonic() < deadline, f"{pendentes} delivery(ies) still pending"
        time.sleep(0.05)


def registrar(gateway: Gateway, client: httpx.Client | None = None, **campos: object) -> dict:
    answer = (client or gateway.client).post("/v2/hooks", json=campos)
    assert answer.status_code == 201, answer.text
    return answer.json()


def autorizar(gateway: Gateway, ref: str, body: dict | None = None) -> dict:
    r = gateway.client.post(f"/v2/nfse?ref={ref}", json=body or nota_exemplo())
    assert r.status_code == 202, r.text
    return gateway.wait_final(ref)


def test_authorized_note_is_posted_with_the_hook_header(gateway: Gateway,
                                                        receptor: Receptor) -> None:
    hook = registrar(gateway, event="nfse", url=receptor.url, authorization="segredo",
                     authorization_header="X-ApiKey")
    assert hook["event"] == "nfse" and hook["url"] == receptor.url and hook["id"]
    nota = autorizar(gateway, "gancho-1")
    [(headers, body)] = receptor.esperar(1)
    assert json.loads(body) == gateway.client.get("/v2/nfse/gancho-1").json() == nota
    assert headers["x-apikey"] == "segredo"
    assert headers["content-type"] == "application/json" and headers["x-nfse-delivery"]
    esperar_entregas(gateway)
    again = gateway.client.get(f"/v2/hooks/{hook['id']}").json()
    assert (again["request_count"], again["success_count"], again["error_count"]) == (1, 1, 0)


def test_the_final_state_is_posted_at_once_not_at_the_next_poll(gateway: Gateway,
                                                                receptor: Receptor) -> None:
    """The worker that records a final state wakes its deliveries: the hook is posted at
    once, not when the delivery thread next looks for work (up to NFSE_WORKER_POLL)."""
    registrar(gateway, event="nfse", url=receptor.url)
    gateway.runtime.settings.worker_poll = 60
    time.sleep(0.3)  # the delivery threads now wait a poll of 60 s
    autorizar(gateway, "gancho-ja")
    assert len(receptor.esperar(1, timeout=10)) == 1


class ReceptorParado:
    """Accepts connections and reads what comes, never answering, until closed: a receiver
    that hangs (each delivery to it waits for the delivery's timeout)."""

    def __init__(self) -> None:
        self.servidor = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.servidor.getsockname()[1]}/nfse"
        self.conexoes: list[socket.socket] = []
        threading.Thread(target=self._aceitar, daemon=True).start()

    def _aceitar(self) -> None:
        while True:
            try:
                conexao, _ = self.servidor.accept()
            except OSError:
                return
            self.conexoes.append(conexao)

    def fechar(self) -> None:
        self.servidor.close()
        for conexao in self.conexoes:
            conexao.close()


def test_a_receiver_that_hangs_does_not_hold_another_receivers_deliveries(
        gateway: Gateway, receptor: Receptor) -> None:
    """Each delivery to a hanging receiver waits its 10 s timeout: one after another, the
    other hooks' deliveries waited behind them, whatever company they were for."""
    parado = ReceptorParado()
    try:
        registrar(gateway, event="nfse", url=parado.url)
        registrar(gateway, event="nfse", url=receptor.url)
        for n in range(3):
            answer = gateway.client.post(f"/v2/nfse?ref=parado-{n}", json=nota_exemplo())
            assert answer.status_code == 202, answer.text
        for n in range(3):
            assert gateway.wait_final(f"parado-{n}")["status"] == "autorizado"
        recebidos = receptor.esperar(3, timeout=5)
        assert sorted(json.loads(body)["ref"] for _, body in recebidos) == [
            f"parado-{n}" for n in range(3)]
    finally:
        parado.fechar()


def test_hooks_are_delivered_to_at_once_and_each_several_at_once(
        gateway: Gateway, receptor: Receptor) -> None:
    contagem = {"agora": 0, "pico": 0}
    lentos = [Receptor(atraso=0.3, contagem=contagem) for _ in range(2)]
    try:
        ids = [registrar(gateway, event="nfse", url=lento.url)["id"] for lento in lentos]
        for n in range(6):
            answer = gateway.client.post(f"/v2/nfse?ref=varias-{n}", json=nota_exemplo())
            assert answer.status_code == 202, answer.text
        for n in range(6):
            assert gateway.wait_final(f"varias-{n}")["status"] == "autorizado"
        esperar_entregas(gateway)
        with gateway.runtime.engine.connect() as conn:
            for hook_id, lento in zip(ids, lentos, strict=True):
                criadas = conn.execute(select(entregas.c.delivery).where(
                    entregas.c.hook_id == hook_id)).scalars()
                chegadas = [headers["x-nfse-delivery"] for headers, _ in lento.recebidos]
                assert sorted(chegadas) == sorted(criadas)  # each once
                assert 2 <= lento.pico <= 4  # several at once to a hook, half the places
        assert contagem["pico"] > max(lento.pico for lento in lentos)  # both at once
    finally:
        for lento in lentos:
            lento.server.shutdown()


def test_a_notes_deliveries_to_a_hook_never_overlap_and_arrive_in_order(
        gateway: Gateway) -> None:
    """Cancelled while its authorization's webhook is still being answered, a note's
    cancellation goes to the hook only once that one was answered (the hook has places
    left: two notes' deliveries at once of the four it may have)."""
    gateway.runtime.settings.webhook_allow = ["127.0.0.1"]
    lento = Receptor(atraso=1.0)
    try:
        registrar(gateway, event="nfse", url=lento.url)
        refs = [f"cancela-{n}" for n in range(2)]
        for ref in refs:
            assert gateway.client.post(f"/v2/nfse?ref={ref}", json=nota_exemplo()
                                       ).status_code == 202
        for ref in refs:
            assert gateway.wait_final(ref)["status"] == "autorizado"
        for ref in refs:
            cancel = gateway.client.request("DELETE", f"/v2/nfse/{ref}", content=json.dumps(
                {"justificativa": "Valor incorreto"}))
            assert cancel.json() == {"status": "cancelado"}
        esperar_entregas(gateway, timeout=20)
    finally:
        lento.server.shutdown()
    por_ref: dict[str, list[tuple[float, float, str]]] = {}
    for chegou, respondido, body in lento.intervalos:
        nota = json.loads(body)
        por_ref.setdefault(nota["ref"], []).append((chegou, respondido, nota["status"]))
    assert sorted(por_ref) == refs
    for entregas_da_nota in por_ref.values():
        autorizado, cancelado = sorted(entregas_da_nota)
        assert (autorizado[2], cancelado[2]) == ("autorizado", "cancelado")
        assert autorizado[1] <= cancelado[0]
    assert lento.pico >= 2


def test_failing_receiver_gets_the_delivery_after_it_recovers(gateway: Gateway,
                                                              receptor: Receptor) -> None:
    hook = registrar(gateway, event="nfse", url=receptor.url)
    receptor.falhar = 2
    autorizar(gateway, "gancho-2")
    recebidos = receptor.esperar(3)
    assert len({h["x-nfse-delivery"] for h, _ in recebidos}) == 1  # one delivery, retried
    assert json.loads(recebidos[-1][1])["status"] == "autorizado"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        counts = gateway.client.get(f"/v2/hooks/{hook['id']}").json()
        if counts["success_count"] == 1:
            break
        time.sleep(0.05)
    assert (counts["request_count"], counts["success_count"], counts["error_count"]) == (3, 1, 2)


def test_delivery_is_given_up_after_the_last_retry(gateway: Gateway,
                                                   receptor: Receptor) -> None:
    registrar(gateway, event="nfse", url=receptor.url)
    receptor.falhar = 100
    autorizar(gateway, "gancho-3")
    receptor.esperar(4)  # the first attempt and three retries
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with gateway.runtime.engine.connect() as conn:
            status = conn.execute(select(entregas.c.status)).scalar_one()
        if status == "falhou":
            break
        time.sleep(0.05)
    assert status == "falhou"
    assert len(receptor.recebidos) == 4
    with gateway.runtime.engine.connect() as conn:  # and nothing left to try
        assert conn.execute(select(entregas.c.attempts, entregas.c.next_attempt_at)).one() \
            == (4, None)


def test_rejection_and_cancellation_fire_too(gateway: Gateway, receptor: Receptor) -> None:
    registrar(gateway, event="nfse", url=receptor.url)
    # a competência before the municipality joined the convênio: the authority refuses it
    # (E0016), the gateway does not know the date
    gateway.sandbox.parametrizacao.definir(MUNICIPIO, ativacao=date(2020, 1, 1))
    assert autorizar(gateway, "gancho-4", nota_exemplo())["status"] == "erro_autorizacao"
    gateway.sandbox.parametrizacao.definir(MUNICIPIO)
    autorizar(gateway, "gancho-5")
    cancel = gateway.client.request("DELETE", "/v2/nfse/gancho-5",
                                    content=json.dumps({"justificativa": "Valor incorreto"}))
    assert cancel.json() == {"status": "cancelado"}
    statuses = [json.loads(b)["status"] for _, b in receptor.esperar(3)]
    assert statuses == ["erro_autorizacao", "autorizado", "cancelado"]


def test_signed_deliveries(gateway: Gateway, receptor: Receptor) -> None:
    hook = registrar(gateway, event="nfse", url=receptor.url, secret="chave-compartilhada",
                     authorization="Bearer abc")
    assert hook["assinado"] is True and "secret" not in hook
    assert hook["authorization_header"] == "Authorization"  # the default header
    autorizar(gateway, "gancho-6")
    [(headers, body)] = receptor.esperar(1)
    expected = hmac.new(b"chave-compartilhada",
                        headers["x-nfse-timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert headers["x-nfse-signature"] == f"sha256={expected}"
    assert headers["authorization"] == "Bearer abc"


def test_registration_rules_and_limit(gateway: Gateway, receptor: Receptor) -> None:
    bad_event = gateway.client.post("/v2/hooks", json={"event": "nfe", "url": receptor.url})
    assert bad_event.status_code == 400
    mensagem = 'Parâmetro "event" deve ser um evento válido'
    assert bad_event.json() == {"codigo": "requisicao_invalida", "mensagem": mensagem,
                                "erros": [{"codigo": "requisicao_invalida",
                                           "mensagem": mensagem, "correcao": None}]}
    bad_url = gateway.client.post("/v2/hooks", json={"event": "nfse", "url": "ftp://x/y"})
    assert bad_url.status_code == 400 and bad_url.json()["mensagem"] == "URL inválida: ftp://x/y"
    other = gateway.client.post("/v2/hooks", json={"event": "nfse", "url": receptor.url,
                                                   "cnpj": "07504505000132"})
    assert other.status_code == 400
    for _ in range(5):
        registrar(gateway, event="nfse", url=receptor.url)
    sixth = gateway.client.post("/v2/hooks", json={"event": "nfse", "url": receptor.url})
    assert sixth.status_code == 400 and "Limite de 5" in sixth.json()["mensagem"]
    registrar(gateway, event="nfsen", url=receptor.url)  # the limit is per event
    assert len(gateway.client.get("/v2/hooks").json()) == 6


def test_a_token_sees_only_its_own_hooks(gateway: Gateway, receptor: Receptor) -> None:
    mine = registrar(gateway, event="nfse", url=receptor.url)
    a1 = generate_a1("07504505000132", "OUTRA EMPRESA LTDA")
    outra = criar_empresa(gateway.runtime, cnpj="07504505000132", nome="OUTRA EMPRESA LTDA",
                          inscricao_municipal="999", codigo_municipio="4106902",
                          pfx=a1.to_pfx("x"), senha="x")
    with httpx.Client(base_url=gateway.base_url, auth=(outra.token_homologacao, "")) as other:
        assert other.get("/v2/hooks").json() == []
        assert other.get(f"/v2/hooks/{mine['id']}").status_code == 404
        assert other.delete(f"/v2/hooks/{mine['id']}").status_code == 404
        theirs = registrar(gateway, other, event="nfse", url=receptor.url)
    assert [h["id"] for h in gateway.client.get("/v2/hooks").json()] == [mine["id"]]
    autorizar(gateway, "gancho-7")
    receptor.esperar(1)
    esperar_entregas(gateway)
    assert len(receptor.recebidos) == 1  # the other company's hook does not fire for us
    deleted = gateway.client.delete(f"/v2/hooks/{mine['id']}")
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert gateway.client.get("/v2/hooks").json() == []
    assert theirs["id"] != mine["id"]


def test_refire_answers_the_hooks_fired(gateway: Gateway, receptor: Receptor) -> None:
    autorizar(gateway, "gancho-8")
    assert gateway.client.post("/v2/nfse/gancho-8/hook").json() == []
    hook = registrar(gateway, event="nfse", url=receptor.url)
    fired = gateway.client.post("/v2/nfse/gancho-8/hook")
    assert fired.status_code == 200 and [h["id"] for h in fired.json()] == [hook["id"]]
    [(_, body)] = receptor.esperar(1)
    assert json.loads(body)["ref"] == "gancho-8"
    assert gateway.client.post("/v2/nfse/nao-existe/hook").status_code == 404


def test_producao_refuses_internal_addresses_unless_allowed(gateway: Gateway,
                                                            receptor: Receptor) -> None:
    a1 = generate_a1("07504505000132", "OUTRA EMPRESA LTDA")
    outra = criar_empresa(gateway.runtime, cnpj="07504505000132", nome="OUTRA EMPRESA LTDA",
                          inscricao_municipal="999", codigo_municipio="4106902",
                          pfx=a1.to_pfx("x"), senha="x")
    gateway.runtime.settings.webhook_allow = []
    with httpx.Client(base_url=gateway.base_url, auth=(outra.token_producao, "")) as prod:
        refused = prod.post("/v2/hooks", json={"event": "nfse", "url": receptor.url})
        assert refused.status_code == 400 and "127.0.0.1" in refused.json()["mensagem"]
        gateway.runtime.settings.webhook_allow = ["127.0.0.0/8"]
        registrar(gateway, prod, event="nfse", url=receptor.url)


def test_substitution_fires_for_both_notes(gateway: Gateway, receptor: Receptor) -> None:
    registrar(gateway, event="nfse", url=receptor.url)
    original = autorizar(gateway, "gancho-9")
    autorizar(gateway, "gancho-10", nota_exemplo(numero_rps_substituido=original["numero_rps"],
                                                 serie_rps_substituido=original["serie_rps"]))
    fired = [(json.loads(b)["ref"], json.loads(b)["status"]) for _, b in receptor.esperar(3)]
    # each note's in order; the two notes' of the substitution side by side
    assert [status for ref, status in fired if ref == "gancho-9"] == ["autorizado",
                                                                      "substituido"]
    assert [status for ref, status in fired if ref == "gancho-10"] == ["autorizado"]


def test_certificate_expiry_warnings(gateway: Gateway, receptor: Receptor) -> None:
    registrar(gateway, event="certificado", url=receptor.url)
    registrar(gateway, event="nfse", url=receptor.url + "/notas")
    engine = gateway.runtime.engine

    def vence_em(dias: float) -> None:
        with engine.begin() as conn:
            conn.execute(update(empresas).values(
                certificado_valido_ate=datetime.now(UTC) + timedelta(days=dias)))

    vence_em(40)
    assert certificados.avisar(engine) == 0
    vence_em(6.5)
    assert certificados.avisar(engine) == 1
    assert certificados.avisar(engine) == 0  # that window was warned already
    vence_em(0.5)
    assert certificados.avisar(engine) == 1
    bodies = [json.loads(b) for _, b in receptor.esperar(2)]
    assert [(b["evento"], b["dias_restantes"]) for b in bodies] == [("certificado", 7),
                                                                    ("certificado", 1)]
    assert bodies[0]["cnpj"] == CNPJ


def _esperar_contagem(gateway: Gateway, hook_id: str, requests: int) -> dict:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        hook = gateway.client.get(f"/v2/hooks/{hook_id}").json()
        if hook["request_count"] >= requests:
            return hook
        time.sleep(0.05)
    raise AssertionError(f"hook {hook_id} never reached {requests} requests")


@pytest.mark.parametrize("falhas", [3, 1])
def test_a_hook_whose_deliveries_mostly_failed_for_7_days_is_disabled(
        gateway: Gateway, receptor: Receptor, falhas: int) -> None:
    """After a 7-day window with more failed deliveries than good ones the hook is disabled:
    nothing more goes to it. A window mostly delivered starts the next one."""
    hook = registrar(gateway, event="nfse", url=receptor.url)
    gateway.runtime.settings.webhook_retries = []  # one attempt per delivery
    receptor.falhar = falhas
    for n in range(3):
        autorizar(gateway, f"janela-{falhas}-{n}")
        _esperar_contagem(gateway, hook["id"], n + 1)
    with gateway.runtime.engine.begin() as conn:  # the window began 7 days ago
        conn.execute(update(hooks_table).where(hooks_table.c.id == hook["id"]).values(
            janela_inicio=now() - timedelta(days=7, seconds=1)))
    receptor.falhar = 100 if falhas == 3 else 0
    autorizar(gateway, f"janela-{falhas}-fim")
    estado = _esperar_contagem(gateway, hook["id"], 4)
    assert estado["ativo"] is (falhas == 1)
    assert (estado["desativado_em"] is None) is (falhas == 1)
    autorizar(gateway, f"janela-{falhas}-depois")
    if falhas == 3:
        esperar_entregas(gateway)
        assert gateway.client.get(f"/v2/hooks/{hook['id']}").json()["request_count"] == 4
    else:
        assert _esperar_contagem(gateway, hook["id"], 5)["ativo"] is True
