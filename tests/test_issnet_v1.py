"""ISSNet's ABRASF 1.0 web service (Barcarena/PA; issue 22): ABRASF 1.0 in ISSNet's own
namespaces and shapes behind ``<Operação>`` with ``<xml>``, the ``abrasf_v1`` provider's
``issnet``/``xml`` options (rate as a percentage), against the ABRASF 1.0 sandbox playing
ISSNet only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from nfse.municipios import provedores
from nfse.providers.abrasf1 import issnet, soap
from nfse.providers.abrasf1.dialeto import dialeto_de
from nfse.sandbox.abrasf1 import Abrasf1Sandbox
from nfse.sandbox.abrasf1 import issnet as sandbox_issnet
from nfse.sandbox.abrasf1 import soap as sandbox_soap
from nfse.sandbox.abrasf1.prefeitura import ESQUEMAS
from nfse.sandbox.abrasf1.server import fora_do_dialeto
from nfse.visualizacao.abrasf1_leitura import ler_nota
from nfse.xml.validate import validate
from tests.abrasf1_support import homologacao_abrasf1, nota_em
from tests.support import Gateway, pasta_sandbox
from tests.test_abrasf_layouts import _pedidos

pytestmark = pytest.mark.um_motor

BARCARENA = "1501303"
SOAP11 = "{http://schemas.xmlsoap.org/soap/envelope/}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
NFD = f"{{{issnet.NFD}}}"
TC = f"{{{issnet.TIPOS}}}"


@pytest.fixture
def issnet_box(gateway: Gateway, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[Abrasf1Sandbox]:
    """The sandbox playing ISSNet 1.0 only, where every abrasf_v1 homologação goes."""
    with homologacao_abrasf1(gateway, Abrasf1Sandbox(
            pasta_sandbox(tmp_path / "sandbox-issnet"), sistema="ISSNet",
            municipio=BARCARENA), monkeypatch) as box:
        yield box


def test_issnet_v1_emit_query_and_cancel_through_v2_nfse(gateway: Gateway,
                                                        issnet_box: Abrasf1Sandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{BARCARENA}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf_v1", "ISSNet")
    assert provedores.rota(BARCARENA).url("producao") == \
        "https://abrasf.issnetonline.com.br/webserviceabrasf/barcarena/servicos.asmx"
    nota = gateway.autorizar("issnet-1", nota_em(BARCARENA))
    (emitida,) = issnet_box.emitidas()
    assert int(nota["numero"]) == int(emitida["numero"])
    [envio] = _pedidos(gateway, "emissao")
    lote = etree.fromstring(envio.findtext(f"{SOAP11}Body/{NFD}RecepcionarLoteRps/{NFD}xml")
                            .encode())
    assert issnet.problemas(lote) == []
    assert lote.findtext(f".//{TC}LoteRps/{TC}CpfCnpj/{TC}Cnpj") is None  # LoteRps: p1
    assert lote.findtext(f"*/{TC}CpfCnpj/{TC}Cnpj") == nota_em(BARCARENA)["prestador"]["cnpj"]
    servico = lote.find(f".//{TC}Servico")
    assert servico.findtext(f"{TC}ItemListaServico") == "107"
    assert servico.findtext(f"{TC}MunicipioPrestacaoServico") == BARCARENA
    assert servico.findtext(f"{TC}Valores/{TC}Aliquota") == "3.0000"  # NaoDividir100
    assert lote.find(f"{DS}Signature/{DS}SignedInfo/{DS}Reference").get("URI") == ""

    consulta = gateway.client.get("/v2/nfse/issnet-1").json()
    assert (consulta["status"], consulta["numero"]) == ("autorizado", nota["numero"])
    # the note's page reads ISSNet's Cidade/Estado and MunicipioPrestacaoServico
    pagina = ler_nota(gateway.client.get(nota["caminho_xml_nota_fiscal"]).content)
    prestador, _, servico = pagina.antes[:3]
    assert "Barcarena/PA" in repr(prestador) and "Barcarena/PA" in repr(servico)

    # the sandbox takes only a cancellation valid in ISSNet's schema, signed inside Pedido
    cancel = gateway.client.request("DELETE", "/v2/nfse/issnet-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert [e["status"] for e in issnet_box.emitidas()] == ["cancelada"]


def test_the_call_and_what_the_issnet_sandbox_refuses() -> None:
    dialeto = dialeto_de(provedores.rota(BARCARENA).opcoes)
    texto, cabecalhos = soap.envelope("ConsultarSituacaoLoteRps", "", b"<Envio/>", "", dialeto)
    assert cabecalhos["SOAPAction"] == \
        '"http://www.issnetonline.com.br/webservice/nfd/ConsultaSituacaoLoteRPS"'
    chamada = sandbox_soap.ler(texto)
    assert (chamada.operacao, chamada.interna) == ("ConsultaSituacaoLoteRPS",
                                                  "ConsultarSituacaoLoteRpsV3")
    assert chamada.dados.endswith("<Envio/>")
    assert fora_do_dialeto(chamada, "ISSNet", acao=cabecalhos["SOAPAction"]) is None
    assert fora_do_dialeto(chamada, "ISSNet", acao=f'"{issnet.NFD}/ConsultarLoteRps"')
    ginfes, _ = soap.envelope("CancelarNfse", "<cabecalho/>", b"<CancelarNfseEnvio/>",
                              "http://homologacao.ginfes.com.br")
    assert fora_do_dialeto(sandbox_soap.ler(ginfes), "ISSNet", acao='""')


def test_a_lot_processed_with_errors_answers_in_issnets_schema() -> None:
    """ISSNet's lot messages (tcMensagemRetornoLote) name the RPS and have no Correcao."""
    ginfes = "http://www.ginfes.com.br/"
    resposta = etree.fromstring(
        f'<ConsultarLoteRpsResposta xmlns="{ginfes}servico_consultar_lote_rps_resposta_v03.xsd">'
        f'<ListaMensagemRetorno xmlns="{ginfes}tipos_v03.xsd"><MensagemRetorno>'
        "<Codigo>E16</Codigo><Mensagem>RPS 2/1: data futura</Mensagem><Correcao>Corrija"
        "</Correcao></MensagemRetorno></ListaMensagemRetorno></ConsultarLoteRpsResposta>")
    rps = etree.fromstring(f'<IdentificacaoRps xmlns="{ginfes}tipos_v03.xsd"><Numero>2</Numero>'
                           "<Serie>1</Serie><Tipo>1</Tipo></IdentificacaoRps>")
    saida = sandbox_issnet.para_issnet(resposta)
    sandbox_issnet.identificar_mensagens(saida, rps)
    assert validate(saida, ESQUEMAS / sandbox_issnet.esquema("ConsultarLoteRpsResposta")) == []
    assert saida.findtext(f".//{TC}IdentificacaoRps/{TC}Numero") == "2"
