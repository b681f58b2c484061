"""The large ABRASF families (issue 22, point 4), each through its shipped profile against the
ABRASF sandbox: the note is emitted, queried and cancelled, and what went over the wire is the
family's dialect, as its public documentation describes it."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from nfse.municipios import routing
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.store.tables import artefatos
from tests.support import Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
WS = "http://nfse.abrasf.org.br"


def _pedidos(gateway: Gateway, nome: str) -> list[etree._Element]:
    """The SOAP envelopes the gateway sent for exchange ``nome``, oldest first."""
    with gateway.runtime.engine.connect() as conn:
        rows = conn.execute(select(artefatos.c.content)
                            .where(artefatos.c.kind == f"exchange:{nome}:request")
                            .order_by(artefatos.c.id)).scalars().all()
    return [etree.fromstring(zlib.decompress(row)) for row in rows]


def _operacao(envelope: etree._Element, soap: str = SOAP11) -> etree._Element:
    assert etree.QName(envelope).namespace == soap
    [body] = envelope.findall(f"{{{soap}}}Body")
    return next(e for e in body if isinstance(e.tag, str))


def test_issnet_round_trip(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """Brasília (ISSNet, ABRASF 2.04) through the shipped registry: SOAP 1.1, the body
    element is the operation itself (GerarNfse, no Request suffix) with unqualified
    parameters (the cancellation's municipality in ISSNet's shared homologação is
    test_abrasf_documentos' concern: the sandbox takes any)."""
    municipio = gateway.client.get("/v2/municipios/5300108").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf", "ISSNet")
    assert municipio["nfse_habilitada"] is True
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = "5300108"
    nota = gateway.autorizar("issnet-1", body)
    assert nota["codigo_verificacao"]

    completa = gateway.client.get("/v2/nfse/issnet-1?completa=1").json()
    assert completa["numero"] == nota["numero"]
    [emitida] = abrasf.emitidas()
    assert (str(emitida["numero"]), emitida["status"]) == (nota["numero"], "autorizada")
    [envio] = _pedidos(gateway, "emissao")
    operacao = _operacao(envio)
    assert etree.QName(operacao).text == f"{{{WS}}}GerarNfse"
    assert [etree.QName(p).text for p in operacao] == ["nfseCabecMsg", "nfseDadosMsg"]

    cancel = gateway.client.request("DELETE", "/v2/nfse/issnet-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/issnet-1").json()["status"] == "cancelado"
    assert [e["status"] for e in abrasf.emitidas()] == ["cancelada"]


GISS = """
[municipios."2704302"]
perfil = "giss_204"
sistema = "Giss"
url_producao = "https://giss.example.invalid/producao"
url_homologacao = "https://giss.example.invalid/homologacao"
"""


def test_giss_round_trip(gateway: Gateway, abrasf: AbrasfSandbox, tmp_path: Path) -> None:
    """Maceió (GISS Online, ABRASF 2.04) given an address in an operator's file, through the
    shipped profile: SOAP 1.1, GerarNfseRequest, unqualified parameters (the shipped
    registry routes no GISS city: its header namespace is GISS's own)."""
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(GISS, encoding="utf-8")
    routing.carregar(arquivo)
    try:
        municipio = gateway.client.get("/v2/municipios/2704302").json()
        assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf", "Giss")
        body = nota_exemplo()
        body["prestador"]["codigo_municipio"] = "2704302"
        nota = gateway.autorizar("giss-1", body)
        completa = gateway.client.get("/v2/nfse/giss-1?completa=1").json()
        assert completa["numero"] == nota["numero"]
        [envio] = _pedidos(gateway, "emissao")
        operacao = _operacao(envio)
        assert etree.QName(operacao).text == f"{{{WS}}}GerarNfseRequest"
        assert [etree.QName(p).text for p in operacao] == ["nfseCabecMsg", "nfseDadosMsg"]
        cancel = gateway.client.request("DELETE", "/v2/nfse/giss-1",
                                        json={"justificativa": "Erro na emissão da nota fiscal"})
        assert cancel.json() == {"status": "cancelado"}
        assert [e["status"] for e in abrasf.emitidas()] == ["cancelada"]
    finally:
        routing.carregar(None)


def _acoes(gateway: Gateway, nome: str) -> list[str]:
    """The body element of each request of exchange ``nome``."""
    return [etree.QName(_operacao(envio)).localname for envio in _pedidos(gateway, nome)]


def test_el_round_trip(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """Porto Velho (EL, ABRASF 2.04) through the shipped registry and its production address
    in enderecos.csv: SOAP 1.1, <GerarNfse> around <GerarNfseRequest>, unqualified
    parameters; a lost answer is found by ConsultarNfsePorRps in the same wrapping."""
    municipio = gateway.client.get("/v2/municipios/1100205").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf", "EL")
    assert municipio["nfse_habilitada"] is True
    assert routing.rota("1100205").url("producao") == \
        "https://nfse-backend.portovelho.ro.gov.br/producao/NfseWSService"
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = "1100205"
    abrasf.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    nota = gateway.autorizar("el-1", body)
    assert len(abrasf.emitidas()) == 1
    envio = _pedidos(gateway, "emissao")[0]
    externo = _operacao(envio)
    assert etree.QName(externo).text == f"{{{WS}}}GerarNfse"
    [interno] = externo
    assert etree.QName(interno).text == f"{{{WS}}}GerarNfseRequest"
    assert [etree.QName(p).text for p in interno] == ["nfseCabecMsg", "nfseDadosMsg"]
    assert _acoes(gateway, "consulta_rps") == ["ConsultarNfsePorRps"]

    cancel = gateway.client.request("DELETE", "/v2/nfse/el-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    # the sandbox found the cancellation in the same wrapping
    assert [e["status"] for e in abrasf.emitidas()] == ["cancelada"]
    assert nota["numero"]


def test_sintese_round_trip(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """Janaúba (Síntese, ABRASF 2.04) through the shipped registry: SOAP 1.1, the body is
    GerarNfseEnvio with SOAPAction http://nfsews.sintesenotafiscal.com.br/GerarNfse, and the
    query by RPS goes by its ABRASF 1.0 name, ConsultarNfseRps."""
    municipio = gateway.client.get("/v2/municipios/3135100").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf", "Sintese")
    assert routing.rota("3135100").url("producao") == \
        "https://janauba.sintesenotafiscal.com.br/nfsews/NfseWS"
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = "3135100"
    abrasf.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    nota = gateway.autorizar("sintese-1", body)
    assert len(abrasf.emitidas()) == 1
    assert _acoes(gateway, "emissao")[0] == "GerarNfseEnvio"
    assert _acoes(gateway, "consulta_rps") == ["ConsultarNfseRpsEnvio"]
    completa = gateway.client.get("/v2/nfse/sintese-1?completa=1").json()
    assert completa["numero"] == nota["numero"]
    cancel = gateway.client.request("DELETE", "/v2/nfse/sintese-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}  # CancelarNfseEnvio, .../CancelarNfse
    assert [e["status"] for e in abrasf.emitidas()] == ["cancelada"]

