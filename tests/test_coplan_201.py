"""Coplan 2.01 (issue 22): ABRASF 2.01 in Coplan's GeneXus SOAP envelope, the abrasf
provider's ``forma_documento = "genexus"`` against the ABRASF sandbox, which reads that body
and checks every document against the 2.01 schema."""

from __future__ import annotations

import pytest
from lxml import etree

from nfse.municipios import routing
from nfse.providers.abrasf import envelope
from nfse.providers.abrasf.variante import variante_de
from nfse.providers.base import Emissor
from nfse.sandbox.abrasf import AbrasfSandbox, soap
from nfse.sandbox.abrasf import genexus as sandbox_genexus
from tests.support import Gateway, nota_exemplo
from tests.test_abrasf_corpo import _corpo, _no_esquema, _rota
from tests.test_abrasf_layouts import _pedidos

pytestmark = pytest.mark.um_motor

ALTO_TAQUARI = "5100607"  # Coplan 2.01, .../tributario/altotaquari/anfse_web_service
GAUCHA_DO_NORTE = "5103858"  # 2.01 in ACBr's table, but at the 1.01 address (anfse_ws)
T = "{Tributario}"


def test_coplan_201_round_trip(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """Emitted by GerarNfse and cancelled, both in the GeneXus body; the emission's call
    the procedure with the capitalised request and both parameters in the homologação
    namespace, its documents headed and valid in ABRASF 2.01."""
    _rota(gateway, ALTO_TAQUARI, "Coplan")
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = ALTO_TAQUARI
    nota = gateway.autorizar("coplan-201", body)
    [emitida] = abrasf.emitidas()
    assert str(emitida["numero"]) == nota["numero"]
    cancel = gateway.client.request("DELETE", "/v2/nfse/coplan-201",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert [e["status"] for e in abrasf.emitidas()] == ["cancelada"]
    envios = _pedidos(gateway, "emissao")
    assert envios
    for envio in envios:
        chamada = _corpo(envio)
        assert chamada.tag == f"{T}nfse_web_service.GERARNFSE"
        [pedido] = chamada
        assert pedido.tag == f"{T}Gerarnfserequest"
        cabecalho, dados = pedido
        assert [cabecalho.tag, dados.tag] == ["{TributarioGx16New}nfseCabecMsg",
                                              "{TributarioGx16New}nfseDadosMsg"]
        assert etree.fromstring(cabecalho.text.encode()).findtext(
            "{http://www.abrasf.org.br/nfse.xsd}versaoDados") == "2.01"
        _no_esquema(etree.fromstring(dados.text.encode()), "2.00")  # nfse_v2-01.xsd


def test_the_range_query_is_consultarnfsefaixa_in_producao() -> None:
    """The system's name of the range query names the procedure and the action; the ABRASF
    one the request element; produção's namespace for the parameters."""
    rota = routing.rota(ALTO_TAQUARI)
    emissor = Emissor(a1=None, ambiente="producao",  # type: ignore[arg-type]
                      base_url=rota.url_producao, ca_file=None, razao_social="Empresa")
    texto, cabecalhos = envelope.pedido("ConsultarNfsePorFaixa", b"<ConsultarNfseFaixaEnvio/>",
                                        variante_de(rota.opcoes), emissor)
    chamada = _corpo(etree.fromstring(texto))
    assert chamada.tag == f"{T}nfse_web_service.CONSULTARNFSEFAIXA"
    assert [p.tag for p in chamada[0]] == ["{Tributario_PRODUCAO_FULL}nfseCabecMsg",
                                           "{Tributario_PRODUCAO_FULL}nfseDadosMsg"]
    assert chamada[0].tag == f"{T}Consultarnfseporfaixarequest"
    assert cabecalhos["SOAPAction"] == "Tributarioaction/ANFSE_WEB_SERVICE.CONSULTARNFSEFAIXA"
    lida = sandbox_genexus.ler(texto, cabecalhos["SOAPAction"])
    assert lida is not None and lida.operacao == "ConsultarNfsePorFaixa"
    with pytest.raises(soap.FalhaSoap):
        sandbox_genexus.ler(texto, "Tributarioaction/ANFSE_WEB_SERVICE.GERARNFSE")


def test_the_registry_routes_201_cities_and_leaves_out_the_one_at_the_101_address() -> None:
    rota = routing.rota(ALTO_TAQUARI)
    assert (rota.perfil, rota.url_producao) == (
        "coplan_201", "https://www.gp.srv.br/tributario/altotaquari/anfse_web_service")
    assert routing.rota(GAUCHA_DO_NORTE).url("producao") is None
