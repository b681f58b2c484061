"""Tiplan 1.0 (Itaguaí, Mangaratiba, Piraí; issue 22): ABRASF 1.0 in
``http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd`` behind ``<Operação>Request`` with
``inputXML``, the ``abrasf_v1`` provider's ``tiplan``/``inputxml`` options, against the ABRASF
1.0 sandbox playing Tiplan only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from nfse.municipios import provedores
from nfse.providers.abrasf1 import soap, tiplan
from nfse.providers.abrasf1.dialeto import dialeto_de
from nfse.sandbox.abrasf1 import Abrasf1Sandbox
from nfse.sandbox.abrasf1 import soap as sandbox_soap
from nfse.sandbox.abrasf1.server import fora_do_dialeto
from nfse.xml.validate import validate
from tests.abrasf1_support import homologacao_abrasf1, nota_em
from tests.support import Gateway, pasta_sandbox
from tests.test_abrasf_layouts import _pedidos

pytestmark = pytest.mark.um_motor

ITAGUAI = "3302007"
SOAP11 = "{http://schemas.xmlsoap.org/soap/envelope/}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
N = "{http://www.nfe.com.br/}"


@pytest.fixture
def tiplan_box(gateway: Gateway, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[Abrasf1Sandbox]:
    """The sandbox playing Tiplan 1.0 only, where every abrasf_v1 homologação goes."""
    with homologacao_abrasf1(gateway, Abrasf1Sandbox(
            pasta_sandbox(tmp_path / "sandbox-tiplan"), sistema="Tiplan",
            municipio=ITAGUAI), monkeypatch) as box:
        yield box


def test_tiplan_v1_emit_and_cancel_through_v2_nfse(gateway: Gateway,
                                                  tiplan_box: Abrasf1Sandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{ITAGUAI}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf_v1", "Tiplan")
    assert provedores.rota(ITAGUAI).url("producao") == \
        "https://spe.itaguai.rj.gov.br/nfse/WSNacional/nfse.asmx"
    nota = gateway.autorizar("tiplan-1", nota_em(ITAGUAI))
    (emitida,) = tiplan_box.emitidas()
    assert int(nota["numero"]) == int(emitida["numero"])
    [envio] = _pedidos(gateway, "emissao")
    chamada = envio.find(f"{SOAP11}Body/{N}RecepcionarLoteRpsRequest")
    documento = etree.fromstring(chamada.findtext(f"{N}inputXML").encode())
    assert validate(documento, tiplan.XSD) == []
    assinatura = documento.find(f"{DS}Signature")
    assert assinatura.find(f"{DS}SignedInfo/{DS}Reference").get("URI") == ""

    cancel = gateway.client.request("DELETE", "/v2/nfse/tiplan-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert [e["status"] for e in tiplan_box.emitidas()] == ["cancelada"]


def test_the_call_and_what_the_tiplan_sandbox_refuses() -> None:
    dialeto = dialeto_de(provedores.rota(ITAGUAI).opcoes)
    texto, cabecalhos = soap.envelope("CancelarNfse", "", b"<CancelarNfseEnvio/>", "",
                                      dialeto)
    assert cabecalhos["SOAPAction"] == '"http://www.nfe.com.br/CancelarNfse"'
    chamada = sandbox_soap.ler(texto)
    assert (chamada.operacao, chamada.interna, chamada.dados) == (
        "CancelarNfse", "CancelarNfseV3", "<CancelarNfseEnvio/>")
    assert fora_do_dialeto(chamada, "Tiplan", acao=cabecalhos["SOAPAction"]) is None
    assert fora_do_dialeto(chamada, "Tiplan", acao='"http://www.nfe.com.br/GerarNfse"')
    ginfes, _ = soap.envelope("CancelarNfse", "<cabecalho/>", b"<CancelarNfseEnvio/>",
                              "http://homologacao.ginfes.com.br")
    assert fora_do_dialeto(sandbox_soap.ler(ginfes), "Tiplan", acao='""')
