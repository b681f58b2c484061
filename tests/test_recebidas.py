"""Received notes (Focus "NFS-e recebidas", issue 24): a test company receives, through the
sandbox's ADN distribution, the notes another test company issues to it, sees them at
``/v2/nfses_recebidas`` with a growing ``versao``, then the cancellation as a new versao, with
an ``nfse_recebida`` webhook for each change. A walk that fails in the middle of a page leaves
nothing of it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from nfse.admin import criar_empresa
from nfse.certs.generate import generate_a1
from nfse.runtime import Runtime
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.store import empresas, recebidas
from nfse.store.clock import aware, now
from nfse.store.tables import recebidas as recebidas_table
from nfse.store.tables import sincronizacoes
from nfse.work.recebidas import Recebidas
from tests.support import (
    CNPJ,
    MUNICIPIO_ABRASF,
    Gateway,
    empresa_teste,
    free_port,
    nota_exemplo,
)
from tests.test_hooks import Receptor

OUTRA = "07504505000132"
"""The other company: the tomador of every note the test company issues, and the prestador
of the notes the test company receives."""


@pytest.fixture
def outra(gateway: Gateway) -> Iterator[httpx.Client]:
    a1 = generate_a1(OUTRA, "FORNECEDORA LTDA")
    empresa = criar_empresa(gateway.runtime, cnpj=OUTRA, nome="FORNECEDORA LTDA",
                            inscricao_municipal="999", codigo_municipio="4106902",
                            pfx=a1.to_pfx("x"), senha="x", regime_tributario=3)
    gateway.sandbox.trust(a1.cert)
    with httpx.Client(base_url=gateway.base_url, auth=(empresa.token_homologacao, ""),
                      timeout=30) as client:
        yield client


def _nota_da_outra(ref: str) -> dict:
    nota = nota_exemplo(prestador={"cnpj": OUTRA, "inscricao_municipal": "999",
                                   "codigo_municipio": "4106902"})
    nota["tomador"] = {"cnpj": CNPJ, "razao_social": "EMPRESA TESTE LTDA"}
    return nota


def _emitir(client: httpx.Client, ref: str, nota: dict) -> dict:
    assert client.post(f"/v2/nfse?ref={ref}", json=nota).status_code == 202
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        body = client.get(f"/v2/nfse/{ref}").json()
        if body["status"] != "processando_autorizacao":
            assert body["status"] == "autorizado", body
            return body
        time.sleep(0.05)
    raise AssertionError(f"{ref} still processing")


def _recebidas(gateway: Gateway, versao: int, quantas: int) -> list[dict]:
    """Ask for a walk now, then poll the list until ``quantas`` notes are after ``versao``."""
    assert gateway.client.post("/v2/nfses_recebidas/sincronizar").status_code == 202
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        answer = gateway.client.get(f"/v2/nfses_recebidas?cnpj={CNPJ}&versao={versao}")
        assert answer.status_code == 200, answer.text
        if len(answer.json()) >= quantas:
            assert answer.headers["X-Total-Count"] == str(len(answer.json()))
            return answer.json()
        time.sleep(0.1)
    raise AssertionError(f"{quantas} received notes after versao {versao} never came")


def test_a_company_receives_the_notes_issued_to_it_and_their_cancellation(
        gateway: Gateway, outra: httpx.Client) -> None:
    gateway.runtime.settings.public_url = gateway.base_url
    gateway.runtime.settings.webhook_allow = ["127.0.0.1"]  # the receiver is on loopback
    receptor = Receptor()
    assert gateway.client.post("/v2/hooks", json={"event": "nfse_recebida",
                                                  "url": receptor.url}).status_code == 201
    vazia = gateway.client.get(f"/v2/nfses_recebidas?cnpj={CNPJ}")
    assert vazia.status_code == 200 and vazia.json() == []
    assert vazia.headers["X-Total-Count"] == "0"
    gateway.autorizar("propria-1", nota_exemplo())  # issued by us: not a received note
    emitida = _emitir(outra, "fornecida-1", _nota_da_outra("fornecida-1"))

    [recebida] = _recebidas(gateway, 0, 1)
    assert recebida["chave"] == emitida["chave_acesso"]
    assert (recebida["versao"], recebida["status"]) == (1, "autorizado")
    assert recebida["documento_prestador"] == OUTRA
    assert recebida["documento_tomador"] == CNPJ
    assert recebida["numero"] == emitida["numero"]
    assert recebida["valor_servicos"] == "1.00"
    assert recebida["codigo_verificacao"] == emitida["chave_acesso"]
    assert recebida["url_xml"].endswith(f"/v2/nfses_recebidas/{recebida['chave']}.xml")

    cancelada = outra.request("DELETE", "/v2/nfse/fornecida-1",
                              json={"justificativa": "Serviço não foi prestado ao cliente"})
    assert cancelada.json()["status"] == "cancelado", cancelada.text
    [mudou] = _recebidas(gateway, 1, 1)
    assert (mudou["chave"], mudou["versao"], mudou["status"]) == (
        recebida["chave"], 2, "cancelado")
    assert [n["versao"] for n in _recebidas(gateway, 0, 1)] == [2]

    xml = gateway.client.get(f"/v2/nfses_recebidas/{recebida['chave']}.xml")
    assert xml.status_code == 200 and b"<NFSe" in xml.content
    completa = gateway.client.get(f"/v2/nfses_recebidas/{recebida['chave']}.json").json()
    assert "<NFSe" in completa["xml_nfse"] and "xml_cancelamento" in completa

    entregues = [json.loads(corpo) for _, corpo in receptor.esperar(2)]
    assert [(e["versao"], e["status"]) for e in entregues] == [(1, "autorizado"),
                                                               (2, "cancelado")]
    receptor.server.shutdown()


def test_the_list_belongs_to_the_token_company(gateway: Gateway) -> None:
    sem = gateway.client.get("/v2/nfses_recebidas")
    assert (sem.status_code, sem.json()["codigo"]) == (400, "requisicao_invalida")
    outra = gateway.client.get(f"/v2/nfses_recebidas?cnpj={OUTRA}")
    assert (outra.status_code, outra.json()["codigo"]) == (403, "permissao_negada")
    ruim = gateway.client.get(f"/v2/nfses_recebidas?cnpj={CNPJ}&versao=-1")
    assert ruim.status_code == 400
    assert gateway.client.get("/v2/nfses_recebidas/" + "1" * 50).status_code == 404


def test_a_walk_broken_in_the_middle_of_a_page_keeps_nothing_of_it(
        gateway: Gateway, outra: httpx.Client) -> None:
    for n in range(3):
        _emitir(outra, f"lote-{n}", _nota_da_outra(f"lote-{n}"))
    engine = gateway.runtime.engine
    with engine.begin() as conn:  # a walk leased to this test alone, not due for the worker
        empresa_id = empresas.find_by_cnpj(conn, CNPJ).id
        recebidas.ativar(conn, empresa_id, "homologacao", agora=False)
        conn.execute(update(sincronizacoes).where(sincronizacoes.c.empresa_id == empresa_id)
                     .values(next_attempt_at=now() + timedelta(hours=1), lease_owner="quebra",
                             lease_until=now() + timedelta(hours=1)))
        walk = recebidas.situacao(conn, empresa_id, "homologacao")
    job = Recebidas(engine, gateway.runtime.settings, gateway.runtime.emissores, "quebra",
                    gateway.base_url)
    corpo = job._corpo
    chamadas = []

    def quebra_no_segundo(mudanca: recebidas.Mudanca) -> str:
        chamadas.append(mudanca.chave)
        if len(chamadas) == 2:
            raise RuntimeError("worker morto no meio da página")
        return corpo(mudanca)

    job._corpo = quebra_no_segundo  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        job._deliver(walk)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(recebidas_table)).scalar_one() == 0
        assert recebidas.situacao(conn, empresa_id, "homologacao").versao == 0
    job._corpo = corpo  # type: ignore[method-assign]
    assert job._deliver(walk).fim
    with engine.connect() as conn:
        assert sorted(conn.execute(select(recebidas_table.c.versao)).scalars()) == [1, 2, 3]
        assert recebidas.situacao(conn, empresa_id, "homologacao").versao == 3


def test_a_company_in_an_abrasf_municipality_receives_its_municipality_notes(
        gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """The municipality's own system (ConsultarNfseServicoTomado): a note the test company
    issues there to a company of that municipality, then its cancellation."""
    a1 = generate_a1(OUTRA, "CLIENTE LOCAL LTDA")
    cliente = criar_empresa(gateway.runtime, cnpj=OUTRA, nome="CLIENTE LOCAL LTDA",
                            inscricao_municipal="777", codigo_municipio=MUNICIPIO_ABRASF,
                            pfx=a1.to_pfx("x"), senha="x", regime_tributario=3)
    gateway.sandbox.trust(a1.cert)
    abrasf.trust(a1.cert)
    nota = nota_exemplo()
    nota["prestador"]["codigo_municipio"] = MUNICIPIO_ABRASF
    emitida = gateway.autorizar("local-1", nota)  # tomador: OUTRA, the client company

    with httpx.Client(base_url=gateway.base_url, auth=(cliente.token_homologacao, ""),
                      timeout=30) as api:
        def esperar(versao: int) -> dict:
            assert api.post("/v2/nfses_recebidas/sincronizar").status_code == 202
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                pagina = api.get(f"/v2/nfses_recebidas?cnpj={OUTRA}&versao={versao}").json()
                if pagina:
                    return pagina[-1]
                time.sleep(0.1)
            raise AssertionError(f"nothing after versao {versao}")

        recebida = esperar(0)
        assert (recebida["status"], recebida["numero"]) == ("autorizado", emitida["numero"])
        assert recebida["documento_prestador"] == CNPJ
        assert recebida["codigo_verificacao"] == emitida["codigo_verificacao"]
        assert recebida["codigo_municipio"] == MUNICIPIO_ABRASF
        cancelada = gateway.client.request("DELETE", "/v2/nfse/local-1", json={
            "justificativa": "Erro na emissão da nota fiscal"})
        assert cancelada.json()["status"] == "cancelado"
        mudou = esperar(recebida["versao"])
        assert (mudou["chave"], mudou["status"]) == (recebida["chave"], "cancelado")
        completa = api.get(f"/v2/nfses_recebidas/{recebida['chave']}.json").json()
        assert "CompNfse" in completa["xml_nfse"] and "xml_cancelamento" in completa


def test_an_unreachable_adn_is_asked_again_later_with_backoff(runtime: Runtime) -> None:
    empresa_teste(runtime)
    runtime.settings.nacional_adn_url_homologacao = f"https://127.0.0.1:{free_port()}/c"
    with runtime.engine.begin() as conn:
        empresa_id = empresas.find_by_cnpj(conn, CNPJ).id
        recebidas.ativar(conn, empresa_id, "homologacao", agora=True)
    job = Recebidas(runtime.engine, runtime.settings, runtime.emissores, "w", "http://api")
    for tentativa in (1, 2):
        with runtime.engine.begin() as conn:  # due now, whatever the backoff said
            conn.execute(update(sincronizacoes).values(next_attempt_at=now()))
        antes = now()
        assert job.run_once() == 1
        with runtime.engine.connect() as conn:
            walk = recebidas.situacao(conn, empresa_id, "homologacao")
        assert walk.attempts == tentativa and "ADN inacessível" in walk.erro
        espera = (aware(walk.next_attempt_at) - antes).total_seconds()
        assert 60 * 2 ** (tentativa - 1) - 1 <= espera <= 60 * 2 ** (tentativa - 1) + 5
        assert walk.ultimo_nsu == 0 and walk.lease_owner is None
