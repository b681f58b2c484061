"""Giap (own REST layout) through the same contract: a note of a prestador in a Giap city
goes as ``<nfe><notaFiscal>`` to the Giap sandbox with the header
``Authorization: <inscrição municipal>-<chave>``, comes back authorized with its number and
verification code, is cancelled; a lost answer is never resent (Giap has no query by RPS);
a wrong or missing key is the company's failure."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree
from pypdf import PdfReader

from nfse.sandbox.giap import GiapSandbox
from tests.support import IM, Gateway, nota_exemplo, pasta_sandbox

ARARAQUARA = "3503208"
"""Araraquara/SP: Giap (ACBr, seção [3503208])."""
CHAVE = "chave-de-autorizacao"


@pytest.fixture
def giap(gateway: Gateway, tmp_path: Path) -> Iterator[GiapSandbox]:
    box = GiapSandbox(pasta_sandbox(tmp_path / "sandbox-giap"))
    box.start()
    gateway.runtime.settings.giap_url_homologacao = box.url
    gateway.runtime.settings.giap_ca_file = str(box.ca_file)
    box.trust(gateway.a1.cert)
    box.aceitar(IM, CHAVE)
    gateway.credenciais_prefeitura(None, CHAVE)
    yield box
    box.stop()


def nota_giap(**overrides: object) -> dict:
    body = nota_exemplo(**overrides)
    body["prestador"]["codigo_municipio"] = ARARAQUARA
    body["servico"]["codigo_municipio"] = ARARAQUARA
    return body


def test_note_is_issued_queried_and_cancelled(gateway: Gateway, giap: GiapSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{ARARAQUARA}").json()
    assert municipio["provedor_nfse"] == "giap"
    assert municipio["nfse_habilitada"] is True
    nota = gateway.autorizar("giap-1", nota_giap())
    assert nota["numero"] == "1"
    [emitida] = giap.emitidas()
    assert emitida["codigo_verificacao"] == nota["codigo_verificacao"]
    assert (emitida["inscricao"], emitida["rps"]) == (IM, str(nota["numero_rps"]))
    enviado = etree.fromstring(emitida["xml"].encode())
    assert enviado.findtext("notaFiscal/detalheServico/item/valor") == "1.00"
    assert enviado.findtext("notaFiscal/detalheServico/item/aliquota") == "3.00"
    assert enviado.findtext("notaFiscal/detalheServico/item/codigo") == "107"
    assert enviado.findtext("notaFiscal/dadosServico/cidade") == "Araraquara"
    assert enviado.findtext("notaFiscal/dadosTomador/cidade") == "Curitiba"
    assert enviado.findtext("notaFiscal/dadosTomador/tipoDoc") == "J"
    xml = etree.fromstring(httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content)
    assert xml.findtext("dadosPrestador/numeroNota") == "1"
    assert xml.findtext("dadosPrestador/codigoVerificacao") == nota["codigo_verificacao"]

    consultada = gateway.client.get("/v2/nfse/giap-1").json()
    assert (consultada["status"], consultada["numero"]) == ("autorizado", "1")

    cancel = gateway.client.request("DELETE", "/v2/nfse/giap-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/giap-1").json()["status"] == "cancelado"
    [cancelada] = giap.emitidas()
    assert cancelada["status"] == "cancelada"


def test_dry_run_builds_the_document_and_sends_nothing(gateway: Gateway,
                                                       giap: GiapSandbox) -> None:
    answer = gateway.client.post("/v2/nfse?ref=giap-ensaio&dry_run=1", json=nota_giap())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["valido"], body["provedor"]) == (True, "giap"), body
    documento = etree.fromstring(body["rps_xml"].encode())
    assert documento.findtext("notaFiscal/dadosPrestador/im") == IM
    assert giap.emitidas() == []


@pytest.mark.parametrize("falha", ["timeout_after_commit", "reset"])
def test_a_lost_answer_is_never_resent(gateway: Gateway, giap: GiapSandbox,
                                       falha: str) -> None:
    """Giap issued the note and its answer was lost: Giap finds notes only by the
    verification code the lost answer carried, so the note waits saying so and the RPS is
    not sent again (docs/giap.md)."""
    giap.inject(falha)
    answer = gateway.client.post("/v2/nfse?ref=giap-perdida", json=nota_giap())
    assert answer.status_code == 202, answer.text
    nota = gateway.ate("giap-perdida", lambda n: "código de verificação" in str(n))
    assert nota["status"] == "processando_autorizacao", nota
    assert "código de verificação" in nota["mensagem"], nota
    assert len(giap.emitidas()) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_a_wrong_key_leaves_the_note_waiting_as_the_companys_failure(
        gateway: Gateway, giap: GiapSandbox, status: int) -> None:
    giap.status_recusa = status
    gateway.credenciais_prefeitura(None, "chave-errada")
    answer = gateway.client.post("/v2/nfse?ref=giap-chave", json=nota_giap())
    assert answer.status_code == 202, answer.text
    nota = gateway.ate("giap-chave", lambda n: "senha_responsavel" in str(n))
    assert nota["status"] == "processando_autorizacao", nota
    assert "chave de autorização" in str(nota), nota
    assert giap.emitidas() == []
    gateway.credenciais_prefeitura(None, CHAVE)
    assert gateway.wait_final("giap-chave", timeout=60)["status"] == "autorizado"


def test_without_a_key_the_note_is_refused_saying_what_to_register(
        gateway: Gateway, giap: GiapSandbox) -> None:
    gateway.credenciais_prefeitura(None, None)
    answer = gateway.client.post("/v2/nfse?ref=giap-sem", json=nota_giap())
    assert answer.status_code == 202, answer.text
    nota = gateway.wait_final("giap-sem")
    assert nota["status"] == "erro_autorizacao"
    [erro] = nota["erros"]
    assert erro["codigo"] == "credenciais_prefeitura_ausentes"
    assert "senha_responsavel" in erro["correcao"]


def test_the_note_has_its_danfse_which_shows_the_cancellation(
        gateway: Gateway, giap: GiapSandbox) -> None:
    nota = gateway.autorizar("giap-pdf", nota_giap())
    answer = httpx.get(nota["url_danfse"])
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    texto = PdfReader(io.BytesIO(answer.content)).pages[0].extract_text()
    for esperado in (nota["codigo_verificacao"], "Araraquara/SP", IM, "07.504.505/0001-32",
                     "Acras Tecnologia da Informação LTDA", "Curitiba/PR",
                     "Nota fiscal referente a serviços prestados", "R$ 1,00", "3,00%",
                     "SEM VALIDADE JURÍDICA"):
        assert esperado in texto, esperado
    assert "CANCELADA" not in texto
    cancel = gateway.client.request("DELETE", "/v2/nfse/giap-pdf",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    depois = httpx.get(nota["url_danfse"])
    assert "CANCELADA" in PdfReader(io.BytesIO(depois.content)).pages[0].extract_text()
