"""A municipality on ABRASF 2.04 through the same contract: the seed-shaped note of a
prestador in Cáceres/MT goes over SOAP to the ABRASF sandbox, comes back authorized with a
schema-valid CompNfse, is cancelled and substituted; faults are reconciled by
ConsultarNfsePorRps, never resent blindly."""

from __future__ import annotations

import io
import time
from pathlib import Path

import httpx
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import select

from nfse.municipios import provedores, routing
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.store.tables import artefatos
from nfse.xml.validate import validate
from tests.abrasf_xsd import SCHEMA, abrasf_xsd_dir
from tests.support import MUNICIPIO_ABRASF, Gateway, free_port, nota_exemplo, nota_plana

A = {"a": "http://www.abrasf.org.br/nfse.xsd"}


def nota_abrasf(**overrides: object) -> dict:
    body = nota_exemplo(**overrides)
    body["prestador"]["codigo_municipio"] = MUNICIPIO_ABRASF
    return body


def test_seed_note_is_authorized_over_soap_and_cancelled(gateway: Gateway,
                                                         abrasf: AbrasfSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{MUNICIPIO_ABRASF}").json()
    assert municipio["provedor_nfse"] == "abrasf"
    nota = gateway.autorizar("abrasf-1", nota_abrasf())
    assert nota["numero"] == "1"
    assert nota["codigo_verificacao"]
    assert "chave_acesso" not in nota
    xml = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content
    comp = etree.fromstring(xml)
    assert validate(comp, abrasf_xsd_dir() / SCHEMA) == []
    inf = comp.find(".//a:InfNfse", A)
    assert inf.findtext("a:Numero", namespaces=A) == nota["numero"]
    assert inf.findtext("a:CodigoVerificacao", namespaces=A) == nota["codigo_verificacao"]
    declaracao = inf.find(".//a:InfDeclaracaoPrestacaoServico", A)
    assert declaracao.findtext("a:Servico/a:Discriminacao", namespaces=A) == \
        "Nota fiscal referente a serviços prestados"
    assert declaracao.findtext("a:Servico/a:ItemListaServico", namespaces=A) == "01.07"
    assert [e["status"] for e in abrasf.emitidas()] == ["autorizada"]
    page = httpx.get(nota["url"])
    assert page.status_code == 200 and nota["codigo_verificacao"] in page.text
    assert "SEM VALIDADE JURÍDICA" in page.text  # a homologação note
    pdf = httpx.get(nota["url_danfse"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "SEM VALIDADE JURÍDICA" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()

    cancel = gateway.client.request("DELETE", "/v2/nfse/abrasf-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    cancelada = gateway.client.get("/v2/nfse/abrasf-1?completa=1").json()
    assert cancelada["status"] == "cancelado"
    assert [e["tipo"] for e in cancelada["eventos"]] == ["cancelado"]
    cancelamento = httpx.get(gateway.base_url + cancelada["caminho_xml_cancelamento"])
    assert b"Confirmacao" in cancelamento.content or b"NfseCancelamento" in cancelamento.content
    assert [e["status"] for e in abrasf.emitidas()] == ["cancelada"]


def test_substitution_chain(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    original = gateway.autorizar("abrasf-a", nota_abrasf())
    substituta = gateway.autorizar("abrasf-b", nota_abrasf(
        numero_rps_substituido=original["numero_rps"],
        serie_rps_substituido=original["serie_rps"]))
    assert substituta["numero_nfse_substituida"] == original["numero"]
    antiga = gateway.client.get("/v2/nfse/abrasf-a").json()
    assert antiga["status"] == "substituido"
    assert antiga["numero_nfse_substituta"] == substituta["numero"]
    status = {e["numero"]: e["status"] for e in abrasf.emitidas()}
    assert status == {int(original["numero"]): "substituida",
                      int(substituta["numero"]): "autorizada"}


def test_lost_answers_are_reconciled_not_resent(gateway: Gateway,
                                                abrasf: AbrasfSandbox) -> None:
    abrasf.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    nota = gateway.autorizar("abrasf-perdida", nota_abrasf())
    assert len(abrasf.emitidas()) == 1  # issued once, found by ConsultarNfsePorRps
    completa = gateway.client.get("/v2/nfse/abrasf-perdida?completa=1").json()
    assert completa["numero"] == nota["numero"]


def test_authority_errors_are_surfaced(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    body = nota_abrasf()
    body["tomador"]["cnpj"] = body["prestador"]["cnpj"]  # the sandbox refuses (E52)
    answer = gateway.client.post("/v2/nfse?ref=abrasf-erro", json=body)
    assert answer.status_code == 202
    nota = gateway.wait_final("abrasf-erro")
    assert nota["status"] == "erro_autorizacao"
    assert nota["erros"][0]["codigo"] == "E52"
    assert nota["erros"][0]["mensagem"]


def test_an_authority_out_of_the_air_shows_in_municipios(gateway: Gateway,
                                                         abrasf: AbrasfSandbox) -> None:
    settings = gateway.runtime.settings
    settings.breaker_failures, settings.breaker_open = 1, 0.3
    settings.abrasf_url_homologacao = f"https://127.0.0.1:{free_port()}/nfse"  # nobody there
    assert gateway.client.post("/v2/nfse?ref=abrasf-fora", json=nota_abrasf()).status_code == 202
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        municipio = gateway.client.get(f"/v2/municipios/{MUNICIPIO_ABRASF}").json()
        if municipio["status_nfse"] == "fora_do_ar":
            break
        time.sleep(0.05)
    assert municipio["status_nfse"] == "fora_do_ar"
    fora = gateway.client.get("/v2/municipios?status_nfse=fora_do_ar")
    # every ABRASF municipality's homologação is the one sandbox address here: all are down
    abrasf_homologacao = sorted(c for c in provedores.sementes() if routing.rota(c).provedor ==
                                "abrasf" and routing.rota(c).problema("homologacao") is None)
    assert MUNICIPIO_ABRASF in abrasf_homologacao
    assert fora.headers["X-Total-Count"] == str(len(abrasf_homologacao))
    listados = [m["codigo_municipio"] for m in fora.json()]
    while len(listados) < len(abrasf_homologacao):  # pages of 100
        pagina = gateway.client.get(f"/v2/municipios?status_nfse=fora_do_ar&offset="
                                    f"{len(listados)}").json()
        assert pagina
        listados += [m["codigo_municipio"] for m in pagina]
    assert sorted(listados) == abrasf_homologacao
    nacional = gateway.client.get("/v2/municipios/3516200").json()
    assert nacional["status_nfse"] == "ativo"  # another authority

    settings.abrasf_url_homologacao = abrasf.url  # back in the air: the probe goes through
    assert gateway.wait_final("abrasf-fora")["status"] == "autorizado"
    municipio = gateway.client.get(f"/v2/municipios/{MUNICIPIO_ABRASF}").json()
    assert municipio["status_nfse"] == "ativo"


def test_the_flat_door_is_always_the_national_standard(gateway: Gateway,
                                                       abrasf: AbrasfSandbox) -> None:
    body = nota_plana(codigo_municipio_emissora=MUNICIPIO_ABRASF,
                      codigo_municipio_prestacao=MUNICIPIO_ABRASF)
    assert gateway.client.post("/v2/nfsen?ref=nacional-em-sertaozinho",
                               json=body).status_code == 202
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        nota = gateway.client.get("/v2/nfsen/nacional-em-sertaozinho").json()
        if nota["status"] != "processando_autorizacao":
            break
        time.sleep(0.05)
    assert nota["status"] == "autorizado", nota
    assert len(nota["codigo_verificacao"]) == 50  # a national access key
    assert abrasf.emitidas() == [] and len(gateway.sandbox.emitidas()) == 1


def test_dry_run_builds_the_signed_abrasf_request(gateway: Gateway,
                                                  abrasf: AbrasfSandbox) -> None:
    answer = gateway.client.post("/v2/nfse?ref=abrasf-ensaio&dry_run=1", json=nota_abrasf())
    assert answer.status_code == 200
    body = answer.json()
    assert body["valido"] is True, body
    assert (body["provedor"], body["numero_rps"]) == ("abrasf", "1")
    envio = etree.fromstring(body["rps_xml"].encode())
    assert validate(envio, abrasf_xsd_dir() / SCHEMA) == []
    assert envio.find(".//{http://www.w3.org/2000/09/xmldsig#}Signature") is not None
    assert abrasf.emitidas() == []  # nothing sent
    assert gateway.client.get("/v2/nfse/abrasf-ensaio").status_code == 404  # nothing stored


LOTE_ASSINCRONO = """
[perfis.lote_assincrono]
padrao = "abrasf"
versao_soap = "1.2"
emissao = "RecepcionarLoteRps"
parametros_qualificados = true
assinatura = "sha256"

[municipios."3543402"]
perfil = "lote_assincrono"
url_producao = "https://nfse.example.invalid/producao"
url_homologacao = "https://nfse.example.invalid/homologacao"
"""


def test_asynchronous_lot_variant(gateway: Gateway, abrasf: AbrasfSandbox,
                                  tmp_path: Path) -> None:
    """A municipality configured for the asynchronous lot (and SOAP 1.2, qualified
    parameters, SHA-256): RecepcionarLoteRps, then ConsultarLoteRps by the protocol."""
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(LOTE_ASSINCRONO)
    routing.carregar(arquivo)
    try:
        body = nota_abrasf()
        body["prestador"]["codigo_municipio"] = "3543402"
        nota = gateway.autorizar("abrasf-lote", body)
        completa = gateway.client.get("/v2/nfse/abrasf-lote?completa=1").json()
        assert completa["numero"] == nota["numero"]
        [emitida] = abrasf.emitidas()
        assert (str(emitida["numero"]), emitida["status"]) == (nota["numero"], "autorizada")
        with gateway.runtime.engine.connect() as conn:
            kinds = set(conn.execute(select(artefatos.c.kind)).scalars())
        assert {"exchange:emissao:request", "exchange:consulta_lote:response"} <= kinds
    finally:
        routing.carregar(None)


def test_a_lost_cancel_answer_is_reconciled(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """The cancellation takes effect at the municipality but its answer never comes: the
    provider asks ConsultarNfsePorFaixa for the note, finds it cancelled, answers cancelado."""
    gateway.autorizar("abrasf-cancel-perdido", nota_abrasf())
    gateway.runtime.settings.authority_timeout = 1.0
    abrasf.inject("timeout_after_commit")
    cancel = gateway.client.request("DELETE", "/v2/nfse/abrasf-cancel-perdido",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert [e["status"] for e in abrasf.emitidas()] == ["cancelada"]
    nota = gateway.client.get("/v2/nfse/abrasf-cancel-perdido").json()
    assert httpx.get(gateway.base_url + nota["caminho_xml_cancelamento"]).status_code == 200
