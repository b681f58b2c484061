"""Municipal parameters: a municipality that has not joined the national NFS-e (no
convênio at the ADN) is refused at POST with the reason, not minutes later; when the
parameters service cannot be reached, the note goes on and the authority judges it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nfse.providers.registry import get_provider
from tests.support import Gateway, free_port, nota_exemplo, nota_plana


@pytest.fixture
def convenios(gateway: Gateway) -> Iterator[None]:
    """The provider keeps answers for hours, process-wide: start and end with none."""
    cache = get_provider("nacional")._convenios
    cache.clear()
    yield
    cache.clear()
    gateway.sandbox.sem_convenio = frozenset()


def test_municipality_without_convenio_is_refused_at_post(gateway: Gateway,
                                                          convenios: None) -> None:
    gateway.sandbox.sem_convenio = frozenset({"3516200"})
    answer = gateway.client.post("/v2/nfse?ref=sem-convenio", json=nota_exemplo())
    assert answer.status_code == 400
    body = answer.json()
    assert body["codigo"] == "requisicao_invalida"
    assert body["erros"][0]["campo"] == "prestador.codigo_municipio"
    assert "Franca/SP" in body["mensagem"] and "convênio" in body["mensagem"]
    flat = gateway.client.post("/v2/nfsen?ref=sem-convenio", json=nota_plana())
    assert flat.status_code == 400
    assert flat.json()["erros"][0]["campo"] == "codigo_municipio_emissora"
    assert gateway.client.get("/v2/nfse/sem-convenio").status_code == 404  # nothing stored


def test_the_answer_is_kept(gateway: Gateway, convenios: None) -> None:
    assert gateway.client.post("/v2/nfse?ref=com-1", json=nota_exemplo()).status_code == 202
    gateway.sandbox.sem_convenio = frozenset({"3516200"})  # not asked again for hours
    assert gateway.client.post("/v2/nfse?ref=com-2", json=nota_exemplo()).status_code == 202


def test_unreachable_parameters_let_the_note_through(gateway: Gateway,
                                                     convenios: None) -> None:
    gateway.runtime.settings.nacional_parametros_url_homologacao = \
        f"https://127.0.0.1:{free_port()}/parametrizacao"
    assert gateway.client.post("/v2/nfse?ref=sem-adn", json=nota_exemplo()).status_code == 202
    assert gateway.wait_final("sem-adn")["status"] == "autorizado"
