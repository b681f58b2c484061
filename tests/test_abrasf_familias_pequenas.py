"""The small families of issue 22 ("any municipality"; docs/abrasf-familias-pequenas.md),
each through its shipped registry entry: one whole-gateway round trip per family (emitted
with the answer lost and found again, cancelled with the answer lost and reconciled), then
what went over the wire; and fast checks of each family's envelope, SOAPAction and routing
in produção. Actcon 2.02 plays against the ABRASF sandbox; ISSDigital 1.01 and Fiorilli 1.00,
which take the national DPS in a SOAP envelope of their own, against a Nacional sandbox
playing the system at its own path, the national environment answering for the notes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from nfse.municipios import routing
from nfse.providers.abrasf import credenciais, envelope
from nfse.providers.abrasf.leiaute import NS
from nfse.providers.abrasf.variante import variante_de
from nfse.providers.base import Emissor
from nfse.providers.nacional.dialetos import envelopados
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.sandbox.abrasf import actcon as sandbox_actcon
from nfse.sandbox.abrasf import credenciais as sandbox_credenciais
from nfse.sandbox.giap import GiapSandbox
from nfse.sandbox.nacional import NacionalSandbox
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.municipios.test_emissao_municipal import _segundo_sandbox
from tests.support import IM, Gateway, nota_exemplo, pasta_sandbox
from tests.test_abrasf_corpo import _corpo, _rota
from tests.test_abrasf_layouts import _ciclo, _pedidos

pytestmark = pytest.mark.um_motor

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
NACIONAL = "http://www.sped.fazenda.gov.br/nfse"

ALEM_PARAIBA = "http://nfse-mg-alemparaiba.portalfacil.com.br/nfseserv"
WS = "http://nfse.abrasf.org.br"


@dataclass(frozen=True)
class Familia:
    ibge: str
    sistema: str
    versao: str
    """The ``versaoDados`` of every header."""
    esquema: str
    servico: str
    """The namespace of the operation's element (the city's, for Actcon)."""
    documentos: str
    """The namespace of the request documents and the header."""
    emissao: str
    consulta_rps: str
    """The operation's element for the emission and for ConsultarNfsePorRps."""
    acao_emissao: str
    """The SOAPAction of the emission in produção."""
    aliquota: str
    """How the note's 3 % goes."""
    chave: str | None = None
    """The contribuinte's key the sandbox asks (``senha_responsavel``), if any."""


FAMILIAS = {
    "Actcon": Familia("3101508", "Actcon", "2.02", "nfse_v2-02.xsd",
                      f"{ALEM_PARAIBA}/webservice/nfse.wsdl",
                      f"{ALEM_PARAIBA}/schema/nfse_v202.xsd",
                      "RecepcionarLoteRpsRequest", "ConsultarNfsePorRpsRequest",
                      f"{ALEM_PARAIBA}/webservice/servicos#RecepcionarLoteRps", "0.0300"),
    "ISSLegal": Familia("3126208", "ISSLegal", "2.03", "nfse_v2-03.xsd", WS, NS,
                        "RecepcionarLoteRpsSincronoRequest", "ConsultarNfsePorRpsRequest",
                        f"{WS}/RecepcionarLoteRpsSincrono", "3.00", "chave-do-contribuinte"),
}


def _em_abrasf(documento: etree._Element, namespace: str) -> etree._Element:
    """A document sent in a system's own namespace (``namespace`` only, signatures apart),
    back in ABRASF's, as the schema defines it."""
    texto = etree.tostring(documento).decode()
    if namespace == NS:
        return documento
    assert texto.count(namespace) >= 1 and NS not in texto
    return etree.fromstring(texto.replace(namespace, NS).encode())


def _parametros(elemento: etree._Element) -> tuple[etree._Element, etree._Element]:
    assert [p.tag for p in elemento] == ["nfseCabecMsg", "nfseDadosMsg"]
    cabecalho, dados = (etree.fromstring(p.text.encode()) for p in elemento)
    return cabecalho, dados


