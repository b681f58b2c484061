"""A cancellation whose answer is lost: the gateway asks the authority for the event before
saying anything, so a cancelled note is never reported as still authorized, and a retried
DELETE after an earlier attempt went through ends in ``cancelado``, not in E0840."""

from __future__ import annotations

import json

from nfse.model.nfse import parse_nfse
from nfse.providers.nacional.provider import NacionalProvider
from nfse.store import empresas
from tests.support import Gateway, nota_exemplo

JUSTIFICATIVA = {"justificativa": "Serviço não foi prestado"}


def autorizar(gateway: Gateway, ref: str) -> dict:
    assert gateway.client.post(f"/v2/nfse?ref={ref}", json=nota_exemplo()).status_code == 202
    nota = gateway.wait_final(ref)
    assert nota["status"] == "autorizado"
    return nota


def cancelar(gateway: Gateway, ref: str) -> dict:
    return gateway.client.request("DELETE", f"/v2/nfse/{ref}",
                                  content=json.dumps(JUSTIFICATIVA)).json()


def test_answer_lost_after_the_event_was_registered(gateway: Gateway) -> None:
    autorizar(gateway, "perdida")
    gateway.sandbox.inject("reset")
    assert cancelar(gateway, "perdida") == {"status": "cancelado"}
    nota = gateway.client.get("/v2/nfse/perdida").json()
    assert nota["status"] == "cancelado" and nota["caminho_xml_cancelamento"]


def test_nothing_registered_keeps_the_note_authorized(gateway: Gateway) -> None:
    autorizar(gateway, "recusada")
    gateway.sandbox.inject("http500")
    answer = cancelar(gateway, "recusada")
    assert answer["status"] == "erro_cancelamento"
    assert gateway.client.get("/v2/nfse/recusada").json()["status"] == "autorizado"
    assert cancelar(gateway, "recusada") == {"status": "cancelado"}


def test_retry_after_an_attempt_that_went_through(gateway: Gateway) -> None:
    nota = autorizar(gateway, "repetida")
    runtime = gateway.runtime
    with runtime.engine.connect() as conn:
        empresa = empresas.get_empresa(conn, 1)
    earlier = NacionalProvider().cancel(  # an attempt whose answer never reached the API
        parse_nfse(nota_exemplo()), nota["chave_acesso"], nota["numero"],
        JUSTIFICATIVA["justificativa"], runtime.emissores.for_empresa(empresa, "homologacao"))
    assert earlier.result.value == "authorized"
    assert cancelar(gateway, "repetida") == {"status": "cancelado"}
