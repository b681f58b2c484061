"""Races through the API against one note (issue 19): every request that finds the note
in another state gets the Focus answer for the state it found, and each real change of
state has exactly one history row, one e-mail and one webhook delivery per hook."""

from __future__ import annotations

import io
import json
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import event, select, update

from nfse.store import artefatos, notas
from nfse.store.tables import artefatos as artefatos_table
from nfse.store.tables import emails, empresas, entregas
from tests.support import Gateway, free_port, nota_exemplo

JUSTIFICATIVA = json.dumps({"justificativa": "Serviço não foi prestado ao tomador"})


@pytest.fixture
def hook(gateway: Gateway) -> str:
    """A hook of the test company (its receiver never answers: the deliveries stay rows)
    and the automatic e-mail to the tomador, switched on before any note."""
    with gateway.runtime.engine.begin() as conn:
        conn.execute(update(empresas).values(enviar_email_destinatario=True))
    gateway.runtime.settings.webhook_allow = ["127.0.0.1"]  # the receiver is on loopback
    answer = gateway.client.post("/v2/hooks", json={
        "event": "nfse", "url": f"http://127.0.0.1:{free_port()}/gatilho"})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def _ao_mesmo_tempo(chamadas: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(chamadas))

    def call(chamada: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return chamada()

    with ThreadPoolExecutor(len(chamadas)) as pool:
        return list(pool.map(call, chamadas))


def _delete(gateway: Gateway, ref: str) -> Callable[[], httpx.Response]:
    return lambda: httpx.request("DELETE", f"{gateway.base_url}/v2/nfse/{ref}",
                                 content=JUSTIFICATIVA, auth=(gateway.token, ""), timeout=60)


def _post(gateway: Gateway, path: str, body: object = None) -> Callable[[], httpx.Response]:
    return lambda: httpx.post(f"{gateway.base_url}{path}", json=body,
                              auth=(gateway.token, ""), timeout=60)


def _resposta(answer: httpx.Response) -> tuple[int, str]:
    body = answer.json()
    if body.get("status") == "erro_cancelamento":
        return answer.status_code, f"erro_cancelamento: {body['erros']}"
    return answer.status_code, body.get("status") or body.get("codigo")


def _efeitos(gateway: Gateway, ref: str) -> tuple[list[str], Counter, list[str]]:
    """(history, e-mails by motivo, the status in the body of each webhook delivery)."""
    with gateway.runtime.engine.connect() as conn:
        row = notas.get_by_ref(conn, 1, "homologacao", ref)
        historia = [h.status for h in notas.history(conn, row.id)]
        motivos = Counter(conn.execute(select(emails.c.motivo).where(
            emails.c.nota_id == row.id)).scalars())
        corpos = conn.execute(select(entregas.c.body).where(entregas.c.nota_id == row.id)
                              .order_by(entregas.c.id)).scalars().all()
    return historia, motivos, [json.loads(corpo)["status"] for corpo in corpos]


@pytest.mark.usefixtures("hook")
def test_twenty_concurrent_deletes_cancel_once(gateway: Gateway) -> None:
    gateway.autorizar("vinte", nota_exemplo())
    pedidos: list[str | None] = []  # what reaches the authority and changes its state
    sortear = gateway.sandbox.next_fault

    def contar() -> str | None:
        fault = sortear()
        pedidos.append(fault)
        return fault

    gateway.sandbox.next_fault = contar  # type: ignore[method-assign]
    answers = [_resposta(a) for a in _ao_mesmo_tempo([_delete(gateway, "vinte")] * 20)]
    assert sorted(answers) == [(200, "cancelado")] + [(400, "nfe_cancelada")] * 19
    assert len(pedidos) == 1  # the others waited for its outcome instead of asking too
    historia, motivos, webhooks = _efeitos(gateway, "vinte")
    assert historia == ["processando_autorizacao", "autorizado", "cancelado"]
    assert motivos == {"autorizado": 1, "cancelado": 1}
    assert webhooks == ["autorizado", "cancelado"]
    with gateway.runtime.engine.connect() as conn:
        row = notas.get_by_ref(conn, 1, "homologacao", "vinte")
        assert len(conn.execute(select(artefatos_table.c.id).where(
            artefatos_table.c.nota_id == row.id,
            artefatos_table.c.kind == artefatos.XML_CANCELAMENTO)).all()) == 1


@pytest.mark.usefixtures("hook")
def test_delete_racing_the_authorization(gateway: Gateway) -> None:
    """DELETEs sent while the worker authorizes: each answers for the state it found
    (em_processamento, then one cancels, then nfe_cancelada); the note is authorized once
    and cancelled once."""
    answer = gateway.client.post("/v2/nfse?ref=corrida", json=nota_exemplo())
    assert answer.status_code == 202
    answers: list[tuple[int, str]] = []
    while (200, "cancelado") not in answers:
        answers += [_resposta(a) for a in _ao_mesmo_tempo([_delete(gateway, "corrida")] * 4)]
        assert len(answers) < 2000, "the note was never authorized"
    answers += [_resposta(a) for a in _ao_mesmo_tempo([_delete(gateway, "corrida")] * 4)]
    assert set(answers) <= {(422, "em_processamento"), (200, "cancelado"),
                            (400, "nfe_cancelada")}
    assert answers.count((200, "cancelado")) == 1
    historia, motivos, webhooks = _efeitos(gateway, "corrida")
    assert historia == ["processando_autorizacao", "autorizado", "cancelado"]
    assert motivos == {"autorizado": 1, "cancelado": 1}
    assert webhooks == ["autorizado", "cancelado"]


def test_email_and_hook_refire_racing_the_cancellation(gateway: Gateway, hook: str) -> None:
    """Both are answered for the state they found (an issued note can be mailed and its
    hooks fired, cancelled or not); the cancellation still has one e-mail and one delivery,
    and each re-fire sends the JSON of one state."""
    gateway.autorizar("enviar", nota_exemplo())
    chamadas = ([_delete(gateway, "enviar")]
                + [_post(gateway, "/v2/nfse/enviar/email",
                         {"emails": [f"pedido{i}@cliente.test"]}) for i in range(8)]
                + [_post(gateway, "/v2/nfse/enviar/hook") for _ in range(8)])
    answers = _ao_mesmo_tempo(chamadas)
    assert _resposta(answers[0]) == (200, "cancelado")
    for i, answer in enumerate(answers[1:9]):
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"emails": [f"pedido{i}@cliente.test"]}
    for answer in answers[9:]:
        assert answer.status_code == 200, answer.text
        assert [h["id"] for h in answer.json()] == [hook]
    historia, motivos, webhooks = _efeitos(gateway, "enviar")
    assert historia == ["processando_autorizacao", "autorizado", "cancelado"]
    assert motivos == {"autorizado": 1, "cancelado": 1, "pedido": 8}
    assert webhooks[0] == "autorizado" and len(webhooks) == 1 + 8 + 1
    assert webhooks.count("cancelado") >= 1
    # the JSON of one state: once cancelled, every later delivery says so
    assert webhooks == sorted(webhooks, key=lambda status: status == "cancelado")


