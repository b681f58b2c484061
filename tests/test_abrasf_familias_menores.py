"""The smaller ABRASF 2.0x families of issue 22 ("any municipality"; docs/
abrasf-familias-menores.md), each through its shipped profile against the ABRASF sandbox,
which checks every document against the layout's official schema: one whole-gateway round
trip per family (emitted with the answer lost and found by ConsultarNfsePorRps, cancelled
with the answer lost and reconciled), then what went over the wire; and fast checks of each
family's envelope, SOAPAction and routing, and of the sandbox's reading of fintelISS."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from lxml import etree

from nfse.municipios import routing
from nfse.providers.abrasf import envelope
from nfse.providers.abrasf.leiaute import NS
from nfse.providers.abrasf.variante import variante_de
from nfse.providers.base import Emissor
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.sandbox.abrasf import envelope as sandbox_envelope
from nfse.sandbox.abrasf import rest as sandbox_rest
from nfse.sandbox.abrasf import soap as sandbox_soap
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.support import Gateway
from tests.test_abrasf_corpo import _corpo, _rota
from tests.test_abrasf_layouts import _ciclo, _pedidos

pytestmark = pytest.mark.um_motor

WS = "http://nfse.abrasf.org.br"
FINTEL = "http://www.fintel.com.br/WebService"
X = {"a": NS}


@dataclass(frozen=True)
class Familia:
    ibge: str
    sistema: str
    versao: str
    """The ``versaoDados`` of every header."""
    esquema: str
    namespace: str
    """The namespace of the operation's element."""
    emissao: str
    consulta_rps: str
    """The operation's element for GerarNfse/the lot and for ConsultarNfsePorRps."""
    parametros: tuple[str | None, str | None]
    """The qualified-or-not names of the two string parameters."""
    acao_emissao: str


FAMILIAS = {
    "fintelISS": Familia("3136702", "fintelISS", "2.02", "nfse_v2-02.xsd", FINTEL,
                         "RecepcionarLoteRpsSincrono", "ConsultarNfsePorRps",
                         (f"{{{FINTEL}}}cabecalho", f"{{{FINTEL}}}xml"),
                         f"{FINTEL}/RecepcionarLoteRpsSincrono"),
    "ISSCamacari": Familia("2905701", "ISSCamacari", "2.01", "nfse_v2-01.xsd", WS,
                           "RecepcionarLoteRpsSincronoRequest", "ConsultarNfsePorRpsRequest",
                           ("nfseCabecMsg", "nfseDadosMsg"),
                           f"{WS}/RecepcionarLoteRpsSincrono"),
    "SimplISS 2.03": Familia("3306305", "SimplISS 2.03", "2.03", "nfse_v2-03.xsd", WS,
                             "RecepcionarLoteRpsRequest", "ConsultarNfseRpsRequest",
                             ("nfseCabecMsg", "nfseDadosMsg"),
                             f"{WS}/INfseService/RecepcionarLoteRps"),
}


def _parametros(elemento: etree._Element, familia: Familia) -> tuple[etree._Element, ...]:
    """The header and the document the two string parameters carry."""
    assert tuple(p.tag for p in elemento) == familia.parametros
    return tuple(etree.fromstring(p.text.encode()) for p in elemento)


@pytest.mark.parametrize("nome", sorted(FAMILIAS))
def test_round_trip(gateway: Gateway, abrasf: AbrasfSandbox, nome: str) -> None:
    familia = FAMILIAS[nome]
    _rota(gateway, familia.ibge, familia.sistema)
    _ciclo(gateway, abrasf, familia.ibge, f"menor-{familia.ibge}")
    for troca, operacao in (("emissao", familia.emissao),
                            ("consulta_rps", familia.consulta_rps)):
        envios = _pedidos(gateway, troca)
        assert envios, troca
        for envio in envios:
            elemento = _corpo(envio)
            assert etree.QName(elemento).text == f"{{{familia.namespace}}}{operacao}"
            cabecalho, dados = _parametros(elemento, familia)
            assert cabecalho.findtext("a:versaoDados", namespaces=X) == familia.versao
            assert validate(dados, abrasf_xsd_dir() / familia.esquema) == []
    [envio] = _pedidos(gateway, "emissao")
    lote = _parametros(_corpo(envio), familia)[1].find("a:LoteRps", X)
    assert lote.get("versao") == familia.versao


