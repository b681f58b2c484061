"""ISSIntel 1.00 (Picos, Oeiras, Conceição do Araguaia, Irituia, Afonso Cláudio, Capim
Branco; issue 22): ABRASF 1.0 in ``http://www.abrasf.org.br/nfse.xsd`` with ISSIntel's
additions, the document as elements inside ``<urn:<Operação>>`` in the city's namespace, the
``abrasf_v1`` provider's ``issintel``/``urn`` options, against the ABRASF 1.0 sandbox playing
ISSIntel only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.municipios import provedores
from nfse.providers.abrasf1 import issintel, pedidos, soap
from nfse.providers.abrasf1.dialeto import dialeto_de, variante
from nfse.providers.base import Emissor, Rps
from nfse.sandbox.abrasf1 import Abrasf1Sandbox
from nfse.sandbox.abrasf1 import soap as sandbox_soap
from nfse.sandbox.abrasf1.server import fora_do_dialeto
from nfse.xml.validate import validate
from tests.abrasf1_support import homologacao_abrasf1, nota_em
from tests.support import CNPJ, Gateway, pasta_sandbox
from tests.test_abrasf_layouts import _pedidos

pytestmark = pytest.mark.um_motor

PICOS = "2208007"
SOAP11 = "{http://schemas.xmlsoap.org/soap/envelope/}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
N = f"{{{issintel.NS}}}"
A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")


@pytest.fixture
def issintel_box(gateway: Gateway, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[Abrasf1Sandbox]:
    """The sandbox playing ISSIntel only, where every abrasf_v1 homologação goes."""
    with homologacao_abrasf1(gateway, Abrasf1Sandbox(
            pasta_sandbox(tmp_path / "sandbox-issintel"), sistema="ISSIntel",
            municipio=PICOS), monkeypatch) as box:
        yield box


def _documento(envio: etree._Element) -> etree._Element:
    """The request document carried as elements inside the operation."""
    (operacao,) = envio.find(f"{SOAP11}Body")
    (documento,) = operacao
    return documento


def test_issintel_emit_query_and_cancel_through_v2_nfse(gateway: Gateway,
                                                       issintel_box: Abrasf1Sandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{PICOS}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf_v1", "ISSIntel")
    assert provedores.rota(PICOS).url("producao") == \
        "https://picos-pi.issintel.com.br/webservices/abrasf/api"
    nota = gateway.autorizar("issintel-1", nota_em(PICOS))
    (emitida,) = issintel_box.emitidas()
    assert int(nota["numero"]) == int(emitida["numero"])
    [envio] = _pedidos(gateway, "emissao")
    lote = _documento(envio)
    assert validate(lote, issintel.XSD) == []
    assert lote.find(f"{N}LoteRps").get("versao") == "1.00"
    servico = lote.find(f".//{N}Servico")
    assert servico.findtext(f"{N}ItemListaServico") == "1.07"
    assert servico.findtext(f"{N}CodigoServicoNacional") == "010701"
    assert servico.findtext(f"{N}Valores/{N}TpRetPisCofins") == "0"
    referencia = lote.find(f"{DS}Signature/{DS}SignedInfo/{DS}Reference")
    assert referencia.get("URI") == "#" + lote.find(f"{N}LoteRps").get("Id")

    consulta = gateway.client.get("/v2/nfse/issintel-1").json()
    assert (consulta["status"], consulta["numero"]) == ("autorizado", nota["numero"])

    # the sandbox takes only a cancellation valid in the ISSIntel schema and signed inside
    # Pedido over InfPedidoCancelamento
    cancel = gateway.client.request("DELETE", "/v2/nfse/issintel-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert [e["status"] for e in issintel_box.emitidas()] == ["cancelada"]


def test_the_call_and_what_the_issintel_sandbox_refuses() -> None:
    rota = provedores.rota(PICOS)
    dialeto = dialeto_de(rota.opcoes)
    endereco = rota.url("producao")
    namespace = soap.namespace_servico(endereco, rota.opcoes)
    assert namespace == "http://picos-pi.issintel.com.br/webservices/abrasf/api"
    documento = f'<?xml version="1.0"?><CancelarNfseEnvio xmlns="{issintel.NS}"/>'.encode()
    texto, cabecalhos = soap.envelope("CancelarNfse", "", documento, namespace, dialeto)
    assert cabecalhos["SOAPAction"] == f'"{namespace}/CancelarNfse"'
    chamada = sandbox_soap.ler(texto)
    assert (chamada.operacao, chamada.interna, chamada.namespace) == (
        "CancelarNfse", "CancelarNfseV3", namespace)
    assert etree.QName(etree.fromstring(chamada.dados)).text == f"{N}CancelarNfseEnvio"
    caminho = "/webservices/abrasf/api"
    assert fora_do_dialeto(chamada, "ISSIntel", caminho, cabecalhos["SOAPAction"]) is None
    assert fora_do_dialeto(chamada, "ISSIntel", caminho, f'"{namespace}/ConsultarNfse"')
    assert fora_do_dialeto(chamada, "ISSIntel", "/outro", cabecalhos["SOAPAction"])
    ginfes, _ = soap.envelope("CancelarNfse", "<cabecalho/>", b"<CancelarNfseEnvio/>",
                              "http://homologacao.ginfes.com.br")
    assert fora_do_dialeto(sandbox_soap.ler(ginfes), "ISSIntel", caminho, '""')


def test_the_pis_cofins_group_and_the_withholding_code_in_the_lot() -> None:
    emissor = Emissor(a1=A1, ambiente="homologacao", base_url="https://127.0.0.1/api",
                      ca_file=None, razao_social="EMPRESA TESTE LTDA",
                      opcoes=provedores.rota(PICOS).opcoes)
    opcoes = variante(emissor.opcoes)

    def valores(**servico: object) -> etree._Element:
        body = nota_em(PICOS)
        body["servico"].update(servico)
        lote = etree.fromstring(pedidos.lote_rps(parse_nfse(body), Rps("1", 7), emissor,
                                                 opcoes))
        assert issintel.problemas(lote) == []
        return lote.find(f".//{N}Servico/{N}Valores")

    grupo = valores(situacao_tributaria_pis_cofins="01", tipo_retencao_pis_cofins="4",
                    base_calculo_pis_cofins="1000.00", aliquota_pis="0.65",
                    aliquota_cofins="3")
    assert [(etree.QName(e).localname, e.text) for e in grupo][-5:] == [
        ("TpRetPisCofins", "4"), ("PisCofinsCst", "01"), ("BcPisCofins", "1000.00"),
        ("AliquotaPis", "0.0065"), ("AliquotaCofins", "0.0300")]
    so_pis = valores(valor_servicos=1000, valor_pis="6.50")  # without the group: retained
    assert so_pis.findtext(f"{N}TpRetPisCofins") == "5"