@pytest.mark.parametrize("nome", sorted(FAMILIAS))
def test_round_trip(gateway: Gateway, abrasf: AbrasfSandbox, nome: str) -> None:
    familia = FAMILIAS[nome]
    _rota(gateway, familia.ibge, familia.sistema)
    if familia.chave:
        abrasf.chaves_autorizacao.add(familia.chave)
        gateway.credenciais_prefeitura("contribuinte", familia.chave)
    _ciclo(gateway, abrasf, familia.ibge, f"pequena-{familia.ibge}")
    for troca, operacao in (("emissao", familia.emissao),
                            ("consulta_rps", familia.consulta_rps)):
        envios = _pedidos(gateway, troca)
        assert envios, troca
        for envio in envios:
            elemento = _corpo(envio)
            assert etree.QName(elemento).text == f"{{{familia.servico}}}{operacao}"
            cabecalho, dados = _parametros(elemento)
            assert etree.QName(cabecalho).namespace == familia.documentos
            assert cabecalho.findtext(f"{{{familia.documentos}}}versaoDados") == familia.versao
            assert etree.QName(dados).namespace == familia.documentos
            assert validate(_em_abrasf(dados, familia.documentos),
                            abrasf_xsd_dir() / familia.esquema) == []
    [envio] = _pedidos(gateway, "emissao")
    lote = _parametros(_corpo(envio))[1]
    [aliquota] = lote.iter(f"{{{familia.documentos}}}Aliquota")
    assert aliquota.text == familia.aliquota
    [emitida] = abrasf.emitidas()
    assert emitida["status"] == "cancelada"


def _emissor(url: str) -> Emissor:
    return Emissor(a1=None, ambiente="producao", base_url=url,  # type: ignore[arg-type]
                   ca_file=None, razao_social="Empresa")


@pytest.mark.parametrize("nome", sorted(FAMILIAS))
def test_each_family_is_routed_to_its_production_address_and_action(nome: str) -> None:
    familia = FAMILIAS[nome]
    rota = routing.rota(familia.ibge)
    assert rota.url_producao.startswith("https://")
    variante = variante_de(rota.opcoes)
    texto, cabecalhos = envelope.pedido(variante.emissao, f'<x xmlns="{NS}"/>'.encode(),
                                        variante, _emissor(rota.url_producao))
    assert cabecalhos["SOAPAction"] == f'"{familia.acao_emissao}"'
    elemento = _corpo(etree.fromstring(texto))
    assert etree.QName(elemento).text == f"{{{familia.servico}}}{familia.emissao}"
    cabecalho, _ = _parametros(elemento)
    assert etree.QName(cabecalho).namespace == familia.documentos
    assert cabecalho.findtext(f"{{{familia.documentos}}}versaoDados") == familia.versao


def test_every_actcon_city_speaks_its_own_namespaces() -> None:
    """Each of the eight Actcon cities: its produção address, and the service namespace,
    action prefix and document namespace of its own site (ACBr's ProNameSpace,
    ProSoapAction, ProXMLNameSpace), over http."""
    cidades = ("3101508", "3103405", "3116001", "3121803", "3131158", "3136108", "3140308",
               "3170057")
    for ibge in cidades:
        rota = routing.rota(ibge)
        url = rota.url_producao
        assert url.startswith("https://") and url.endswith("/nfseserv/webservice/servicos")
        sitio = "http://" + url.removeprefix("https://").removesuffix("/webservice/servicos")
        variante = variante_de(rota.opcoes)
        assert (variante.namespace_servico, variante.prefixo_acao,
                variante.namespace_documentos, variante.namespace_cabecalho) == (
            f"{sitio}/webservice/nfse.wsdl", f"{sitio}/webservice/servicos",
            f"{sitio}/schema/nfse_v202.xsd", f"{sitio}/schema/nfse_v202.xsd")
        assert (variante.emissao, variante.versao_layout, variante.aliquota_fracao) == (
            "RecepcionarLoteRps", "2.02", True)


def test_actcon_sandbox_reads_rates_as_fractions() -> None:
    """The sandbox's municipality reads percentages: an Actcon fraction goes in as one and
    comes back out as a fraction; a percentage sent by mistake becomes a hundredfold rate
    (which the municipality then refuses against the ISS value)."""
    assert sandbox_actcon.e_actcon(f"{ALEM_PARAIBA}/schema/nfse_v202.xsd")
    assert not sandbox_actcon.e_actcon("http://www.giss.com.br/tipos-v2_04.xsd")
    documento = etree.fromstring(f'<Valores xmlns="{NS}"><Aliquota>0.0250</Aliquota>'
                                 f'<Aliquota>3.00</Aliquota></Valores>'.encode())
    sandbox_actcon.em_percentual(documento)
    assert [Decimal(a.text) for a in documento] == [Decimal("2.50"), Decimal("300.00")]
    sandbox_actcon.em_fracao(documento)
    assert [a.text for a in documento] == ["0.0250", "3.0000"]


@dataclass(frozen=True)
class Envelopada:
    """A family that takes the national DPS in its own SOAP envelope."""

    ibge: str
    sistema: str
    dialeto: str
    registro: str
    """The operator's file entry pointing the city's homologação at the sandbox
    (``{url}``)."""
    envelope: envelopados.Envelope


