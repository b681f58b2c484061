"""Municipal systems of issue 22 served late (docs/sistemas-restantes.md), each against the
sandbox playing its dialect, through ``/v2/nfse``: Publica (ABRASF 1.0 in
``http://www.publica.inf.br``, the ``abrasf_v1`` provider's ``publica`` options)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import httpx
import pytest
from lxml import etree

from nfse.certs.tls import client_context
from nfse.model.nfse import parse_nfse
from nfse.municipios import provedores
from nfse.providers.abrasf1 import pedidos, publica
from nfse.providers.abrasf1.dialeto import variante
from nfse.providers.base import Emissor, Rps
from nfse.sandbox.abrasf1 import Abrasf1Sandbox
from tests.abrasf1_support import homologacao_abrasf1, nota_em
from tests.support import Gateway, a1_teste, pasta_sandbox

pytestmark = pytest.mark.um_motor

SEVERIANO_MELO = "2413607"  # Publica, https
PUBLICA = {"p": "http://www.publica.inf.br"}
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


@pytest.fixture
def publica_box(gateway: Gateway, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[Abrasf1Sandbox]:
    """The sandbox playing Publica only, where every abrasf_v1 homologação goes."""
    with homologacao_abrasf1(gateway, Abrasf1Sandbox(
            pasta_sandbox(tmp_path / "sandbox-publica"), sistema="Publica",
            municipio=SEVERIANO_MELO), monkeypatch) as box:
        yield box


def test_publica_emit_query_and_cancel_through_v2_nfse(gateway: Gateway,
                                                       publica_box: Abrasf1Sandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{SEVERIANO_MELO}").json()
    assert municipio["provedor_nfse"] == "abrasf_v1"
    assert municipio["sistema_nfse"] == "Publica"
    assert provedores.rota(SEVERIANO_MELO).url("producao") == \
        "https://nfse1.publica.inf.br/severianomelo_nfse_integracao/Services"
    nota = gateway.autorizar("publica-1", nota_em(SEVERIANO_MELO))
    (emitida,) = publica_box.emitidas()
    assert int(nota["numero"]) == int(emitida["numero"])  # Publica writes it in 15 digits
    xml = etree.fromstring(httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content)
    inf = xml.find(".//p:InfNfse", PUBLICA)
    assert inf is not None and int(inf.findtext("p:Numero", namespaces=PUBLICA)) == \
        int(nota["numero"])
    consulta = gateway.client.get("/v2/nfse/publica-1").json()
    assert consulta["status"] == "autorizado"

    cancel = gateway.client.request("DELETE", "/v2/nfse/publica-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    cancelada = gateway.client.get("/v2/nfse/publica-1?completa=1").json()
    resposta = etree.fromstring(
        httpx.get(gateway.base_url + cancelada["caminho_xml_cancelamento"]).content)
    assert resposta.find("p:Confirmacao/p:DataHoraCancelamento", PUBLICA) is not None
    assert [e["status"] for e in publica_box.emitidas()] == ["cancelada"]


def test_the_publica_sandbox_takes_only_its_calls(tmp_path: Path) -> None:
    """Ginfes' ``arg0``/``arg1`` wrapping of the same document is a SOAP Fault, Publica's
    ``XML`` is answered in ``return``: the round trip above proves the dialect."""
    box = Abrasf1Sandbox(pasta_sandbox(tmp_path / "sandbox"), sistema="Publica",
                         municipio=SEVERIANO_MELO)
    box.start()
    try:
        a1 = a1_teste()[0]
        box.trust(a1.cert)
        emissor = Emissor(a1=a1, ambiente="homologacao", base_url=box.url,
                          ca_file=str(box.ca_file), razao_social="EMPRESA TESTE LTDA",
                          opcoes=provedores.rota(SEVERIANO_MELO).opcoes, timeout=10)
        consulta = pedidos.consultar_nfse_rps(parse_nfse(nota_em(SEVERIANO_MELO)),
                                              Rps(numero=7, serie="1"), emissor,
                                              variante(emissor.opcoes)).decode()
        assert not publica.problemas(etree.fromstring(consulta.encode()))
        with httpx.Client(verify=client_context(a1, str(box.ca_file)), timeout=10) as cliente:
            def post(corpo: str) -> httpx.Response:
                return cliente.post(box.url, content=corpo.encode(), headers={
                    "Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'})

            aceita = post(f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body>'
                          f'<p:ConsultarNfsePorRps xmlns:p="{publica.SERVICO}">'
                          f"<XML>{escape(consulta)}</XML></p:ConsultarNfsePorRps>"
                          "</soap:Body></soap:Envelope>")
            assert aceita.status_code == 200 and "<return>" in aceita.text
            ginfes = post(f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body>'
                          '<g:ConsultarNfsePorRpsV3 xmlns:g="http://homologacao.ginfes.com.br">'
                          f"<arg0>{escape(pedidos.CABECALHO)}</arg0><arg1>{escape(consulta)}"
                          "</arg1></g:ConsultarNfsePorRpsV3></soap:Body></soap:Envelope>")
            assert ginfes.status_code == 500 and "Publica" in ginfes.text
    finally:
        box.stop()


def test_a_lost_publica_cancellation_is_confirmed_by_the_range_query(
        gateway: Gateway, publica_box: Abrasf1Sandbox) -> None:
    """Publica has no ConsultarNfse by number: a cancellation whose answer was lost is found
    with ConsultarNfseFaixa from and to the note's number."""
    gateway.autorizar("publica-perdido", nota_em(SEVERIANO_MELO))
    publica_box.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    cancel = gateway.client.request("DELETE", "/v2/nfse/publica-perdido",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    cancelada = gateway.client.get("/v2/nfse/publica-perdido?completa=1").json()
    resposta = etree.fromstring(
        httpx.get(gateway.base_url + cancelada["caminho_xml_cancelamento"]).content)
    assert resposta.find("p:Confirmacao/p:DataHoraCancelamento", PUBLICA) is not None
    assert [e["status"] for e in publica_box.emitidas()] == ["cancelada"]
