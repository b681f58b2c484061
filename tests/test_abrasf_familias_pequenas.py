"""The small ABRASF families of issue 22 ("any municipality"; docs/
abrasf-familias-pequenas.md), each through its shipped registry entry against the ABRASF
sandbox: one whole-gateway round trip per family (emitted with the answer lost and found by
ConsultarNfsePorRps, cancelled with the answer lost and reconciled), then what went over the
wire; and fast checks of each family's envelope, SOAPAction and routing in produção."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from lxml import etree

from nfse.municipios import routing
from nfse.providers.abrasf import envelope
from nfse.providers.abrasf.leiaute import NS
from nfse.providers.abrasf.variante import variante_de
from nfse.providers.base import Emissor
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.sandbox.abrasf import actcon as sandbox_actcon
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.support import Gateway
from tests.test_abrasf_corpo import _corpo, _rota
from tests.test_abrasf_layouts import _ciclo, _pedidos

ALEM_PARAIBA = "http://nfse-mg-alemparaiba.portalfacil.com.br/nfseserv"


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


FAMILIAS = {
    "Actcon": Familia("3101508", "Actcon", "2.02", "nfse_v2-02.xsd",
                      f"{ALEM_PARAIBA}/webservice/nfse.wsdl",
                      f"{ALEM_PARAIBA}/schema/nfse_v202.xsd",
                      "RecepcionarLoteRpsRequest", "ConsultarNfsePorRpsRequest",
                      f"{ALEM_PARAIBA}/webservice/servicos#RecepcionarLoteRps"),
}


def _em_abrasf(documento: etree._Element, namespace: str) -> etree._Element:
    """A document sent in a system's own namespace (``namespace`` only, signatures apart),
    back in ABRASF's, as the schema defines it."""
    texto = etree.tostring(documento).decode()
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
    assert aliquota.text == "0.0300"  # 3 %, as a fraction
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
