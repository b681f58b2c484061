"""SigISSWeb (own REST layout) through the same contract: the gateway logs in with the
company's login and password, sends the ``<notafiscal>`` with the token, the note comes back
authorized, is queried and cancelled (by number and series, the justification in the path);
a lost answer is reconciled by ``pegaxml`` of the RPS, never resent; a refused login is the
company's failure."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree
from pypdf import PdfReader

from nfse.sandbox.sigissweb import SigisswebSandbox
from tests.support import CNPJ, Gateway, nota_exemplo, pasta_sandbox

ARARAS = "3503307"
"""Araras/SP: SigISSWeb (ACBr, seção [3503307])."""
SENHA = "senha-do-sigissweb"


@pytest.fixture
def sigiss(gateway: Gateway, tmp_path: Path) -> Iterator[SigisswebSandbox]:
    box = SigisswebSandbox(pasta_sandbox(tmp_path / "sandbox-sigissweb"))
    box.start()
    gateway.runtime.settings.sigissweb_url_homologacao = box.url
    gateway.runtime.settings.sigissweb_ca_file = str(box.ca_file)
    box.trust(gateway.a1.cert)
    box.aceitar(CNPJ, SENHA)
    gateway.credenciais_prefeitura(CNPJ, SENHA)
    yield box
    box.stop()


def nota_sigiss(**overrides: object) -> dict:
    body = nota_exemplo(**overrides)
    body["prestador"]["codigo_municipio"] = ARARAS
    body["servico"]["codigo_municipio"] = ARARAS
    return body


def test_note_is_issued_queried_and_cancelled(gateway: Gateway,
                                              sigiss: SigisswebSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{ARARAS}").json()
    assert municipio["provedor_nfse"] == "sigissweb"
    assert municipio["nfse_habilitada"] is True
    nota = gateway.autorizar("sigiss-1", nota_sigiss())
    assert nota["numero"] == "1"
    [emitida] = sigiss.emitidas()
    assert emitida["codigo_verificacao"] == nota["codigo_verificacao"]
    assert (emitida["prestador"], emitida["rps"]) == (CNPJ, str(nota["numero_rps"]))
    enviado = etree.fromstring(emitida["xml"].encode())
    assert enviado.findtext("valor_nf") == "1,00"
    assert enviado.findtext("aliq_iss") == "3,00"
    assert enviado.findtext("id_codigo_servico") == "01.07"
    assert enviado.findtext("cidade_destinatario") == "Curitiba"
    assert enviado.findtext("cidade_local_prest") == "Araras"
    xml = etree.fromstring(httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content)
    assert xml.findtext("numero_nf") == "1"
    assert xml.findtext("codigo") == nota["codigo_verificacao"]

    consultada = gateway.client.get("/v2/nfse/sigiss-1").json()
    assert (consultada["status"], consultada["numero"]) == ("autorizado", "1")

    cancel = gateway.client.request("DELETE", "/v2/nfse/sigiss-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/sigiss-1").json()["status"] == "cancelado"
    [cancelada] = sigiss.emitidas()
    assert cancelada["status"] == "cancelada"
    assert cancelada["motivo_cancelamento"] == "Erro na emissão da nota fiscal"


@pytest.mark.parametrize("falha", ["timeout_after_commit", "reset"])
def test_a_lost_answer_is_reconciled_not_resent(gateway: Gateway, sigiss: SigisswebSandbox,
                                                falha: str) -> None:
    sigiss.inject(falha)
    nota = gateway.autorizar("sigiss-perdida", nota_sigiss())
    assert [e["numero"] for e in sigiss.emitidas()] == [nota["numero"]]
    assert nota["codigo_verificacao"] == sigiss.emitidas()[0]["codigo_verificacao"]


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_login_leaves_the_note_waiting_as_the_companys_failure(
        gateway: Gateway, sigiss: SigisswebSandbox, status: int) -> None:
    sigiss.status_recusa = status
    gateway.credenciais_prefeitura(CNPJ, "senha-errada")
    answer = gateway.client.post("/v2/nfse?ref=sigiss-senha", json=nota_sigiss())
    assert answer.status_code == 202, answer.text
    nota = gateway.ate("sigiss-senha", lambda n: "senha_responsavel" in str(n))
    assert nota["status"] == "processando_autorizacao", nota
    assert "Certificado" not in str(nota), nota
    assert sigiss.emitidas() == []
    gateway.credenciais_prefeitura(CNPJ, SENHA)
    assert gateway.wait_final("sigiss-senha", timeout=60)["status"] == "autorizado"


def test_without_a_password_the_note_is_refused_saying_what_to_register(
        gateway: Gateway, sigiss: SigisswebSandbox) -> None:
    gateway.credenciais_prefeitura(None, None)
    answer = gateway.client.post("/v2/nfse?ref=sigiss-sem", json=nota_sigiss())
    assert answer.status_code == 202, answer.text
    nota = gateway.wait_final("sigiss-sem")
    assert nota["status"] == "erro_autorizacao"
    [erro] = nota["erros"]
    assert erro["codigo"] == "credenciais_prefeitura_ausentes"
    assert "senha_responsavel" in erro["correcao"]


def test_the_note_has_its_danfse_which_shows_the_cancellation(
        gateway: Gateway, sigiss: SigisswebSandbox) -> None:
    nota = gateway.autorizar("sigiss-pdf", nota_sigiss())
    answer = httpx.get(nota["url_danfse"])
    assert answer.status_code == 200, answer.text
    texto = PdfReader(io.BytesIO(answer.content)).pages[0].extract_text()
    for esperado in (nota["codigo_verificacao"], "Araras/SP", "11.222.333/0001-81",
                     "07.504.505/0001-32", "Acras Tecnologia da Informação LTDA",
                     "Nota fiscal referente a serviços prestados", "R$ 1,00", "3,00%",
                     "SEM VALIDADE JURÍDICA"):
        assert esperado in texto, esperado
    assert "CANCELADA" not in texto
    cancel = gateway.client.request("DELETE", "/v2/nfse/sigiss-pdf",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    depois = httpx.get(nota["url_danfse"])
    assert "CANCELADA" in PdfReader(io.BytesIO(depois.content)).pages[0].extract_text()
