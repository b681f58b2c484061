"""The other ABRASF 1.0 systems served by ``abrasf_v1`` as profiles, each against the sandbox
playing its dialect: ISSFortaleza (Fortaleza/CE), Ginfes' v03 documents in its own SOAP
wrapping (``Cabecalho`` and arguments named after the documents, its own namespace) and
Ginfes' v02 cancellation (``CancelarNfse``: ``Prestador`` + ``NumeroNfse``); ISSSalvador
(Salvador/BA), the city's ABRASF schema, one .NET service per operation, no cancellation;
WebISS 1.00 (16 cities), the ABRASF namespace ``http://www.abrasf.org.br/nfse`` over WCF."""

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
from nfse.providers.abrasf1 import esquema, pedidos
from nfse.providers.abrasf1.dialeto import variante
from nfse.providers.abrasf1.provider import Abrasf1Provider
from nfse.providers.base import Emissor, Result, Rps
from nfse.sandbox.abrasf1 import Abrasf1Sandbox
from nfse.xml.validate import validate
from tests.abrasf1_support import homologacao_abrasf1, nota_em
from tests.support import Gateway, a1_teste, nota_exemplo, pasta_sandbox

pytestmark = pytest.mark.um_motor

FORTALEZA = "2304400"
SALVADOR = "2927408"
MIGUEL_PEREIRA = "3302908"  # WebISS 1.00
T = {"t": "http://www.ginfes.com.br/tipos_v03.xsd"}
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_HOMOLOGACAO = "http://homologacao.issfortaleza.com.br"


def _sandbox(tmp_path: Path, sistema: str = "ISSFortaleza",
             municipio: str = FORTALEZA) -> Abrasf1Sandbox:
    return Abrasf1Sandbox(pasta_sandbox(tmp_path / f"sandbox-{sistema}"), sistema=sistema,
                          municipio=municipio)


@pytest.fixture
def fortaleza(gateway: Gateway, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Abrasf1Sandbox]:
    """The sandbox playing ISSFortaleza, where every abrasf_v1 homologação goes."""
    with homologacao_abrasf1(gateway, _sandbox(tmp_path), monkeypatch) as box:
        yield box