ENVELOPADAS = {
    "ISSDigital": Envelopada(
        "3147105", "ISSDigital", "issdigital",
        '[sistemas.ISSDigital]\nperfil = "dps_issdigital"\nversoes = ["1.01"]\n'
        'url_homologacao = "{url}"\n', envelopados.ISSDIGITAL),
    "Fiorilli 1.00": Envelopada(
        "1100122", "Fiorilli", "fiorilli",
        '[municipios."1100122"]\nsistema = "Fiorilli"\nperfil = "dps_fiorilli"\n'
        'url_producao = "{producao}"\nurl_homologacao = "{url}"\n', envelopados.FIORILLI),
}


@pytest.fixture(params=sorted(ENVELOPADAS))
def envelopada(request: pytest.FixtureRequest, gateway: Gateway, tmp_path: Path
               ) -> Iterator[tuple[Envelopada, NacionalSandbox]]:
    """The family, and a sandbox playing its system at the path of its produção address
    and, on the same port, the national environment."""
    familia = ENVELOPADAS[request.param]
    producao = routing.rota(familia.ibge).url_producao
    municipal = _segundo_sandbox(gateway, tmp_path / familia.dialeto,
                                 urlsplit(producao).path, familia.dialeto)
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(familia.registro.format(url=municipal.url, producao=producao),
                       encoding="utf-8")
    routing.carregar(arquivo)
    gateway.runtime.settings.nacional_url_homologacao = municipal.sefin_url
    try:
        yield familia, municipal
    finally:
        municipal.stop()
        routing.carregar(None)


def test_round_trip_of_the_dps_in_an_envelope(
        gateway: Gateway, envelopada: tuple[Envelopada, NacionalSandbox]) -> None:
    """Emitted with the answer lost (found at the national environment), cancelled with the
    answer lost (found there too); the DPS went signed inside the system's operation."""
    familia, sistema = envelopada
    municipio = gateway.client.get(f"/v2/municipios/{familia.ibge}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == (
        "nacional", familia.sistema)
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = familia.ibge
    gateway.runtime.settings.authority_timeout = 1.0
    sistema.inject("timeout_after_commit")
    ref = f"envelopada-{familia.dialeto}"
    nota = gateway.autorizar(ref, body)
    assert [n["chaveAcesso"] for n in sistema.emitidas()] == [nota["chave_acesso"]]
    assert gateway.sandbox.emitidas() == []
    [envio] = _pedidos(gateway, "emissao")
    operacao = _corpo(envio)
    envelope = familia.envelope
    assert etree.QName(operacao).text == f"{{{envelope.namespace}}}{envelope.operacao}"
    dps = (etree.fromstring(operacao.findtext("xml").encode()) if envelope.parametro_xml
           else operacao[0])
    assert etree.QName(dps).text == f"{{{NACIONAL}}}DPS"
    assert dps.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is not None
    sistema.inject("timeout_after_commit")
    cancel = gateway.client.request(
        "DELETE", f"/v2/nfse/{ref}",
        content=json.dumps({"justificativa": "Cancelamento de teste da DPS"}))
    assert cancel.status_code == 200 and cancel.json() == {"status": "cancelado"}
    assert sistema.emitidas()[0]["cancelada"] is True


@pytest.mark.parametrize("nome", sorted(ENVELOPADAS))
def test_a_refusal_in_the_systems_answer_is_the_notes_error(nome: str) -> None:
    """The answer's messages (ISSDigital's as the text of ``<return>``, ``descricao``;
    Fiorilli's inline, ``Mensagem``) are errors, notices (``L000``) left out; a protocol
    is a receipt."""
    envelope = ENVELOPADAS[nome].envelope
    texto = "descricao" if envelope.parametro_xml else "Mensagem"
    documento = (f"<retornoNFSe><Protocolo>77</Protocolo><ListaMensagens>"
                 f"<mensagem><codigo>E0016</codigo><{texto}>Município inativo</{texto}>"
                 f"<correcao>Outro</correcao></mensagem><mensagem><codigo>L0001</codigo>"
                 f"<{texto}>Aviso</{texto}></mensagem></ListaMensagens></retornoNFSe>")
    if envelope.parametro_xml:
        conteudo = f"<return>{documento.replace('<', '&lt;')}</return>"
    else:
        conteudo = documento
    corpo = (f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><ns:{envelope.operacao}Response '
             f'xmlns:ns="{envelope.namespace}">{conteudo}</ns:{envelope.operacao}Response>'
             f"</s:Body></s:Envelope>").encode()
    resposta = envelopados.Resposta(corpo)
    assert [(e.codigo, e.mensagem, e.correcao) for e in resposta.erros] == [
        ("E0016", "Município inativo", "Outro")]
    assert resposta.protocolo == "77" and resposta.recebida