def _texto(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_cancelled_pdf_is_in_place_when_the_cancellation_commits(gateway: Gateway) -> None:
    """The first moment after the cancelling transaction commits that another thread can
    act (an e-mail thread sending the cancellation's message), the note's PDF is the
    cancelled one, or none (the e-mail then renders it from the cancelled state): seen
    from the pool, when any connection comes back to it, not by luck of timing."""
    nota = gateway.autorizar("marca", nota_exemplo())
    assert "CANCELADA" not in _texto(httpx.get(nota["url_danfse"]).content)  # kept
    engine = gateway.runtime.engine
    visto: list[bytes | None] = []
    dentro = threading.local()
    um = threading.Lock()

    def checkin(*_: object) -> None:
        if getattr(dentro, "ativo", False) or not escutando.is_set():
            return
        dentro.ativo = True
        try:
            with um, engine.connect() as conn:
                row = notas.get_by_ref(conn, 1, "homologacao", "marca")
                if row.status == "cancelado" and not visto:
                    pdf = artefatos.latest(conn, row.id, artefatos.DANFSE)
                    visto.append(pdf[0] if pdf else None)
        finally:
            dentro.ativo = False

    escutando = threading.Event()
    escutando.set()
    # left on the pool (the worker's thread iterates its listeners): the test's engine
    # goes with the test
    event.listen(engine.pool, "checkin", checkin)
    cancel = gateway.client.request("DELETE", "/v2/nfse/marca", content=JUSTIFICATIVA)
    escutando.clear()
    assert cancel.json() == {"status": "cancelado"}
    [pdf] = visto
    assert pdf is None or "CANCELADA" in _texto(pdf)
    texto = _texto(httpx.get(nota["url_danfse"]).content)
    assert "CANCELADA" in texto and "NFS-e Cancelada" in texto
    assert "NFS-e Gerada" not in texto
