"""SigISS (Marília) through the same contract: a note of a prestador in Marília goes as
``GerarNota`` to the SigISS sandbox with the company's ccm, CNPJ and password, comes back
authorized with its number and authenticity code, is read back (XML without the password,
DANFSe) and cancelled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from nfse.sandbox.sigiss import SigissSandbox
from tests.support import CNPJ, IM, Gateway, nota_exemplo, pasta_sandbox, texto_danfse

pytestmark = pytest.mark.um_motor

MARILIA = "3529005"
"""Marília/SP: SigISS 1.00 (ACBr, seção [3529005])."""
SENHA = "s3nh@Sig"
NS = "{urn:sigiss_ws}"


@pytest.fixture
def sigiss(gateway: Gateway, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[SigissSandbox]:
    box = SigissSandbox(pasta_sandbox(tmp_path / "sandbox-sigiss"))
    box.start()
    monkeypatch.setenv("NFSE_SIGISS_URL_HOMOLOGACAO", box.url)
    monkeypatch.setenv("NFSE_SIGISS_CA_FILE", str(box.ca_file))
    box.trust(gateway.a1.cert)
    box.aceitar(IM, CNPJ, SENHA)
    gateway.credenciais_prefeitura(None, SENHA)
    yield box
    box.stop()


def test_note_is_issued_queried_and_cancelled(gateway: Gateway, sigiss: SigissSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{MARILIA}").json()
    assert (municipio["provedor_nfse"], municipio["nfse_habilitada"]) == ("sigiss", True)
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = MARILIA
    body["servico"]["codigo_municipio"] = MARILIA
    longa = gateway.client.post("/v2/nfse?ref=sig-0", json={
        **body, "servico": {**body["servico"], "discriminacao": "x" * 151}})
    assert longa.status_code == 400, longa.text
    assert "150" in longa.text

    nota = gateway.autorizar("sig-1", body)
    [emitida] = sigiss.emitidas()
    assert (nota["numero"], nota["codigo_verificacao"]) == ("1", emitida["autenticidade"])
    assert emitida["rps"] == str(nota["numero_rps"])
    enviada = etree.fromstring(emitida["xml"].encode())
    assert enviada.findtext(f".//{NS}senha") == SENHA
    assert enviada.findtext(f".//{NS}valor") == "1,0000"
    guardada = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content
    assert SENHA.encode() not in guardada
    assert etree.fromstring(guardada).findtext(f"{NS}RetornoNota/{NS}Nota") == "1"

    consultada = gateway.client.get("/v2/nfse/sig-1").json()
    assert (consultada["status"], consultada["numero"]) == ("autorizado", "1")
    texto = texto_danfse(nota["url_danfse"])
    for esperado in (nota["codigo_verificacao"], "07.504.505/0001-32", "Curitiba/PR",
                     "Nota fiscal referente a serviços prestados", "R$ 1,00"):
        assert esperado in texto, esperado
    assert "CANCELADA" not in texto

    cancel = gateway.client.request("DELETE", "/v2/nfse/sig-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/sig-1").json()["status"] == "cancelado"
    [cancelada] = sigiss.emitidas()
    assert (cancelada["status"], cancelada["motivo"]) == \
        ("cancelada", "Erro na emissão da nota fiscal")
    assert "CANCELADA" in texto_danfse(nota["url_danfse"])

