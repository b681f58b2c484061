"""Coplan (issue 22): interface 1.01, the national DPS in Coplan's GeneXus SOAP envelope (a
dialect of the nacional provider and of the Nacional sandbox) — one whole-gateway round trip
and the documents' shape; interface 2.01 (ABRASF 2.01 in the same envelope) in
``test_coplan_201.py``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from nfse.model.nfse import parse_nfse
from nfse.municipios import routing
from nfse.providers import genexus
from nfse.providers.base import Emissor, Result, Rps
from nfse.providers.nacional.dialetos import coplan, dialeto_de
from nfse.providers.registry import get_provider
from nfse.sandbox.nacional import NacionalSandbox
from nfse.sandbox.nacional import coplan as sandbox_coplan
from nfse.sandbox.nacional.recepcao import Recusa, assinante
from nfse.store import empresas
from tests.municipios.test_emissao_municipal import _segundo_sandbox
from tests.sandbox import dps_nacional
from tests.support import Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

BARRA_MANSA = "3300407"  # Coplan 1.01, https://www.gp.srv.br/tributario/barramansa/anfse_ws
NS = "{http://www.sped.fazenda.gov.br/nfse}"
SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"


def _nota() -> dict:
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = BARRA_MANSA
    return body


@pytest.fixture
def sistema(gateway: Gateway, tmp_path: Path) -> Iterator[NacionalSandbox]:
    """A sandbox playing Coplan's anfse_ws (Barra Mansa's homologação address, operator file)
    and, on the same port, the national environment that answers for its notes."""
    municipal = _segundo_sandbox(gateway, tmp_path / "coplan", "/tributario/barramansa/anfse_ws",
                                 "coplan")
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(f'[sistemas.Coplan]\nperfil = "dps_coplan"\nversoes = ["1.01"]\n'
                       f'url_homologacao = "{municipal.url}"\n', encoding="utf-8")
    routing.carregar(arquivo)
    gateway.runtime.settings.nacional_url_homologacao = municipal.sefin_url
    try:
        yield municipal
    finally:
        municipal.stop()
        routing.carregar(None)


def test_emit_query_and_cancel_through_coplans_envelope(gateway: Gateway,
                                                        sistema: NacionalSandbox) -> None:
    nota = gateway.autorizar("coplan-dps", _nota())
    assert [n["chaveAcesso"] for n in sistema.emitidas()] == [nota["chave_acesso"]]
    assert gateway.sandbox.emitidas() == []

    with gateway.runtime.engine.connect() as conn:
        empresa = empresas.get_empresa(conn, 1)
    emissor = gateway.runtime.emissores.for_empresa(empresa, "homologacao", "nacional", BARRA_MANSA)
    assert isinstance(dialeto_de(parse_nfse(_nota()), emissor, {}), coplan.Coplan)
    rps = Rps(nota["serie_rps"], int(nota["numero_rps"]))
    consulta = get_provider("nacional").query(parse_nfse(_nota()), rps, emissor)
    assert consulta.result == Result.AUTHORIZED
    assert consulta.chave_acesso == nota["chave_acesso"]
    outra = get_provider("nacional").query(parse_nfse(_nota()), Rps(rps.serie, 999), emissor)
    assert outra.result == Result.NOT_FOUND

    cancel = gateway.client.request(
        "DELETE", "/v2/nfse/coplan-dps",
        content=json.dumps({"justificativa": "Cancelamento de teste na Coplan"}))
    assert cancel.status_code == 200 and cancel.json() == {"status": "cancelado"}
    assert sistema.emitidas()[0]["cancelada"] is True
    again = get_provider("nacional").cancel(parse_nfse(_nota()), nota["chave_acesso"],
                                            nota["numero"], "Cancelamento repetido na Coplan",
                                            emissor)
    assert again.result == Result.REJECTED
    assert [e.codigo for e in again.erros] == ["E0840"]


def _emissor(ambiente: str = "homologacao") -> Emissor:
    return Emissor(a1=dps_nacional.EMITENTE, ambiente=ambiente, base_url="", ca_file=None,
                   razao_social="EMPRESA TESTE LTDA")


def test_the_genexus_envelope() -> None:
    """The procedure in ``Tributario``, the capitalised request, the parameters in CDATA in
    the environment's namespace, the SOAPAction with ACBr's prefix."""
    cabecalho = genexus.cabecalho("1.01", dps_nacional.NS)
    dados = b'<?xml version="1.0"?><GerarNfseEnvio xmlns="urn:x"/>'
    for ambiente, namespace in (("producao", "Tributario_PRODUCAO_FULL"),
                                ("homologacao", "Tributario_HOMOLOGACAO_FULL")):
        texto = genexus.envelope("nfse_web", "GERARNFSE",
                                 coplan.namespace_parametros(ambiente), cabecalho, dados)
        assert b"<![CDATA[<GerarNfseEnvio" in texto
        env = etree.fromstring(texto)
        procedimento = env.find(f"{SOAP}Body/{{Tributario}}nfse_web.GERARNFSE")
        requisicao = procedimento.find("{Tributario}Gerarnfserequest")
        assert [p.tag for p in requisicao] == [f"{{{namespace}}}nfseCabecMsg",
                                               f"{{{namespace}}}nfseDadosMsg"]
        assert etree.fromstring(requisicao[0].text.encode()).findtext(
            f"{NS}versaoDados") == "1.01"
    assert genexus.cabecalhos(coplan.CANCELAR[2])["SOAPAction"] == (
        "Tributarioaction/ANFSE_WEB.CANCELARNFSE")
    assert genexus.pedido("CONSULTARNFSEPORDPS") == "Consultarnfsepordpsrequest"


def test_the_dps_goes_without_its_roots_attributes_and_keeps_its_signature() -> None:
    envio = etree.fromstring(coplan.gerar_nfse_envio(dps_nacional.dps()))
    assert envio.tag == f"{NS}GerarNfseEnvio"
    dps = envio.find(f"{NS}DPS")
    assert dict(dps.attrib) == {} and dps[0].tag == f"{NS}infDPS"
    avulsa = etree.fromstring(etree.tostring(dps))
    assinante(avulsa, avulsa[0])  # raises when the signature no longer covers infDPS


def test_the_cancellation_request_is_abrasfs_signed_in_the_national_namespace() -> None:
    nota = parse_nfse(_nota())
    envio = etree.fromstring(coplan.cancelar_nfse_envio(nota, "17", _emissor()))
    pedido = envio.find(f"{NS}Pedido")
    inf = pedido.find(f"{NS}InfPedidoCancelamento")
    prestador = nota.prestador
    assert inf.get("Id") == f"Canc_{prestador.cnpj}{prestador.inscricao_municipal}17"
    assert [etree.QName(e).localname for e in inf.iter()] == [
        "InfPedidoCancelamento", "IdentificacaoNfse", "Numero", "CpfCnpj", "Cnpj",
        "InscricaoMunicipal", "CodigoMunicipio", "CodigoCancelamento"]
    assert inf.findtext(f"{NS}IdentificacaoNfse/{NS}CodigoMunicipio") == BARRA_MANSA
    assinante(pedido, inf)
    inf.find(f"{NS}IdentificacaoNfse/{NS}Numero").text = "18"
    with pytest.raises(Recusa):
        assinante(pedido, inf)


def test_answers_read_escaped_or_inline_and_notices_are_not_errors() -> None:
    documento = ("<GerarNfseResposta><ListaMensagemRetorno>"
                 "<MensagemRetorno><Codigo>L000</Codigo><Mensagem>Aviso</Mensagem>"
                 "</MensagemRetorno><MensagemRetorno><Codigo>E160</Codigo>"
                 "<Mensagem>Recusada</Mensagem><Correcao>Corrija</Correcao></MensagemRetorno>"
                 "</ListaMensagemRetorno></GerarNfseResposta>")
    escapado = etree.Element("outputXML")
    escapado.text = documento
    for saida in (etree.tostring(escapado).decode(), f"<outputXML>{documento}</outputXML>"):
        corpo = (f'<S:Envelope xmlns:S="{SOAP[1:-1]}"><S:Body><Gerarnfseresponse '
                 f'xmlns="Tributario">{saida}</Gerarnfseresponse></S:Body></S:Envelope>')
        resposta = genexus.saida(corpo.encode())
        assert [(e.codigo, e.mensagem, e.correcao) for e in genexus.mensagens(resposta)] == [
            ("E160", "Recusada", "Corrija")]


def test_the_sandbox_refuses_parameters_outside_the_environments_namespace(
        sistema: NacionalSandbox) -> None:
    pedido = genexus.envelope("nfse_web", "GERARNFSE", "TributarioGx16New",
                              genexus.cabecalho("1.01", dps_nacional.NS),
                              coplan.gerar_nfse_envio(dps_nacional.dps()))
    status, corpo, _tipo = sandbox_coplan.responder(sistema, "POST", [], pedido,
                                                    dps_nacional.CNPJ)
    assert status == 500 and genexus.falha_soap(corpo) is not None
    assert sistema.emitidas() == []


def test_the_registry_sends_coplan_101_cities_to_the_dialect() -> None:
    rota = routing.rota(BARRA_MANSA)
    assert rota.perfil == "dps_coplan"
    assert rota.url("producao") == "https://www.gp.srv.br/tributario/barramansa/anfse_ws"
