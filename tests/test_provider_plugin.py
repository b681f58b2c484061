"""A provider is a plug-in: the Sistema Fictício (``tests/ficticio``, a provider and its
sandbox that exist only in the tests) is registered here, a profile routes a municipality to
it, and notes of that municipality are issued, queried, reconciled and cancelled through
``/v2/nfse`` — with nothing of it in ``src/``. What it cannot do (substitution) is refused at
POST, from its declared capabilities."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from nfse.municipios import routing
from nfse.providers import registry
from nfse.providers.base import Capability
from nfse.store.tables import artefatos
from tests.ficticio.provider import NOME, FicticioProvider
from tests.ficticio.sandbox import FicticioSandbox
from tests.support import Gateway, nota_exemplo

FLORIANOPOLIS = "4205407"
SAO_JOSE = "4216602"
"""Served by the Sistema Fictício's older release, which cannot cancel."""


class SemCancelamento(FicticioProvider):
    name = "ficticio_antigo"
    capabilities = frozenset({Capability.EMIT, Capability.QUERY})


PROVEDORES = f"""
[perfis.ficticio]
padrao = "{NOME}"

[perfis.ficticio_antigo]
padrao = "{SemCancelamento.name}"

[municipios."{FLORIANOPOLIS}"]
perfil = "ficticio"
url_producao = "https://ficticio.example/ws"

[municipios."{SAO_JOSE}"]
perfil = "ficticio_antigo"
url_producao = "https://ficticio.example/ws"
"""


@pytest.fixture
def ficticio(gateway: Gateway, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[FicticioSandbox]:
    """The Sistema Fictício registered, its sandbox up and trusting the test company, and
    Florianópolis routed to it by an operator's provider file; its homologação goes to the
    sandbox by the provider's own settings (``NFSE_FICTICIO_*``)."""
    registry.register(FicticioProvider)
    registry.register(SemCancelamento)
    box = FicticioSandbox(tmp_path / "sandbox-ficticio")
    box.start()
    box.trust(gateway.a1.cert)
    monkeypatch.setenv("NFSE_FICTICIO_URL_HOMOLOGACAO", box.url)
    monkeypatch.setenv("NFSE_FICTICIO_CA_FILE", str(box.ca_file))
    monkeypatch.setenv("NFSE_FICTICIO_ANTIGO_URL_HOMOLOGACAO", box.url)
    monkeypatch.setenv("NFSE_FICTICIO_ANTIGO_CA_FILE", str(box.ca_file))
    arquivo = tmp_path / "provedores.toml"
    arquivo.write_text(PROVEDORES, encoding="utf-8")
    routing.carregar(arquivo)
    yield box
    routing.carregar(None)
    registry.unregister(NOME)
    registry.unregister(SemCancelamento.name)
    box.stop()


def nota_ficticia(municipio: str = FLORIANOPOLIS, **overrides: object) -> dict:
    body = nota_exemplo(**overrides)
    body["prestador"]["codigo_municipio"] = municipio
    return body


def test_a_note_is_issued_queried_and_cancelled(gateway: Gateway,
                                                ficticio: FicticioSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{FLORIANOPOLIS}").json()
    assert (municipio["provedor_nfse"], municipio["nfse_habilitada"]) == (NOME, True)

    nota = gateway.autorizar("fic-1", nota_ficticia())
    [emitida] = ficticio.emitidas()
    assert nota["numero"] == str(emitida["numero"])
    assert nota["codigo_verificacao"] == emitida["codigo_verificacao"]
    assert emitida["rps"] == int(nota["numero_rps"])
    xml = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).text
    assert xml.startswith(f'<NotaFicticia numero="{emitida["numero"]}"')

    cancel = gateway.client.request("DELETE", "/v2/nfse/fic-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert [e["status"] for e in ficticio.emitidas()] == ["cancelada"]
    completa = gateway.client.get("/v2/nfse/fic-1", params={"completa": 1}).json()
    assert completa["status"] == "cancelado"
    # no events of its own: the event is named by the note's state
    assert [e["tipo"] for e in completa["eventos"]] == ["cancelado"]


def test_a_lost_answer_is_reconciled_by_its_query(gateway: Gateway,
                                                  ficticio: FicticioSandbox) -> None:
    ficticio.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    nota = gateway.autorizar("fic-perdida", nota_ficticia())
    [emitida] = ficticio.emitidas()
    assert nota["numero"] == str(emitida["numero"])
    with gateway.runtime.engine.connect() as conn:
        kinds = list(conn.execute(select(artefatos.c.kind)).scalars())
    assert kinds.count("exchange:emissao:request") == 1  # sent once, found by its query
    assert "exchange:consulta_rps:response" in kinds


def test_what_the_provider_cannot_do_is_refused_at_post(gateway: Gateway,
                                                        ficticio: FicticioSandbox) -> None:
    longa = nota_ficticia()
    longa["servico"]["discriminacao"] = "x" * 201
    answer = gateway.client.post("/v2/nfse?ref=fic-longa", json=longa)
    assert answer.status_code == 400
    assert "Sistema Fictício aceita até 200" in answer.text

    gateway.autorizar("fic-original", nota_ficticia())
    substituta = nota_ficticia(numero_rps_substituido="1", serie_rps_substituido="1")
    answer = gateway.client.post("/v2/nfse?ref=fic-substituta", json=substituta)
    assert answer.status_code == 400, answer.text
    assert "substituição" in answer.json()["mensagem"].lower()
    assert len(ficticio.emitidas()) == 1


def test_dry_run_shows_the_document(gateway: Gateway, ficticio: FicticioSandbox) -> None:
    answer = gateway.client.post("/v2/nfse?ref=fic-ensaio&dry_run=1", json=nota_ficticia())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["valido"], body["provedor"]) == (True, NOME)
    assert '"discriminacao": "Nota fiscal referente a serviços prestados"' in body["rps_xml"]
    assert ficticio.emitidas() == []


def test_a_provider_that_cannot_cancel_refuses_the_delete(gateway: Gateway,
                                                          ficticio: FicticioSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{SAO_JOSE}").json()
    assert (municipio["provedor_nfse"], municipio["possui_cancelamento_nfse"]) == (
        SemCancelamento.name, False)
    assert gateway.client.get(f"/v2/municipios/{FLORIANOPOLIS}").json()[
        "possui_cancelamento_nfse"] is True
    gateway.autorizar("fic-sj", nota_ficticia(SAO_JOSE))
    cancel = gateway.client.request("DELETE", "/v2/nfse/fic-sj",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.status_code == 400
    assert cancel.json()["codigo"] == "operacao_indisponivel"
    assert "O cancelamento de NFS-e não está disponível" in cancel.json()["mensagem"]
    assert gateway.client.get("/v2/nfse/fic-sj").json()["status"] == "autorizado"
    assert [e["status"] for e in ficticio.emitidas()] == ["emitida"]