def test_the_envelopes_and_actions() -> None:
    dps = b'<?xml version="1.0"?><DPS xmlns="http://www.sped.fazenda.gov.br/nfse"/>'
    issdigital = etree.fromstring(envelopados.ISSDIGITAL.pedido(dps))
    operacao = _corpo(issdigital)
    assert etree.QName(operacao).text == "{http://ws.supernova.com.br/}RecepcionarDps"
    assert operacao.findtext("xml").startswith("<DPS ")
    fiorilli = _corpo(etree.fromstring(envelopados.FIORILLI.pedido(dps)))
    assert etree.QName(fiorilli).text == (
        "{http://www.fiorilli.com.br/nfse-nacional}RecepcionarDpsEnvio")
    assert etree.QName(fiorilli[0]).text == f"{{{NACIONAL}}}DPS"
    assert (envelopados.ISSDIGITAL.acao, envelopados.FIORILLI.acao) == ("", "recepcionarDPS")
    for ibge, perfil in (("3147105", "dps_issdigital"), ("3130101", "dps_issdigital"),
                         ("3140704", "dps_issdigital"), ("1100122", "dps_fiorilli"),
                         ("5006606", "dps_fiorilli")):
        rota = routing.rota(ibge)
        assert rota.url_producao.startswith("https://") and rota.perfil == perfil, ibge


def test_isslegal_key_goes_as_the_authorization_header_or_nothing_is_sent() -> None:
    """ISSLegal: the company's senha_responsavel is the Authorization header itself; without
    it the call is not made (credenciais_prefeitura_ausentes); the sandbox refuses another key."""
    variante = variante_de(routing.rota("3126208").opcoes)
    com_chave = Emissor(a1=None, ambiente="producao", base_url="https://x",  # type: ignore[arg-type]
                        ca_file=None, razao_social="Empresa", login="", senha="k-1")
    _, cabecalhos = envelope.pedido("ConsultarNfsePorRps", f'<x xmlns="{NS}"/>'.encode(),
                                    variante, com_chave)
    assert cabecalhos["Authorization"] == "k-1"
    falta = credenciais.faltando(_emissor("https://x"), variante)
    assert falta is not None and falta.codigo == "credenciais_prefeitura_ausentes"
    assert sandbox_credenciais.recusa("/nfse", b"", set(), {}, "k-2", None, {"k-1"})
    assert sandbox_credenciais.recusa("/nfse", b"", set(), {}, None, None, {"k-1"})
    assert sandbox_credenciais.recusa("/nfse", b"", set(), {}, "k-1", None, {"k-1"}) is None


VINHEDO = "3556701"
"""Vinhedo/SP, Intertec: Giap's layout and dialogue at Prescon's address."""


@pytest.fixture
def giap(gateway: Gateway, tmp_path: Path) -> Iterator[GiapSandbox]:
    box = GiapSandbox(pasta_sandbox(tmp_path / "sandbox-giap"))
    box.start()
    gateway.runtime.settings.giap_url_homologacao = box.url
    gateway.runtime.settings.giap_ca_file = str(box.ca_file)
    box.trust(gateway.a1.cert)
    box.aceitar(IM, "chave-intertec")
    gateway.credenciais_prefeitura(None, "chave-intertec")
    yield box
    box.stop()


def test_intertec_round_trip(gateway: Gateway, giap: GiapSandbox) -> None:
    """Vinhedo (Intertec) goes by the giap profile to Giap's sandbox: issued, queried,
    cancelled; its produção address is Prescon's emitir_nfe, the operations beside it."""
    municipio = gateway.client.get(f"/v2/municipios/{VINHEDO}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("giap", "Intertec")
    assert routing.rota(VINHEDO).url_producao == (
        "https://vinhedo.presconinformatica.com.br/ords/vinhedo/ws/nfe/emitir_nfe")
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = VINHEDO
    body["servico"]["codigo_municipio"] = VINHEDO
    nota = gateway.autorizar("intertec-1", body)
    [emitida] = giap.emitidas()
    assert emitida["codigo_verificacao"] == nota["codigo_verificacao"]
    consultada = gateway.client.get("/v2/nfse/intertec-1").json()
    assert consultada["status"] == "autorizado"
    cancel = gateway.client.request("DELETE", "/v2/nfse/intertec-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert [e["status"] for e in giap.emitidas()] == ["cancelada"]
