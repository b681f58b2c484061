"""IPM (Atende.Net, own layout 1.01) through the same contract: a note of a prestador in an IPM
city goes as a multipart XML file, authenticated by the company's portal user and password,
to the IPM sandbox, comes back authorized with its number and verification code, is
cancelled; a lost answer is reconciled by ``consulta_rps``, never resent; wrong or missing
credentials are the company's failure."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree
from pypdf import PdfReader

from nfse.sandbox.ipm import IpmSandbox
from tests.support import CNPJ, Gateway, nota_exemplo, pasta_sandbox

CASCAVEL = "4104808"
"""Cascavel/PR: IPM 1.01 (ACBr), TOM code 7493."""
SENHA = "senha-do-portal"


@pytest.fixture
def ipm(gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> Iterator[IpmSandbox]:
    box = IpmSandbox(pasta_sandbox(tmp_path / "sandbox-ipm"))
    box.start()
    gateway.runtime.settings.ipm_url_homologacao = box.url
    gateway.runtime.settings.ipm_ca_file = str(box.ca_file)
    box.trust(gateway.a1.cert)
    box.aceitar(CNPJ, SENHA)
    gateway.credenciais_prefeitura(CNPJ, SENHA)
    yield box
    box.stop()


def nota_ipm(**overrides: object) -> dict:
    body = nota_exemplo(**overrides)
    body["prestador"]["codigo_municipio"] = CASCAVEL
    body["servico"]["codigo_municipio"] = CASCAVEL
    return body


def test_note_is_issued_and_cancelled(gateway: Gateway, ipm: IpmSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{CASCAVEL}").json()
    assert municipio["provedor_nfse"] == "ipm"
    assert municipio["nfse_habilitada"] is True
    nota = gateway.autorizar("ipm-1", nota_ipm())
    assert nota["numero"] == "1"
    [emitida] = ipm.emitidas()
    assert emitida["codigo_verificacao"] == nota["codigo_verificacao"]
    assert (emitida["cidade"], emitida["cpfcnpj"]) == ("7493", CNPJ)
    assert emitida["identificador"] == f"nfse_{nota['numero_rps']}.{nota['serie_rps']}"
    enviado = etree.fromstring(emitida["xml"].encode())
    assert enviado.findtext("nf/valor_total") == "1,00"
    assert enviado.findtext("itens/lista/aliquota_item_lista_servico") == "3,0000"
    assert enviado.findtext("itens/lista/codigo_item_lista_servico") == "0107"
    assert enviado.findtext("tomador/cidade") == "7535"  # Curitiba's TOM code
    xml = etree.fromstring(httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content)
    assert xml.findtext("nf/numero_nfse") == "1"
    assert xml.findtext("nf/cod_verificador_autenticidade") == nota["codigo_verificacao"]

    cancel = gateway.client.request("DELETE", "/v2/nfse/ipm-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/ipm-1").json()["status"] == "cancelado"
    [cancelada] = ipm.emitidas()
    assert cancelada["status"] == "cancelada"
    assert cancelada["motivo_cancelamento"] == "Erro na emissão da nota fiscal"


def test_dry_run_builds_the_document_and_sends_nothing(gateway: Gateway,
                                                       ipm: IpmSandbox) -> None:
    answer = gateway.client.post("/v2/nfse?ref=ipm-ensaio&dry_run=1", json=nota_ipm())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["valido"], body["provedor"]) == (True, "ipm"), body
    documento = etree.fromstring(body["rps_xml"].encode())
    assert documento.findtext("tomador/complemento") == "Prédio 04 - Sala 34C"
    assert documento.findtext("prestador/cidade") == "7493"
    assert ipm.emitidas() == []
    assert gateway.client.get("/v2/nfse/ipm-ensaio").status_code == 404


def test_the_note_has_its_danfse_which_shows_the_cancellation(
        gateway: Gateway, ipm: IpmSandbox) -> None:
    nota = gateway.autorizar("ipm-pdf", nota_ipm())
    answer = httpx.get(nota["url_danfse"])
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    texto = PdfReader(io.BytesIO(answer.content)).pages[0].extract_text()
    for esperado in (nota["codigo_verificacao"], "Cascavel/PR", "11.222.333/0001-81",
                     "Acras Tecnologia da Informação LTDA", "07.504.505/0001-32",
                     "Nota fiscal referente a serviços prestados", "R$ 1,00", "3,00%",
                     "SEM VALIDADE JURÍDICA"):
        assert esperado in texto, esperado
    assert "CANCELADA" not in texto
    cancel = gateway.client.request("DELETE", "/v2/nfse/ipm-pdf",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    depois = httpx.get(nota["url_danfse"])
    assert "CANCELADA" in PdfReader(io.BytesIO(depois.content)).pages[0].extract_text()


@pytest.mark.parametrize("falha", ["timeout_after_commit", "reset"])
def test_a_lost_answer_is_reconciled_not_resent(gateway: Gateway, ipm: IpmSandbox,
                                                falha: str) -> None:
    """IPM issued the note and its answer was lost: consulta_rps finds it."""
    ipm.inject(falha)
    nota = gateway.autorizar("ipm-perdida", nota_ipm())
    assert [e["numero"] for e in ipm.emitidas()] == [int(nota["numero"])]


def test_an_emission_that_never_reached_ipm_is_not_resent_blindly(
        gateway: Gateway, ipm: IpmSandbox) -> None:
    """An HTTP 500 before IPM processed anything: the query finds no note, and since IPM
    publishes no "not found" code the note waits with the query's message instead of being
    sent again (docs/ipm.md)."""
    ipm.inject("http500")
    answer = gateway.client.post("/v2/nfse?ref=ipm-500", json=nota_ipm())
    assert answer.status_code == 202, answer.text
    nota = gateway.ate("ipm-500", lambda n: "consulta do RPS" in str(n.get("mensagem")))
    assert nota["status"] == "processando_autorizacao", nota
    assert "consulta do RPS" in nota["mensagem"], nota
    assert ipm.emitidas() == []


@pytest.mark.parametrize("status", [401, 403])
def test_wrong_credentials_leave_the_note_waiting_as_the_companys_failure(
        gateway: Gateway, ipm: IpmSandbox, status: int) -> None:
    """Refused with 401 or 403, the note waits with a message about the portal user (not
    about the certificate, which IPM does not ask for) and goes once it is corrected."""
    ipm.status_recusa = status
    gateway.credenciais_prefeitura(CNPJ, "senha-errada")
    answer = gateway.client.post("/v2/nfse?ref=ipm-senha", json=nota_ipm())
    assert answer.status_code == 202, answer.text
    nota = gateway.ate("ipm-senha", lambda n: "senha_responsavel" in str(n))
    assert nota["status"] == "processando_autorizacao", nota
    assert "senha_responsavel" in str(nota), nota
    assert "Certificado" not in str(nota), nota
    assert ipm.emitidas() == []
    gateway.credenciais_prefeitura(CNPJ, SENHA)
    assert gateway.wait_final("ipm-senha", timeout=60)["status"] == "autorizado"


def test_without_credentials_the_note_is_refused_saying_what_to_register(
        gateway: Gateway, ipm: IpmSandbox) -> None:
    gateway.credenciais_prefeitura(None, None)
    answer = gateway.client.post("/v2/nfse?ref=ipm-sem", json=nota_ipm())
    assert answer.status_code == 202, answer.text
    nota = gateway.wait_final("ipm-sem")
    assert nota["status"] == "erro_autorizacao"
    [erro] = nota["erros"]
    assert erro["codigo"] == "credenciais_prefeitura_ausentes"
    assert "login_responsavel" in erro["correcao"]


def test_a_municipality_unknown_to_the_tom_table_is_refused_at_post(
        gateway: Gateway, ipm: IpmSandbox) -> None:
    body = nota_ipm()
    body["tomador"]["endereco"].update(codigo_municipio="5101837", uf="MT")  # no TOM code
    answer = gateway.client.post("/v2/nfse?ref=ipm-tom", json=body)
    assert answer.status_code == 400, answer.text
    assert "tomador.endereco.codigo_municipio" in answer.text
