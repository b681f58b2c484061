"""CTA 2.00 (Itaboraí) through the same contract: a note of a prestador in Itaboraí goes as an
``RpsNfse`` multipart file to the CTA sandbox with the security key computed from the
company's access key, comes back authorized, is read back (XML, DANFSe) and cancelled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from nfse.sandbox.cta import CtaSandbox
from tests.support import CNPJ, Gateway, nota_exemplo, pasta_sandbox, texto_danfse

pytestmark = pytest.mark.um_motor

ITABORAI = "3301900"
"""Itaboraí/RJ: CTA 2.00 (ACBr, seção [3301900])."""
CHAVE = "c7a-chave-de-acesso"


@pytest.fixture
def cta(gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CtaSandbox]:
    box = CtaSandbox(pasta_sandbox(tmp_path / "sandbox-cta"))
    box.start()
    monkeypatch.setenv("NFSE_CTA_URL_HOMOLOGACAO", box.url)
    monkeypatch.setenv("NFSE_CTA_CA_FILE", str(box.ca_file))
    box.trust(gateway.a1.cert)
    box.aceitar(CNPJ, CHAVE)
    gateway.credenciais_prefeitura(None, CHAVE)
    yield box
    box.stop()


def test_note_is_issued_queried_and_cancelled(gateway: Gateway, cta: CtaSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{ITABORAI}").json()
    assert (municipio["provedor_nfse"], municipio["nfse_habilitada"]) == ("cta", True)
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = ITABORAI
    body["servico"]["codigo_municipio"] = ITABORAI
    longa = gateway.client.post("/v2/nfse?ref=cta-0", json={
        **body, "servico": {**body["servico"], "discriminacao": "x" * 61}})
    assert longa.status_code == 400, longa.text
    assert "60" in longa.text

    nota = gateway.autorizar("cta-1", body)
    [emitida] = cta.emitidas()
    assert (nota["numero"], nota["codigo_verificacao"]) == ("1", emitida["codigo"])
    assert emitida["rps"] == str(nota["numero_rps"])
    enviada = etree.fromstring(emitida["xml"].encode("windows-1252"))
    assert enviada.findtext("Producao") == "1"
    assert CHAVE not in emitida["xml"]
    guardada = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content
    assert etree.fromstring(guardada).findtext("NumeroNFSe") == "1"

    consultada = gateway.client.get("/v2/nfse/cta-1").json()
    assert (consultada["status"], consultada["numero"]) == ("autorizado", "1")
    texto = texto_danfse(nota["url_danfse"])
    for esperado in (nota["codigo_verificacao"], "07.504.505/0001-32", "Itaboraí/RJ",
                     "Nota fiscal referente a serviços prestados", "R$ 1,00", "3,00%"):
        assert esperado in texto, esperado
    assert "CANCELADA" not in texto

    cancel = gateway.client.request("DELETE", "/v2/nfse/cta-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/cta-1").json()["status"] == "cancelado"
    [cancelada] = cta.emitidas()
    assert (cancelada["status"], cancelada["justificativa"]) == \
        ("cancelada", "Erro na emissão da nota fiscal")
    assert "CANCELADA" in texto_danfse(nota["url_danfse"])

