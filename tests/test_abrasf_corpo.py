"""The ABRASF families whose SOAP body is not the reference WSDL's nfseCabecMsg/nfseDadosMsg
(issue 22, point 4; docs/abrasf-layouts.md, "Onde vai o documento"), each through its shipped
profile against the ABRASF sandbox, which reads and answers each family's envelope and checks
every document against the layout's official schema: the note is emitted (its answer lost,
found by ConsultarNfsePorRps) and cancelled (its answer lost, reconciled by the family's
means). What went over the wire is the family's dialect."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from nfse.municipios import routing
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.support import Gateway, nota_exemplo
from tests.test_abrasf_layouts import ESQUEMAS, SOAP11, _ciclo, _pedidos

pytestmark = pytest.mark.um_motor

NS = "http://www.abrasf.org.br/nfse.xsd"
WS = "http://nfse.abrasf.org.br"
FIORILLI = "http://ws.issweb.fiorilli.com.br/"
FISCO = "https://www.fisco.net.br/wsnfseabrasf/ServicosNFSEAbrasf.asmx"
TINUS = "http://nfse.abrasf.org.br/WSNFSE203.Service2.nfseSOAP."


SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
DSIG = "http://www.w3.org/2000/09/xmldsig#"


def _corpo(envelope: etree._Element, soap: str = SOAP11) -> etree._Element:
    """The first element of a SOAP body (1.1 unless said)."""
    assert etree.QName(envelope).namespace == soap
    [body] = envelope.findall(f"{{{soap}}}Body")
    return next(e for e in body if isinstance(e.tag, str))


def _requalificado(documento: etree._Element) -> etree._Element:
    """A document sent without namespace (DSF, Fisco), checked to have none and put back in
    the ABRASF namespace, as the schema defines it."""
    assert all(etree.QName(e).namespace in (None, DSIG) for e in documento.iter())
    texto = etree.tostring(documento)
    return etree.fromstring(texto.replace(documento.tag.encode(),
                                          f'{documento.tag} xmlns="{NS}"'.encode(), 1))


def _no_esquema(documento: etree._Element, versao: str) -> None:
    assert etree.QName(documento).namespace == NS
    assert validate(documento, abrasf_xsd_dir() / ESQUEMAS[versao]) == []


def _rota(gateway: Gateway, ibge: str, sistema: str) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{ibge}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf", sistema)


def test_fiorilli_round_trip(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """Teresópolis/RJ (Fiorilli, ABRASF 2.00): ws:gerarNfse with the document as elements
    and the company's user and password after it, SOAPAction the bare operation."""
    _rota(gateway, "3305802", "Fiorilli")
    gateway.credenciais_prefeitura("usuario.fiorilli", "s3nha<&>")
    _ciclo(gateway, abrasf, "3305802", "fiorilli-1")
    for troca, operacao in (("emissao", "gerarNfse"), ("consulta_rps", "consultarNfsePorRps")):
        for envio in _pedidos(gateway, troca):
            elemento = _corpo(envio)
            assert etree.QName(elemento).text == f"{{{FIORILLI}}}{operacao}"
            documento, usuario, senha = elemento
            _no_esquema(documento, "2.00")
            assert (usuario.tag, usuario.text) == ("username", "usuario.fiorilli")
            assert (senha.tag, senha.text) == ("password", "s3nha<&>")


