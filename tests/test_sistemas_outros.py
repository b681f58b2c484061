"""Own municipal systems served by a profile of an existing provider (issue 22, point 4;
docs/sistemas-outros.md), each through the shipped registry against the ABRASF sandbox: the
note is emitted (the answer lost: found by ConsultarNfsePorRps), cancelled (the answer lost:
found by ConsultarNfsePorFaixa), and what went over the wire is the system's dialect; the
national DPS at Tiplan's own API likewise, against the Nacional sandbox playing it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from nfse.municipios import routing
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.sandbox.nacional import NacionalSandbox
from nfse.store.tables import artefatos
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.municipios.test_emissao_municipal import _segundo_sandbox
from tests.support import Gateway, nota_exemplo
from tests.test_abrasf_layouts import _chamada, _ciclo, _pedidos

pytestmark = pytest.mark.um_motor

NS = "http://www.abrasf.org.br/nfse.xsd"
X = {"a": NS}


@pytest.mark.parametrize("ibge", ["3300100", "3304524"])  # Angra dos Reis, Rio das Ostras
def test_tiplan_203_round_trip(gateway: Gateway, abrasf: AbrasfSandbox, ibge: str) -> None:
    """Tiplan 2.03: the ABRASF reference WSDL with the service namespace written with its
    trailing slash, <Op>Request, versaoDados 2.03, every document valid in Tiplan's own 2.03
    schema, the item with its dot."""
    municipio = gateway.client.get(f"/v2/municipios/{ibge}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf", "Tiplan")
    _ciclo(gateway, abrasf, ibge, f"tiplan-{ibge}")
    for troca, operacao in {"emissao": "GerarNfse", "consulta_rps": "ConsultarNfsePorRps"}.items():
        envelopes = _pedidos(gateway, troca)
        assert envelopes, troca
        for envelope in envelopes:
            elemento, cabecalho, dados = _chamada(envelope)
            assert elemento == f"{{http://nfse.abrasf.org.br/}}{operacao}Request"
            assert cabecalho.findtext("a:versaoDados", namespaces=X) == "2.03"
            assert validate(dados, abrasf_xsd_dir() / "nfse_v2-03.xsd") == []
    [envio] = _pedidos(gateway, "emissao")
    inf = _chamada(envio)[2].find("a:Rps/a:InfDeclaracaoPrestacaoServico", X)
    assert inf.find("a:Tomador/a:RazaoSocial", X) is not None
    assert inf.findtext("a:Servico/a:ItemListaServico", namespaces=X) == "01.07"
    [emitida] = abrasf.emitidas()
    comp = etree.fromstring(emitida["xml"])
    assert comp.find("a:Nfse", X).get("versao") == "2.03"
    assert validate(comp, abrasf_xsd_dir() / "nfse_v2-03.xsd") == []



MACAE = "3302403"
TIPLAN_API = "/api/adn/dps"


@pytest.fixture
def tiplan(gateway: Gateway, tmp_path: Path) -> Iterator[NacionalSandbox]:
    """A sandbox playing Tiplan's DPS API (Macaé's homologação address, operator file) and,
    on the same port, the national environment that serves its notes and events."""
    municipal = _segundo_sandbox(gateway, tmp_path / "tiplan", TIPLAN_API, "tiplan")
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(f'[municipios."{MACAE}"]\nperfil = "dps_tiplan"\nsistema = "Tiplan"\n'
                       f'url_producao = "https://spe.macae.rj.gov.br/api/adn/dps/recepcao"\n'
                       f'url_homologacao = "{municipal.url}/recepcao"\n', encoding="utf-8")
    routing.carregar(arquivo)
    gateway.runtime.settings.nacional_url_homologacao = municipal.sefin_url
    try:
        yield municipal
    finally:
        municipal.stop()
        routing.carregar(None)


def test_tiplan_dps_api_round_trip(gateway: Gateway, tiplan: NacionalSandbox) -> None:
    """Macaé: the DPS to Tiplan's /recepcao, its answer lost and the note found by Tiplan's
    /chave-acesso and the Sefin's NFS-e; the cancellation to /evento, its answer lost and the
    event found at the Sefin. One note, issued once, cancelled once."""
    municipio = gateway.client.get(f"/v2/municipios/{MACAE}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("nacional", "Tiplan")
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = MACAE
    gateway.runtime.settings.authority_timeout = 1.0
    tiplan.inject("timeout_after_commit")
    nota = gateway.autorizar("tiplan-api", body)
    assert [n["chaveAcesso"] for n in tiplan.emitidas()] == [nota["chave_acesso"]]
    assert gateway.sandbox.emitidas() == []  # not the gateway's Sefin
    tiplan.inject("timeout_after_commit")
    cancel = gateway.client.request("DELETE", "/v2/nfse/tiplan-api",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/tiplan-api").json()["status"] == "cancelado"
    [emitida] = tiplan.emitidas()
    assert emitida["cancelada"]
    # the lost emission answer was found by asking (Tiplan's key, the Sefin's note), not by
    # sending again; the lost cancellation answer can only have been found at the Sefin's
    # events (Tiplan's routes serve none)
    with gateway.runtime.engine.connect() as conn:
        trocas = set(conn.execute(select(artefatos.c.kind)).scalars())
    assert {"exchange:consulta_dps:request", "exchange:consulta_nfse:request"} <= trocas
