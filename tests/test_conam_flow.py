"""Conam (own layout, asynchronous lots) through the same contract: a note of a prestador in
a Conam city goes as a lot (PROCESSARPS) with the company's user and contributor codes, is
waited for by its protocol (CONSULTAPROTOCOLO, CONSULTANOTASPROTOCOLO) inside one attempt,
comes back authorized with Conam's number and verification code, and is cancelled with the
series and numbers of the note and of its RPS; its DANFSe is our page of the
``Reg20Item``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree
from pypdf import PdfReader

from nfse.sandbox.conam import ConamSandbox
from tests.support import CNPJ, Gateway, nota_exemplo, pasta_sandbox

pytestmark = pytest.mark.um_motor

TABOAO = "3552809"
"""Taboão da Serra/SP: Conam (ACBr, seção [3552809])."""
USUARIO, CONTRIBUINTE = "usuario-conam", "contribuinte-conam"


@pytest.fixture
def conam(gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[ConamSandbox]:
    box = ConamSandbox(pasta_sandbox(tmp_path / "sandbox-conam"))
    box.start()
    monkeypatch.setenv("NFSE_CONAM_URL_HOMOLOGACAO", box.url)
    monkeypatch.setenv("NFSE_CONAM_CA_FILE", str(box.ca_file))
    box.trust(gateway.a1.cert)
    box.aceitar(USUARIO, CONTRIBUINTE, CNPJ)
    gateway.credenciais_prefeitura(USUARIO, CONTRIBUINTE)
    yield box
    box.stop()


def test_note_is_issued_queried_and_cancelled(gateway: Gateway, conam: ConamSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{TABOAO}").json()
    assert (municipio["provedor_nfse"], municipio["nfse_habilitada"]) == ("conam", True)
    conam.prefeitura.consultas_em_processamento = 1  # the first question finds it processing
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = TABOAO
    body["servico"]["codigo_municipio"] = TABOAO
    nota = gateway.autorizar("conam-1", body)
    [emitida] = conam.emitidas()
    assert (nota["numero"], nota["codigo_verificacao"]) == ("1", emitida["codigo_verificacao"])
    assert (emitida["rps"], emitida["serie_rps"]) == (str(nota["numero_rps"]),
                                                       nota["serie_rps"])
    [recebido] = conam.lotes()
    sdtrps = etree.fromstring(recebido["sdtrps"].encode())
    assert (sdtrps.findtext("CPFCNPJ"), sdtrps.findtext("Reg20/Reg20Item/VlNFS"),
            sdtrps.findtext("Reg20/Reg20Item/MunTom")) == (CNPJ, "1,00", "CURITIBA")
    xml = etree.fromstring(httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content)
    assert xml.findtext("Reg20Item/NumNf") == "1"
    assert httpx.get(nota["url"]).status_code == 200
    pdf = httpx.get(nota["url_danfse"])
    assert pdf.headers["content-type"] == "application/pdf"
    texto = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    for esperado in (nota["codigo_verificacao"], "CURITIBA/PR", "07.504.505/0001-32",
                     "R$ 1,00", "3,00%", "Conam"):
        assert esperado in texto, esperado

    consultada = gateway.client.get("/v2/nfse/conam-1").json()
    assert (consultada["status"], consultada["numero"]) == ("autorizado", "1")

    cancel = gateway.client.request("DELETE", "/v2/nfse/conam-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/conam-1").json()["status"] == "cancelado"
    assert "CANCELADA" in PdfReader(io.BytesIO(httpx.get(nota["url_danfse"]).content)
                                    ).pages[0].extract_text()
    [cancelada] = conam.emitidas()
    assert (cancelada["status"], cancelada["motivo"]) == ("cancelada",
                                                          "Erro na emissão da nota fiscal")
