"""ABRASF families made possible by the profile options of issue 22, point 4 (docs/
abrasf-layouts.md, "IPM 2.04, Centi, SigCorp, Prodata"), each through its shipped profile
against the ABRASF sandbox, which checks every document against the layout's official schema:
the note is emitted (its answer lost, found by ConsultarNfsePorRps) and cancelled (its answer
lost, reconciled by the family's means). What went over the wire is the family's dialect."""

from __future__ import annotations

import pytest
from lxml import etree

from nfse.municipios import routing
from nfse.providers.abrasf import envelope
from nfse.providers.abrasf.leiaute import NS
from nfse.providers.abrasf.variante import variante_de
from nfse.providers.base import Emissor
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.support import Gateway, nota_exemplo
from tests.test_abrasf_corpo import _corpo, _no_esquema, _rota
from tests.test_abrasf_layouts import _ciclo, _pedidos

pytestmark = pytest.mark.um_motor


def test_sigcorp_round_trip(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """Ipatinga/MG (SigCorp, ABRASF 2.04): GerarNfse in the service namespace of the
    environment called — its own address, here the homologação one — with the document as
    the text of an unqualified ``xml``; SOAPAction that address + "#" + operation; the lost
    cancellation answer reconciled by cancelling again."""
    _rota(gateway, "3131307", "SigCorp")
    _ciclo(gateway, abrasf, "3131307", "sigcorp-1")
    endereco = gateway.runtime.settings.abrasf_url_homologacao.rstrip("/")
    for troca, operacao in (("emissao", "GerarNfse"), ("consulta_rps", "ConsultarNfsePorRps")):
        envios = _pedidos(gateway, troca)
        assert envios, troca
        for envio in envios:
            elemento = _corpo(envio)
            assert etree.QName(elemento).text == f"{{{endereco}}}{operacao}"
            [parametro] = elemento
            assert parametro.tag == "xml"
            _no_esquema(etree.fromstring(parametro.text.encode()), "2.04")


def test_sigcorp_cities_of_the_reference_wsdl_are_not_served(gateway: Gateway) -> None:
    """Franco da Rocha/SP speaks SigCorp's other dialect (nfseCabecMsg in a namespace not known):
    not routed."""
    municipio = gateway.client.get("/v2/municipios/3516408").json()
    assert municipio["nfse_habilitada"] is False


def test_sigcorp_calls_the_namespace_address_with_the_citys_action() -> None:
    """The 2.04 SigCorp service is called at the city's namespace address, which is also the
    body's namespace, in each environment; Barão de Cocais/MG prefixes the SOAPAction with its
    own ``ws`` (ACBrNFSeXServicos.ini, ProSoapAction)."""
    rota = routing.rota("3105400")
    assert (rota.url_producao, rota.url_homologacao) == (
        "https://abrasfcocais.meumunicipio.online/ws",
        "https://testecocaisabrasf.meumunicipio.online/ws")
    documento = f'<GerarNfseEnvio xmlns="{NS}"/>'.encode()
    for ambiente, endereco in (("producao", rota.url_producao),
                               ("homologacao", rota.url_homologacao)):
        emissor = Emissor(a1=None, ambiente=ambiente,  # type: ignore[arg-type]
                          base_url=endereco, ca_file=None, razao_social="Empresa")
        texto, cabecalhos = envelope.pedido("GerarNfse", documento,
                                            variante_de(rota.opcoes), emissor)
        operacao = _corpo(etree.fromstring(texto))
        assert etree.QName(operacao).text == f"{{{endereco}}}GerarNfse"
        assert cabecalhos["SOAPAction"] == '"ws#GerarNfse"'


SERVICOS = "http://services.nfse"
X = {"a": NS}


def test_prodata_round_trip(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """Catalão/GO (Prodata, ABRASF 2.01): the reference WSDL in ``http://services.nfse``,
    headed ``2.01``, the note sent in an asynchronous lot; PIS, COFINS, INSS, IR, CSLL and the
    rate present though zero, no ValorIss, the item without its leading zero; every document
    valid in the 2.01 schema."""
    _rota(gateway, "5205109", "Prodata")
    _ciclo(gateway, abrasf, "5205109", "prodata-1")
    for troca, operacao in (("emissao", "RecepcionarLoteRps"),
                            ("consulta_rps", "ConsultarNfsePorRps")):
        envios = _pedidos(gateway, troca)
        assert envios, troca
        for envio in envios:
            elemento = _corpo(envio)
            assert etree.QName(elemento).text == f"{{{SERVICOS}}}{operacao}Request"
            cabecalho, dados = (etree.fromstring(p.text.encode()) for p in elemento)
            assert cabecalho.findtext("a:versaoDados", namespaces=X) == "2.01"
            assert validate(dados, abrasf_xsd_dir() / "nfse_v2-01.xsd") == []
    [envio] = _pedidos(gateway, "emissao")
    lote = etree.fromstring(_corpo(envio)[1].text.encode())
    assert lote.find("a:LoteRps", X).get("versao") == "2.01"
    servico = lote.find(".//a:InfDeclaracaoPrestacaoServico/a:Servico", X)
    valores = {etree.QName(v).localname: v.text for v in servico.find("a:Valores", X)}
    for zerado in ("ValorPis", "ValorCofins", "ValorInss", "ValorIr", "ValorCsll"):
        assert valores[zerado] == "0.00"
    assert "Aliquota" in valores and "ValorIss" not in valores
    assert servico.findtext("a:ItemListaServico", namespaces=X) == "1.07"


ATENDE = "net.atende"


def test_ipm_204_round_trip(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """Cataguases/MG (IPM, ABRASF 2.04): the operation named after the document in
    ``net.atende`` holding the document's content without namespace, ``EnvioTeste`` first
    in homologação, SOAPAction ``net.atende#<document>``, the company's portal user and
    password as HTTP Basic authentication (the sandbox refuses a call without them); the
    content, put back under its root in the ABRASF namespace, valid in the 2.04 schema."""
    _rota(gateway, "3115300", "IPM 2.04")
    abrasf.usuarios_http["usuario.ipm"] = "s3nha:ipm"
    gateway.credenciais_prefeitura("usuario.ipm", "s3nha:ipm")
    _ciclo(gateway, abrasf, "3115300", "ipm-1")
    for troca, documento in (("emissao", "GerarNfseEnvio"),
                             ("consulta_rps", "ConsultarNfseRpsEnvio")):
        envios = _pedidos(gateway, troca)
        assert envios, troca
        for envio in envios:
            elemento = _corpo(envio)
            assert etree.QName(elemento).text == f"{{{ATENDE}}}{documento}"
            teste, *conteudo = elemento
            assert (teste.tag, teste.text) == ("EnvioTeste", "1")
            raiz = etree.Element(f"{{{NS}}}{documento}", nsmap={None: NS})
            texto = etree.tostring(raiz).replace(b"/>", b">" + b"".join(
                etree.tostring(e) for e in conteudo) + f"</{documento}>".encode())
            _no_esquema(etree.fromstring(texto), "2.04")


def test_ipm_204_without_credentials_refuses_saying_what_to_register(
        gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    gateway.credenciais_prefeitura(None, None)
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = "3115300"
    assert gateway.client.post("/v2/nfse?ref=ipm-sem", json=body).status_code == 202
    nota = gateway.wait_final("ipm-sem")
    assert nota["status"] == "erro_autorizacao"
    [erro] = nota["erros"]
    assert erro["codigo"] == "credenciais_prefeitura_ausentes" and "HTTP Basic" in erro["mensagem"]
    assert "login_responsavel" in erro["correcao"]
    assert abrasf.emitidas() == []


def test_ipm_204_with_a_wrong_password_is_refused_by_the_municipality(
        gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    abrasf.usuarios_http["usuario.ipm"] = "s3nha:ipm"
    gateway.credenciais_prefeitura("usuario.ipm", "outra")
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = "3115300"
    assert gateway.client.post("/v2/nfse?ref=ipm-errada", json=body).status_code == 202
    nota = gateway.wait_final("ipm-errada")
    assert nota["status"] == "erro_autorizacao"
    assert "HTTP Basic" in nota["erros"][0]["mensagem"]
    assert abrasf.emitidas() == []
