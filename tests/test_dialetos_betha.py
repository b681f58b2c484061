"""Betha's dialect of the national DPS (issue 22, point 2): the document as Betha takes it
(its namespace, ``id``, RSA-SHA256), its refusals as the note's errors, a lost answer found
at the national environment instead of a second DPS, and what the sandbox refuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from nfse.model.nfse import parse_nfse
from nfse.municipios import routing
from nfse.providers.base import Emissor, Result, Rps
from nfse.providers.nacional.dialetos import betha
from nfse.providers.registry import get_provider
from nfse.sandbox.nacional import NacionalSandbox
from nfse.sandbox.nacional import betha as sandbox_betha
from nfse.store import empresas
from tests.municipios.test_emissao_municipal import _segundo_sandbox
from tests.sandbox import dps_nacional
from tests.support import Gateway, nota_exemplo

LAGES = "4209300"  # Betha, https://nota-eletronica.betha.cloud:443/dps/ws
DSIG = "{http://www.w3.org/2000/09/xmldsig#}"


def _nota() -> dict:
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = LAGES
    return body


@pytest.fixture
def sistema(gateway: Gateway, tmp_path: Path) -> Iterator[NacionalSandbox]:
    """A sandbox playing Betha's web service (Lages's homologação address, operator file)
    and, on the same port, the national environment that answers for its notes."""
    municipal = _segundo_sandbox(gateway, tmp_path / "betha", "/dps/ws", "betha")
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(f'[sistemas.Betha]\nperfil = "dps_betha"\nversoes = ["1.01"]\n'
                       f'url_homologacao = "{municipal.url}"\n', encoding="utf-8")
    routing.carregar(arquivo)
    gateway.runtime.settings.nacional_url_homologacao = municipal.sefin_url
    try:
        yield municipal
    finally:
        municipal.stop()
        routing.carregar(None)


def test_the_dps_travels_in_bethas_namespace_signed_there(
        gateway: Gateway, sistema: NacionalSandbox) -> None:
    nota = gateway.autorizar("betha-dps", _nota())
    assert [n["chaveAcesso"] for n in sistema.emitidas()] == [nota["chave_acesso"]]
    assert gateway.sandbox.emitidas() == []


def test_a_refusal_is_the_notes_error(gateway: Gateway, sistema: NacionalSandbox) -> None:
    sistema.parametrizacao.definir(LAGES, ativacao=date(2020, 1, 1))
    assert gateway.client.post("/v2/nfse?ref=betha-recusada", json=_nota()).status_code == 202
    nota = gateway.wait_final("betha-recusada")
    assert nota["status"] == "erro_autorizacao"
    assert any(e["codigo"] == "E0016" for e in nota["erros"]), nota["erros"]
    assert sistema.emitidas() == []


def test_a_lost_answer_is_found_at_the_national_environment(
        gateway: Gateway, sistema: NacionalSandbox) -> None:
    sistema.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    nota = gateway.autorizar("betha-perdida", _nota())
    assert [n["chaveAcesso"] for n in sistema.emitidas()] == [nota["chave_acesso"]]


def test_a_lost_cancellation_is_found_at_the_national_environment(
        gateway: Gateway, sistema: NacionalSandbox) -> None:
    gateway.autorizar("betha-cancelada", _nota())
    sistema.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    cancel = gateway.client.request(
        "DELETE", "/v2/nfse/betha-cancelada",
        content=json.dumps({"justificativa": "Cancelamento de teste da DPS"}))
    assert cancel.status_code == 200 and cancel.json() == {"status": "cancelado"}
    assert sistema.emitidas()[0]["cancelada"] is True


def _emissor() -> Emissor:
    return Emissor(a1=dps_nacional.EMITENTE, ambiente="homologacao", base_url="",
                   ca_file=None, razao_social="EMPRESA TESTE LTDA")


def test_the_dps_as_betha_takes_it() -> None:
    """The national DPS's content in Betha's namespace, ``id`` in lower case, signed again
    there with RSA-SHA256 (the national signature gone)."""
    nacional = etree.fromstring(dps_nacional.dps())
    documento = betha.dps_betha(dps_nacional.dps(), _emissor())
    assert documento.tag == f"{{{betha.NS}}}DPS"
    inf = documento[0]
    assert inf.tag == f"{{{betha.NS}}}infDPS" and inf.get("Id") is None
    assert inf.get("id") == nacional[0].get("Id")
    assert [etree.QName(e).localname for e in inf.iter()] == [
        etree.QName(e).localname for e in nacional[0].iter()]
    assinaturas = documento.findall(f"{DSIG}Signature")
    assert len(assinaturas) == 1 and documento[-1] is assinaturas[0]
    assert assinaturas[0].find(f"{DSIG}SignedInfo/{DSIG}SignatureMethod").get(
        "Algorithm").endswith("rsa-sha256")
    assert assinaturas[0].find(f"{DSIG}SignedInfo/{DSIG}Reference").get(
        "URI") == "#" + inf.get("id")


def test_the_sandbox_refuses_the_dps_of_the_national_namespace(
        sistema: NacionalSandbox) -> None:
    resposta = etree.fromstring(sandbox_betha.receber_dps(
        sistema, etree.fromstring(dps_nacional.dps()), dps_nacional.CNPJ))
    assert [e.text for e in resposta.iter(f"{{{betha.NS}}}codigo")] == ["E1235"]
    assert sistema.emitidas() == []


def test_the_sandbox_refuses_a_dps_changed_after_its_signature(
        sistema: NacionalSandbox) -> None:
    documento = betha.dps_betha(dps_nacional.dps(), _emissor())
    documento.find(f".//{{{betha.NS}}}vServ").text = "1.00"
    resposta = etree.fromstring(sandbox_betha.receber_dps(sistema, documento,
                                                          dps_nacional.CNPJ))
    assert [e.text for e in resposta.iter(f"{{{betha.NS}}}codigo")] == ["E0714"]
    assert sistema.emitidas() == []


def test_a_dps_already_issued_is_found_not_refused(gateway: Gateway,
                                                    sistema: NacionalSandbox) -> None:
    """The same DPS sent again (an earlier attempt whose answer never came back): Betha
    refuses the repeated id (E0014 in the sandbox), and the note is the one it issued."""
    nota = gateway.autorizar("betha-repetida", _nota())
    runtime = gateway.runtime
    with runtime.engine.connect() as conn:
        empresa = empresas.get_empresa(conn, 1)
    emissor = runtime.emissores.for_empresa(empresa, "homologacao", "nacional", LAGES)
    de_novo = get_provider("nacional").emit(
        parse_nfse(_nota()), Rps(nota["serie_rps"], int(nota["numero_rps"])), emissor)
    assert de_novo.result == Result.AUTHORIZED
    assert de_novo.chave_acesso == nota["chave_acesso"]
    assert len(sistema.emitidas()) == 1
