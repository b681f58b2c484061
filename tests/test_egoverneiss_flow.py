"""eGoverneISS (Osasco) through the same contract: a note of a prestador in Osasco goes as
``RTC_EmitirNFE`` to the eGoverneISS sandbox with the company's access key, comes back
authorized with its number and verification code, is read back and cancelled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from nfse.sandbox.egoverneiss import EgoverneissSandbox
from tests.support import Gateway, nota_exemplo, pasta_sandbox, texto_danfse

pytestmark = pytest.mark.um_motor

OSASCO = "3534401"
"""Osasco/SP: eGoverneISS (ACBr, seção [3534401])."""
CHAVE = "5f2b9c1e-0a4d-4c3b-9e8f-7a6b5c4d3e2f"
DTO = "{http://schemas.datacontract.org/2004/07/Eissnfe.Dominio.DataTransferObject.Prestador}"


@pytest.fixture
def egoverneiss(gateway: Gateway, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[EgoverneissSandbox]:
    box = EgoverneissSandbox(pasta_sandbox(tmp_path / "sandbox-egoverneiss"))
    box.start()
    monkeypatch.setenv("NFSE_EGOVERNEISS_URL_HOMOLOGACAO", box.url)
    monkeypatch.setenv("NFSE_EGOVERNEISS_CA_FILE", str(box.ca_file))
    box.trust(gateway.a1.cert)
    box.aceitar(CHAVE, "EMPRESA TESTE LTDA")
    gateway.credenciais_prefeitura(None, CHAVE)
    yield box
    box.stop()


def test_note_is_issued_queried_and_cancelled(gateway: Gateway,
                                              egoverneiss: EgoverneissSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{OSASCO}").json()
    assert (municipio["provedor_nfse"], municipio["nfse_habilitada"]) == ("egoverneiss", True)
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = OSASCO
    body["servico"]["codigo_municipio"] = OSASCO
    nota = gateway.autorizar("egov-1", body)
    [emitida] = egoverneiss.emitidas()
    assert (nota["numero"], nota["codigo_verificacao"]) == ("1", emitida["autenticador"])
    assert emitida["recibo"] == str(nota["numero_rps"])
    enviada = etree.fromstring(emitida["xml"].encode())
    assert enviada.findtext(f".//{DTO}ChaveAutenticacao") == CHAVE
    assert enviada.findtext(f".//{DTO}Homologacao") == "true"
    guardada = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content
    assert CHAVE.encode() not in guardada
    assert etree.fromstring(guardada).findtext(f"{DTO}NotaFiscalGerada/{DTO}Numero") == "1"

    consultada = gateway.client.get("/v2/nfse/egov-1").json()
    assert (consultada["status"], consultada["numero"]) == ("autorizado", "1")
    texto = texto_danfse(nota["url_danfse"])
    for esperado in (nota["codigo_verificacao"], "Osasco/SP", "07.504.505/0001-32",
                     "Nota fiscal referente a serviços prestados", "R$ 1,00", "3,00%"):
        assert esperado in texto, esperado
    assert "CANCELADA" not in texto

    cancel = gateway.client.request("DELETE", "/v2/nfse/egov-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/egov-1").json()["status"] == "cancelado"
    [cancelada] = egoverneiss.emitidas()
    assert (cancelada["status"], cancelada["motivo"]) == \
        ("cancelada", "Erro na emissão da nota fiscal")
    assert "CANCELADA" in texto_danfse(nota["url_danfse"])