def test_fiorilli_without_credentials_refuses_saying_what_to_register(
        gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    gateway.credenciais_prefeitura(None, None)
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = "3305802"
    assert gateway.client.post("/v2/nfse?ref=fiorilli-sem", json=body).status_code == 202
    nota = gateway.wait_final("fiorilli-sem")
    assert nota["status"] == "erro_autorizacao"
    [erro] = nota["erros"]
    assert erro["codigo"] == "credenciais_prefeitura_ausentes"
    assert "login_responsavel" in erro["correcao"]
    assert abrasf.emitidas() == []


@pytest.mark.parametrize("municipio,sistema", [
    ("2211001", "DSF"), ("3509502", "ISSCampinas"), ("5002704", "ISSDSF")])
def test_dsf_round_trip(gateway: Gateway, abrasf: AbrasfSandbox, municipio: str,
                        sistema: str) -> None:
    """Teresina/PI (DSF, ABRASF 2.03), and Campinas/SP and Campo Grande/MS, whose own systems
    in ACBr speak DSF's 2.03 web service: nfse:GerarNfse with the document as elements,
    without namespace; empty SOAPAction; the lost cancellation answer reconciled by the range
    query, which DSF names ConsultarNfseFaixa (the sandbox refuses ConsultarNfsePorFaixa
    there). The sandbox puts the namespace back and checks schema and signatures: the
    signature was computed on the document as the schema defines it."""
    _rota(gateway, municipio, sistema)
    _ciclo(gateway, abrasf, municipio, f"dsf-{municipio}")
    for troca, operacao in (("emissao", "GerarNfse"), ("consulta_rps", "ConsultarNfsePorRps")):
        envios = _pedidos(gateway, troca)
        assert envios, troca
        for envio in envios:
            elemento = _corpo(envio)
            assert etree.QName(elemento).text == f"{{{WS}}}{operacao}"
            [documento] = elemento
            _no_esquema(_requalificado(documento), "2.03")


def test_tinus_round_trip(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """Jaboatão dos Guararapes/PE (Tinus, ABRASF 2.03): the document is the body; the lost
    cancellation answer is reconciled by cancelling again (Tinus has no range query: the
    sandbox refuses it), the "already cancelled" answer confirming it."""
    _rota(gateway, "2607901", "Tinus")
    _ciclo(gateway, abrasf, "2607901", "tinus-1")
    for troca, documento in (("emissao", "GerarNfseEnvio"),
                             ("consulta_rps", "ConsultarNfseRpsEnvio")):
        envios = _pedidos(gateway, troca)
        assert envios, troca
        for envio in envios:
            elemento = _corpo(envio)
            assert etree.QName(elemento).text == f"{{{NS}}}{documento}"
            _no_esquema(elemento, "2.03")


def test_fisco_round_trip(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """Paulo Afonso/BA (Fisco, ABRASF 2.03, SOAP 1.2): nfse:gerarNfse with the document,
    without namespace, as the text of the qualified parameter nfse:xml."""
    _rota(gateway, "2924009", "Fisco")
    _ciclo(gateway, abrasf, "2924009", "fisco-1")
    for troca, operacao in (("emissao", "gerarNfse"), ("consulta_rps", "consultarNfsePorRps")):
        envios = _pedidos(gateway, troca)
        assert envios, troca
        for envio in envios:
            elemento = _corpo(envio, SOAP12)
            assert etree.QName(elemento).text == f"{{{FISCO}}}{operacao}"
            [parametro] = elemento
            assert etree.QName(parametro).text == f"{{{FISCO}}}xml"
            _no_esquema(_requalificado(etree.fromstring(parametro.text.encode())), "2.03")


SIGCORP = """
[perfis.operador_sigcorp]
padrao = "abrasf"
namespace_servico = "https://testeipatingaabrasf.meumunicipio.online/ws/nfs"
sufixo_requisicao = ""
forma_documento = "parametro_xml"
forma_acao = "{prefixo}#{operacao}"

[municipios."3131307"]
perfil = "operador_sigcorp"
sistema = "SigCorp"
url_producao = "https://sigcorp.example.invalid/producao"
url_homologacao = "https://sigcorp.example.invalid/homologacao"
"""


def test_sigcorp_by_an_operators_profile(gateway: Gateway, abrasf: AbrasfSandbox,
                                         tmp_path: Path) -> None:
    """Ipatinga/MG (SigCorp, ABRASF 2.04), which the shipped registry does not route (its
    service namespace is the environment's own address), given by an operator's profile:
    GerarNfse in the city's namespace with the document as the text of an unqualified
    ``xml``, SOAPAction namespace + "#" + operation."""
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(SIGCORP, encoding="utf-8")
    routing.carregar(arquivo)
    try:
        _ciclo(gateway, abrasf, "3131307", "sigcorp-1")
        for troca, operacao in (("emissao", "GerarNfse"),
                                ("consulta_rps", "ConsultarNfsePorRps")):
            envios = _pedidos(gateway, troca)
            assert envios, troca
            for envio in envios:
                elemento = _corpo(envio)
                assert etree.QName(elemento).localname == operacao
                [parametro] = elemento
                assert parametro.tag == "xml"
                _no_esquema(etree.fromstring(parametro.text.encode()), "2.04")
    finally:
        routing.carregar(None)


def test_tinus_has_no_substitution(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """A substitution in a Tinus city is refused by the municipality (its service has no
    SubstituirNfse) and the original note stays authorized."""
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = "2607901"
    original = gateway.autorizar("tinus-a", body)
    substituta = nota_exemplo(numero_rps_substituido=original["numero_rps"],
                              serie_rps_substituido=original["serie_rps"])
    substituta["prestador"]["codigo_municipio"] = "2607901"
    assert gateway.client.post("/v2/nfse?ref=tinus-b", json=substituta).status_code == 202
    recusada = gateway.wait_final("tinus-b")
    assert recusada["status"] == "erro_autorizacao"
    assert "SubstituirNfse" in recusada["erros"][0]["mensagem"]
    assert gateway.client.get("/v2/nfse/tinus-a").json()["status"] == "autorizado"
    assert [e["status"] for e in abrasf.emitidas()] == ["autorizada"]