def test_publicsoft_round_trip(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """Sapé/PB (PublicSoft, ABRASF 2.03): no SOAP, each document POSTed to
    ``/api/<document>`` with ``codigoCidade`` and a token generated from the prefeitura's
    (the sandbox only generates one for the prefeitura's token it knows, and refuses a call
    without one); the lost cancellation reconciled by cancelling again; every document
    valid in the 2.03 schema."""
    _rota(gateway, "2515302", "PublicSoft")
    abrasf.tokens_publicsoft["sape"] = "token-da-prefeitura"
    gateway.credenciais_prefeitura("sape", "token-da-prefeitura")
    _ciclo(gateway, abrasf, "2515302", "publicsoft-1")
    for troca, raiz in (("emissao", "GerarNfseEnvio"), ("consulta_rps", "ConsultarNfseRpsEnvio")):
        envios = _pedidos(gateway, troca)
        assert envios, troca
        for envio in envios:
            assert etree.QName(envio).text == f"{{{NS}}}{raiz}"
            assert validate(envio, abrasf_xsd_dir() / "nfse_v2-03.xsd") == []


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
    assert etree.QName(elemento).text == f"{{{familia.namespace}}}{familia.emissao}"
    cabecalho, _ = _parametros(elemento, familia)
    assert cabecalho.get("versao") == familia.versao


def test_simpliss_queries_go_by_their_abrasf_1_names() -> None:
    """SimplISS 2.03 calls the RPS and range queries ConsultarNfseRps and ConsultarNfseFaixa,
    in the body and after ``INfseService/`` in the SOAPAction."""
    variante = variante_de(routing.rota("3306305").opcoes)
    for operacao, nome in (("ConsultarNfsePorRps", "ConsultarNfseRps"),
                           ("ConsultarNfsePorFaixa", "ConsultarNfseFaixa")):
        texto, cabecalhos = envelope.pedido(operacao, f'<x xmlns="{NS}"/>'.encode(), variante,
                                            _emissor("https://exemplo"))
        assert etree.QName(_corpo(etree.fromstring(texto))).localname == f"{nome}Request"
        assert cabecalhos["SOAPAction"] == f'"{WS}/INfseService/{nome}"'


def test_the_other_fintel_layout_is_not_served() -> None:
    """Paracambi/RJ (fintelISS 2.02: the services in ListaServicos, another document) is not
    routed to the 2.00 profile."""
    rota = routing.rota("3303609")
    assert (rota.sistema, rota.motivo is not None) == ("fintelISS 2.02", True)


def _fintel(operacao: str, filhos: str) -> bytes:
    return (f'<soap:Envelope xmlns:soap="{sandbox_soap.SOAP11}"><soap:Body>'
            f'<web:{operacao} xmlns:web="{FINTEL}">{filhos}</web:{operacao}>'
            "</soap:Body></soap:Envelope>").encode()


def test_sandbox_reads_fintel_header_and_document_and_answers_in_result() -> None:
    cabecalho = (f'<cabecalho versao="2.02" xmlns="{NS}"><versaoDados>2.02</versaoDados>'
                 "</cabecalho>")
    documento = f'<ConsultarNfseFaixaEnvio xmlns="{NS}"/>'
    corpo = _fintel("ConsultarNfseFaixa",
                    f"<web:cabecalho>{cabecalho.replace('<', '&lt;')}</web:cabecalho>"
                    f"<web:xml>{documento.replace('<', '&lt;')}</web:xml>")
    chamada = sandbox_envelope.ler(corpo, "text/xml", f"{FINTEL}/ConsultarNfseFaixa")
    assert (chamada.operacao, chamada.cabecalho, chamada.dados) == (
        "ConsultarNfsePorFaixa", cabecalho, documento)
    resposta = etree.fromstring(sandbox_envelope.resposta(chamada, b"<R/>"))
    assert resposta.findtext(f".//{{{FINTEL}}}ConsultarNfseFaixaResponse/"
                             "ConsultarNfseFaixaResult") == "<R/>"


@pytest.mark.parametrize(("operacao", "filhos", "acao"), [
    ("GerarNfse", "<nfseCabecMsg>c</nfseCabecMsg><nfseDadosMsg>d</nfseDadosMsg>",
     f"{FINTEL}/GerarNfse"),
    ("ConsultarNfsePorFaixa", "<web:cabecalho>c</web:cabecalho><web:xml>d</web:xml>",
     f"{FINTEL}/ConsultarNfsePorFaixa"),
    ("GerarNfse", "<web:cabecalho>c</web:cabecalho><web:xml>d</web:xml>", f"{WS}/GerarNfse"),
])
def test_sandbox_refuses_a_fintel_call_out_of_its_dialect(operacao: str, filhos: str,
                                                          acao: str) -> None:
    """The reference WSDL's parameter names, the ABRASF 2.0 name of the range query, another
    SOAPAction: each a SOAP Fault, nothing processed."""
    with pytest.raises(sandbox_soap.FalhaSoap):
        sandbox_envelope.ler(_fintel(operacao, filhos), "text/xml", acao)


def test_sandbox_publicsoft_hands_tokens_only_for_the_prefeitura_token_it_knows() -> None:
    sessoes = sandbox_rest.Sessoes(lambda: {"sape": "certo"})
    assert b"erro" in sessoes.gerar({"codigoCidade": "sape", "token": "outro"})
    resposta = etree.fromstring(sessoes.gerar({"codigoCidade": "sape", "token": "certo"}))
    token = resposta.findtext("Mensagem")
    documento = f'<ConsultarNfseRpsEnvio xmlns="{NS}"/>'.encode()
    chamada = sessoes.ler("consultar-nfse-rps-envio",
                          {"codigoCidade": "sape", "token": token}, documento)
    assert (chamada.operacao, chamada.dados) == ("ConsultarNfsePorRps", documento.decode())
    for recurso, cabecalhos, status in (
            ("consultar-nfse-rps-envio", {"codigoCidade": "sape", "token": "certo"}, 401),
            ("consultar-nfse-rps-envio", {"token": token}, 401),
            ("consultar-nfse-faixa-envio-x", {"codigoCidade": "sape", "token": token}, 404)):
        with pytest.raises(sandbox_rest.Recusa) as recusa:
            sessoes.ler(recurso, cabecalhos, documento)
        assert recusa.value.status == status
