"""Citta (issue 22, point 2): the emitter's NFS-e with its own number (the official XSD
unchanged), Citta's cancellation event, the registry's routing, and one round trip through
the gateway (emit, query, cancel) against the sandbox playing Citta's lot API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from nfse.model.nfse import parse_nfse
from nfse.model.nota import Endereco
from nfse.municipios import routing
from nfse.providers.base import Emissor, Rps
from nfse.providers.nacional.dialetos import citta
from nfse.providers.nacional.dps import build_dps
from nfse.providers.nacional.nfse_emitente import gerar_nfse
from nfse.store import admin_tokens
from nfse.xml.validate import nacional_schema_dir, validate
from tests.municipios.test_emissao_municipal import _segundo_sandbox
from tests.sandbox import dps_nacional
from tests.support import Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

CASCA = "4304903"  # Citta, https://casca.cittaweb.com.br/nfse/api/public/nacional
BASE = "/nfse/api/public/nacional"
N = {"n": "http://www.sped.fazenda.gov.br/nfse"}
EMISSOR = Emissor(a1=dps_nacional.EMITENTE, ambiente="homologacao", base_url="", ca_file=None,
                  razao_social="EMPRESA TESTE LTDA",
                  endereco=Endereco(logradouro="Rua Sete", numero="7", bairro="Centro",
                                    cep="99260000"))


def _nota() -> dict:
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = CASCA
    body["servico"]["codigo_municipio"] = CASCA
    return body


def test_the_note_and_the_event_follow_the_official_schemas() -> None:
    """The NFS-e carries the DPS's number (ACBr's default for Citta), so the official XSD
    applies unchanged; the event is Citta's: versao 1.00, ambGer = tpAmb, nDFSe = the
    number in the key."""
    nota = parse_nfse(_nota())
    chave, xml = gerar_nfse(build_dps(nota, Rps("1", 31), EMISSOR), nota, EMISSOR, None,
                            numero_do_emitente=True)
    nfse = etree.fromstring(xml)
    assert validate(nfse, nacional_schema_dir() / "NFSe_v1.01.xsd") == []
    assert nfse.findtext("n:infNFSe/n:nNFSe", namespaces=N) == "31"
    assert chave[23:36] == "31".zfill(13)
    evento = etree.fromstring(citta.evento(dps_nacional.pedido_cancelamento(chave), chave,
                                           EMISSOR))
    assert validate(evento, nacional_schema_dir() / "evento_v1.01.xsd") == []
    assert evento.get("versao") == "1.00"
    assert [evento.findtext(f"n:infEvento/n:{t}", namespaces=N)
            for t in ("ambGer", "nSeqEvento", "nDFSe")] == ["2", "1", "31"]


def test_the_registry_serves_citta_where_it_publishes_a_production_address() -> None:
    casca = routing.rota(CASCA)
    assert (casca.perfil, casca.sistema, casca.opcoes["dialeto"]) == (
        "dps_citta", "Citta", "citta")
    assert casca.url("producao") == f"https://casca.cittaweb.com.br{BASE}"
    assert casca.url("homologacao") == f"https://homologacao.cittaweb.com.br{BASE}"
    assert routing.rota("4300471").problema("producao")  # no production address


def test_a_note_travels_through_citta_and_back(gateway: Gateway, tmp_path: Path) -> None:
    municipal = _segundo_sandbox(gateway, tmp_path / "citta", BASE, "citta")
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(f'[sistemas.Citta]\nperfil = "dps_citta"\nversoes = ["1.01"]\n'
                       f'url_homologacao = "{municipal.url}"\n', encoding="utf-8")
    routing.carregar(arquivo)
    gateway.runtime.settings.nacional_url_homologacao = municipal.sefin_url
    try:
        with gateway.runtime.engine.begin() as conn:
            admin = admin_tokens.criar(conn, "teste")
        assert gateway.client.put("/v2/empresas/1", auth=(admin, ""), json={
            "logradouro": "Rua Sete", "numero": "7", "bairro": "Centro",
            "cep": "99260000"}).status_code == 200
        nota = gateway.autorizar("citta-1", _nota())
        [emitida] = municipal.emitidas()
        assert (emitida["chaveAcesso"], str(emitida["numero"])) == (
            nota["chave_acesso"], nota["numero_rps"])
        consulta = gateway.client.get("/v2/nfse/citta-1?completa=1").json()
        assert consulta["chave_acesso"] == nota["chave_acesso"]
        cancel = gateway.client.request(
            "DELETE", "/v2/nfse/citta-1",
            content=json.dumps({"justificativa": "Cancelamento de teste Citta"}))
        assert cancel.status_code == 200 and cancel.json() == {"status": "cancelado"}
        assert municipal.emitidas()[0]["cancelada"] is True
    finally:
        municipal.stop()
        routing.carregar(None)