def test_fortaleza_emit_query_and_cancel_through_v2_nfse(gateway: Gateway,
                                                          fortaleza: Abrasf1Sandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{FORTALEZA}").json()
    assert municipio["provedor_nfse"] == "abrasf_v1"
    assert municipio["sistema_nfse"] == "ISSFortaleza"
    assert municipio["possui_cancelamento_nfse"] is True
    nota = gateway.autorizar("fortaleza-1", nota_em(FORTALEZA))
    (emitida,) = fortaleza.emitidas()
    assert nota["numero"] == str(emitida["numero"])
    assert nota["codigo_verificacao"] == emitida["codigo_verificacao"]
    xml = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content
    inf = etree.fromstring(xml).find(".//t:InfNfse", T)
    assert inf.findtext("t:Numero", namespaces=T) == nota["numero"]
    assert inf.findtext("t:OrgaoGerador/t:CodigoMunicipio", namespaces=T) == FORTALEZA

    cancel = gateway.client.request("DELETE", "/v2/nfse/fortaleza-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    cancelada = gateway.client.get("/v2/nfse/fortaleza-1?completa=1").json()
    assert cancelada["status"] == "cancelado"
    resposta = etree.fromstring(
        httpx.get(gateway.base_url + cancelada["caminho_xml_cancelamento"]).content)
    assert etree.QName(resposta).localname == "CancelarNfseResposta"  # the v02 answer
    assert resposta.findtext("{*}Sucesso") == "true"
    assert [e["status"] for e in fortaleza.emitidas()] == ["cancelada"]


# -- the provider against the sandbox, without the gateway ---------------------------------

@pytest.fixture
def caixa(tmp_path: Path) -> Iterator[Abrasf1Sandbox]:
    box = _sandbox(tmp_path)
    box.start()
    box.trust(a1_teste()[0].cert)
    yield box
    box.stop()


def _emissor(box: Abrasf1Sandbox) -> Emissor:
    return _emissor_de(box, FORTALEZA)


def _emissor_de(box: Abrasf1Sandbox, municipio: str) -> Emissor:
    perfil = provedores.rota(municipio).opcoes
    return Emissor(a1=a1_teste()[0], ambiente="homologacao", base_url=box.url,
                   ca_file=str(box.ca_file), razao_social="EMPRESA TESTE LTDA",
                   opcoes=perfil, timeout=10)


def test_a_second_v02_cancellation_answers_e79_and_is_confirmed(
        caixa: Abrasf1Sandbox) -> None:
    provider, emissor = Abrasf1Provider(), _emissor(caixa)
    nota = parse_nfse(nota_em(FORTALEZA))
    emitida = provider.emit(nota, Rps(numero=11, serie="1"), emissor)
    assert emitida.result == Result.AUTHORIZED, emitida
    primeira = provider.cancel(nota, "", emitida.numero, "Erro na emissão", emissor)
    assert primeira.result == Result.AUTHORIZED and not primeira.erros
    segunda = provider.cancel(nota, "", emitida.numero, "Erro na emissão", emissor)
    assert segunda.result == Result.AUTHORIZED
    assert [e.codigo for e in segunda.erros] == ["E79"]
    assert [t.name for t in segunda.exchanges] == ["cancelamento", "consulta_nfse"]
    # the unknown note is refused (E78), not confirmed
    outra = provider.cancel(nota, "", "999", "Erro na emissão", emissor)
    assert outra.result == Result.REJECTED and [e.codigo for e in outra.erros] == ["E78"]


def test_the_v02_cancellation_is_signed_and_in_its_schema(caixa: Abrasf1Sandbox) -> None:
    emissor = _emissor(caixa)
    nota = parse_nfse(nota_em(FORTALEZA))
    dados = pedidos.cancelar_nfse_v02(nota, "00042", emissor, variante(emissor.opcoes))
    root = etree.fromstring(dados)
    assert etree.QName(root).namespace == "http://www.ginfes.com.br/servico_cancelar_nfse_envio"
    assert validate(root, esquema.PASTA / "servico_cancelar_nfse_envio_v02.xsd") == []
    assert esquema.problemas(root) == []
    assert root.findtext("{*}NumeroNfse") == "42"
    assert etree.QName(root[-1]).localname == "Signature"


def _envelope(operacao: str, argumentos: dict[str, str], namespace: str) -> bytes:
    partes = "".join(f"<{nome}>{escape(valor)}</{nome}>" for nome, valor in argumentos.items())
    return (f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><ns1:{operacao} '
            f'xmlns:ns1="{namespace}">{partes}</ns1:{operacao}></soap:Body>'
            "</soap:Envelope>").encode()


def test_the_fortaleza_sandbox_refuses_the_ginfes_wrapping(caixa: Abrasf1Sandbox) -> None:
    """Ginfes' arg0/arg1, Ginfes' namespace and CancelarNfseV3 are not Fortaleza's: SOAP
    Faults, so the round trips above prove the provider speaks Fortaleza's way."""
    a1 = a1_teste()[0]
    consulta = pedidos.consultar_nfse(parse_nfse(nota_em(FORTALEZA)), "1", _emissor(caixa),
                                      variante(_emissor(caixa).opcoes)).decode()
    cabecalho = pedidos.CABECALHO
    with httpx.Client(verify=client_context(a1, str(caixa.ca_file)), timeout=10) as cliente:
        def post(corpo: bytes) -> httpx.Response:
            return cliente.post(caixa.url, content=corpo,
                                headers={"Content-Type": "text/xml; charset=utf-8"})

        aceita = post(_envelope("ConsultarNfseV3", {"Cabecalho": cabecalho,
                                                    "ConsultarNfseEnvio": consulta},
                                NS_HOMOLOGACAO))
        assert aceita.status_code == 200
        envelope = etree.fromstring(aceita.content)
        assert envelope.find(".//{*}ConsultarNfseResposta") is not None  # named as answer
        for corpo, motivo in (
                (_envelope("ConsultarNfseV3", {"arg0": cabecalho, "arg1": consulta},
                           NS_HOMOLOGACAO), "arg0/arg1"),
                (_envelope("ConsultarNfseV3", {"Cabecalho": cabecalho,
                                               "ConsultarNfseEnvio": consulta},
                           "http://homologacao.ginfes.com.br"), "Namespace"),
                (_envelope("CancelarNfseV3", {"Cabecalho": cabecalho,
                                              "CancelarNfseEnvio": consulta},
                           NS_HOMOLOGACAO), "CancelarNfseV3")):
            answer = post(corpo)
            assert answer.status_code == 500
            assert motivo in (etree.fromstring(answer.content).findtext(".//faultstring") or "")


def test_the_demo_sandbox_serves_every_abrasf_v1_system(tmp_path: Path) -> None:
    """``nfse serve --demo`` starts one ABRASF 1.0 sandbox (no ``sistema``) for every
    abrasf_v1 homologação: Ginfes', Fortaleza's, Salvador's and WebISS 1.00's notes are issued
    by it."""
    box = Abrasf1Sandbox(pasta_sandbox(tmp_path / "demo"))
    box.start()
    try:
        box.trust(a1_teste()[0].cert)
        provider = Abrasf1Provider()
        for numero, codigo in ((1, FORTALEZA), (2, "3518800"), (3, SALVADOR),
                               (4, MIGUEL_PEREIRA)):
            body = nota_exemplo()
            body["prestador"]["codigo_municipio"] = codigo
            emissor = Emissor(a1=a1_teste()[0], ambiente="homologacao", base_url=box.url,
                              ca_file=str(box.ca_file), razao_social="EMPRESA TESTE LTDA",
                              opcoes=provedores.rota(codigo).opcoes, timeout=10)
            nota = parse_nfse(body)
            emitida = provider.emit(nota, Rps(numero=numero, serie="1"), emissor)
            assert emitida.result == Result.AUTHORIZED, (codigo, emitida)
            cancelada = provider.cancel(nota, "", emitida.numero, "Erro na emissão", emissor)
            assert cancelada.result == (Result.REJECTED if codigo == SALVADOR
                                        else Result.AUTHORIZED), (codigo, cancelada)
        assert [e["status"] for e in box.emitidas()] == [
            "cancelada", "cancelada", "autorizada", "cancelada"]
    finally:
        box.stop()


# -- ISSSalvador ---------------------------------------------------------------------------

@pytest.fixture
def salvador(gateway: Gateway, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Abrasf1Sandbox]:
    """The sandbox playing ISSSalvador (its services under /rps/), where every abrasf_v1
    homologação goes."""
    with homologacao_abrasf1(gateway, _sandbox(tmp_path, "ISSSalvador", SALVADOR),
                             monkeypatch) as box:
        yield box


def test_salvador_emit_and_query_through_v2_nfse_and_cancel_refused(
        gateway: Gateway, salvador: Abrasf1Sandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{SALVADOR}").json()
    assert municipio["provedor_nfse"] == "abrasf_v1"
    assert municipio["sistema_nfse"] == "ISSSalvador"
    assert municipio["possui_cancelamento_nfse"] is False
    nota = gateway.autorizar("salvador-1", nota_em(SALVADOR))
    (emitida,) = salvador.emitidas()
    assert nota["numero"] == str(emitida["numero"])
    assert nota["codigo_verificacao"] == emitida["codigo_verificacao"]
    xml = etree.fromstring(httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content)
    ns = {"s": "http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd"}
    inf = xml.find(".//s:InfNfse", ns)
    assert inf is not None and inf.get("id")  # Salvador's layout, as the city answered it
    assert inf.findtext("s:Numero", namespaces=ns) == nota["numero"]
    assert inf.findtext("s:OrgaoGerador/s:CodigoMunicipio", namespaces=ns) == SALVADOR
    assert httpx.get(nota["url"]).status_code == 200

    cancel = gateway.client.request("DELETE", "/v2/nfse/salvador-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    corpo = cancel.json()
    assert cancel.status_code == 400, corpo
    assert corpo["codigo"] == "operacao_indisponivel"
    assert "Salvador" in corpo["mensagem"]
    assert gateway.client.get("/v2/nfse/salvador-1").json()["status"] == "autorizado"
    assert [e["status"] for e in salvador.emitidas()] == ["autorizada"]


def test_the_salvador_sandbox_takes_each_operation_at_its_own_service(
        tmp_path: Path) -> None:
    """An operation posted to another operation's service, or with another SOAPAction, is a
    SOAP Fault: the round trip above proves the provider addresses each service."""
    box = _sandbox(tmp_path, "ISSSalvador", SALVADOR)
    box.start()
    try:
        a1 = a1_teste()[0]
        box.trust(a1.cert)
        consulta = pedidos.consultar_nfse(
            parse_nfse(nota_em(SALVADOR)), "1", _emissor_de(box, SALVADOR),
            variante(_emissor_de(box, SALVADOR).opcoes)).decode()
        corpo = (f'<soap:Envelope xmlns:soap="{SOAP}" xmlns:tem="http://tempuri.org/">'
                 f"<soap:Body><tem:ConsultarNfse><tem:consultaxml>{escape(consulta)}"
                 "</tem:consultaxml></tem:ConsultarNfse></soap:Body></soap:Envelope>").encode()
        certo = "http://tempuri.org/IConsultaNfse/ConsultarNfse"
        base = box.url.rsplit("/rps/", 1)[0]
        with httpx.Client(verify=client_context(a1, str(box.ca_file)), timeout=10) as cliente:
            def post(caminho: str, acao: str) -> httpx.Response:
                return cliente.post(base + caminho, content=corpo, headers={
                    "Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{acao}"'})

            aceita = post("/rps/CONSULTANFSE/ConsultaNfse.svc", certo)
            assert aceita.status_code == 200
            resposta = etree.fromstring(
                etree.fromstring(aceita.content).findtext(".//{*}ConsultarNfseResult").encode())
            assert etree.QName(resposta).text == \
                "{http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd}ConsultarNfseResposta"
            for caminho, acao in (("/rps/CONSULTALOTERPS/ConsultaLoteRPS.svc", certo),
                                  ("/rps/CONSULTANFSE/ConsultaNfse.svc",
                                   "http://tempuri.org/IConsultaLoteRPS/ConsultarLoteRPS")):
                answer = post(caminho, acao)
                assert answer.status_code == 500
                assert etree.fromstring(answer.content).findtext(".//faultstring")
    finally:
        box.stop()


# -- WebISS 1.00 ---------------------------------------------------------------------------

@pytest.fixture
def webiss(gateway: Gateway, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Abrasf1Sandbox]:
    """The sandbox playing WebISS 1.00, where every abrasf_v1 homologação goes."""
    with homologacao_abrasf1(gateway, _sandbox(tmp_path, "WebISS", MIGUEL_PEREIRA),
                             monkeypatch) as box:
        yield box


def test_webiss_100_emit_query_and_cancel_through_v2_nfse(gateway: Gateway,
                                                          webiss: Abrasf1Sandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{MIGUEL_PEREIRA}").json()
    assert municipio["provedor_nfse"] == "abrasf_v1"
    assert municipio["sistema_nfse"] == "WebISS"
    assert provedores.rota(MIGUEL_PEREIRA).url("producao") == \
        "https://www1.webiss.com.br/miguelpereirarj_wsnfse/NfseServices.svc"
    nota = gateway.autorizar("webiss-1", nota_em(MIGUEL_PEREIRA))
    (emitida,) = webiss.emitidas()
    assert nota["numero"] == str(emitida["numero"])
    xml = etree.fromstring(httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content)
    ns = {"w": "http://www.abrasf.org.br/nfse"}
    inf = xml.find(".//w:InfNfse", ns)
    assert inf is not None and inf.findtext("w:Numero", namespaces=ns) == nota["numero"]

    cancel = gateway.client.request("DELETE", "/v2/nfse/webiss-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    cancelada = gateway.client.get("/v2/nfse/webiss-1?completa=1").json()
    resposta = etree.fromstring(
        httpx.get(gateway.base_url + cancelada["caminho_xml_cancelamento"]).content)
    assert resposta.find("w:Confirmacao/w:DataHora", ns) is not None  # WebISS' confirmation
    assert [e["status"] for e in webiss.emitidas()] == ["cancelada"]


def test_the_webiss_sandbox_takes_only_its_wcf_calls(tmp_path: Path) -> None:
    box = _sandbox(tmp_path, "WebISS", MIGUEL_PEREIRA)
    box.start()
    try:
        a1 = a1_teste()[0]
        box.trust(a1.cert)
        emissor = _emissor_de(box, MIGUEL_PEREIRA)
        consulta = pedidos.consultar_nfse(parse_nfse(nota_em(MIGUEL_PEREIRA)), "1",
                                          emissor, variante(emissor.opcoes)).decode()
        corpo = (f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body>'
                 '<ConsultarNfse xmlns="http://tempuri.org/"><cabec>x</cabec>'
                 f"<msg>{escape(consulta)}</msg></ConsultarNfse></soap:Body></soap:Envelope>")
        with httpx.Client(verify=client_context(a1, str(box.ca_file)), timeout=10) as cliente:
            def post(acao: str, texto: str = corpo) -> httpx.Response:
                return cliente.post(box.url, content=texto.encode(), headers={
                    "Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{acao}"'})

            aceita = post("http://tempuri.org/INfseServices/ConsultarNfse")
            assert aceita.status_code == 200
            assert "ConsultarNfseResult" in aceita.text
            assert post("http://tempuri.org/INfseServices/CancelarNfse").status_code == 500
            ginfes = _envelope("ConsultarNfseV3", {"arg0": pedidos.CABECALHO, "arg1": consulta},
                               "http://homologacao.ginfes.com.br")
            assert post("", ginfes.decode()).status_code == 500
    finally:
        box.stop()
