"""SpeedGov 1.00 (docs/http-municipal.md): Ginfes' documents in SpeedGov's own schemas (the
root qualified, the rest unqualified) in ``<Operação>`` with ``header`` and ``parameters``,
over plain http only — served under ``NFSE_PERMITIR_HTTP_MUNICIPAL``. The sandbox plays it in
plain http on loopback and checks every document against SpeedGov's schemas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from nfse.municipios import provedores
from nfse.providers.abrasf1 import speedgov
from nfse.sandbox.abrasf1 import Abrasf1Sandbox
from tests.abrasf1_support import homologacao_abrasf1, nota_em
from tests.support import Gateway, pasta_sandbox

pytestmark = pytest.mark.um_motor

JUAZEIRO = "2307304"
"""Juazeiro do Norte/CE: SpeedGov 1.00, http://www.speedgov.com.br/wsjun/Nfes."""


@pytest.fixture
def speedgov_box(gateway: Gateway, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[Abrasf1Sandbox]:
    """The sandbox playing SpeedGov only, in plain http, where every abrasf_v1 homologação
    goes."""
    with homologacao_abrasf1(gateway, Abrasf1Sandbox(
            pasta_sandbox(tmp_path / "sandbox-speedgov"), sistema="SpeedGov", tls=False),
            monkeypatch) as box:
        yield box


def test_the_registry_routes_speedgov_only_with_the_opt_in() -> None:
    rota = provedores.rota(JUAZEIRO)
    assert (rota.provedor, rota.perfil, rota.sistema) == ("abrasf_v1", "speedgov_100",
                                                          "SpeedGov")
    assert rota.url_producao == "http://www.speedgov.com.br/wsjun/Nfes"
    assert "NFSE_PERMITIR_HTTP_MUNICIPAL=1" in (rota.problema("producao") or "")
    assert rota.problema("producao", permitir_http=True) is None


def test_speedgov_emit_query_and_cancel_over_http(gateway: Gateway,
                                                  speedgov_box: Abrasf1Sandbox) -> None:
    assert speedgov_box.url.startswith("http://127.0.0.1:")
    gateway.runtime.settings.permitir_http_municipal = True
    nota = gateway.autorizar("speedgov-1", nota_em(JUAZEIRO))
    (emitida,) = speedgov_box.emitidas()
    assert int(nota["numero"]) == int(emitida["numero"])
    # what went over the wire: SpeedGov's call, its lot valid under its schema
    with httpx.Client(base_url=gateway.base_url) as cliente:
        xml = etree.fromstring(cliente.get(nota["caminho_xml_nota_fiscal"]).content)
    assert xml.find(".//Nfse/InfNfse/Numero") is not None  # unqualified, as SpeedGov writes
    assert gateway.client.get("/v2/nfse/speedgov-1").json()["status"] == "autorizado"
    cancel = gateway.client.request("DELETE", "/v2/nfse/speedgov-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert [e["status"] for e in speedgov_box.emitidas()] == ["cancelada"]


def test_the_speedgov_sandbox_takes_only_its_calls(tmp_path: Path) -> None:
    """Ginfes' arg0/arg1 wrapping is a SOAP Fault for the SpeedGov sandbox."""
    box = Abrasf1Sandbox(pasta_sandbox(tmp_path / "sandbox"), sistema="SpeedGov", tls=False)
    box.start()
    try:
        envelope = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
                    '<soap:Body><ns1:ConsultarNfsePorRpsV3 xmlns:ns1="http://x"><arg0>c</arg0>'
                    "<arg1>d</arg1></ns1:ConsultarNfsePorRpsV3></soap:Body></soap:Envelope>")
        answer = httpx.post(box.url, content=envelope.encode(),
                            headers={"Content-Type": "text/xml"})
        assert answer.status_code == 500 and speedgov.SERVICO in answer.text
    finally:
        box.stop()
