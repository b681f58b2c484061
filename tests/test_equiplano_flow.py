"""Equiplano (e-NFS, own layout in SOAP) through the same contract: a note of a prestador in
Francisco Beltrão goes as a signed lot of one RPS with the city's idEntidade to the Equiplano
sandbox, whose protocol is followed until the lot is processed; the note comes back
authorized with its number and authentication code, is found again and is cancelled."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree
from pypdf import PdfReader

from nfse.sandbox.equiplano import EquiplanoSandbox
from tests.support import CNPJ, Gateway, nota_exemplo, pasta_sandbox

pytestmark = pytest.mark.um_motor

FRANCISCO_BELTRAO = "4108403"
ENTIDADE = "35"
"""Francisco Beltrão's id_entidade in the shipped registry (ACBr: CodigoCidade 35)."""


@pytest.fixture
def equiplano(gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
              ) -> Iterator[EquiplanoSandbox]:
    box = EquiplanoSandbox(pasta_sandbox(tmp_path / "sandbox-equiplano"), ENTIDADE)
    box.start()
    monkeypatch.setenv("NFSE_EQUIPLANO_URL_HOMOLOGACAO", box.url)
    monkeypatch.setenv("NFSE_EQUIPLANO_CA_FILE", str(box.ca_file))
    box.trust(gateway.a1.cert)
    yield box
    box.stop()


def test_note_is_issued_queried_and_cancelled(gateway: Gateway,
                                              equiplano: EquiplanoSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{FRANCISCO_BELTRAO}").json()
    assert (municipio["provedor_nfse"], municipio["nfse_habilitada"]) == ("equiplano", True)
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = FRANCISCO_BELTRAO
    body["servico"]["codigo_municipio"] = FRANCISCO_BELTRAO
    nota = gateway.autorizar("equiplano-1", body)
    assert nota["numero"] == "1"
    [emitida] = equiplano.emitidas()
    assert emitida["codigo_verificacao"] == nota["codigo_verificacao"]
    assert (emitida["cnpj"], emitida["rps"]) == (CNPJ, str(nota["numero_rps"]))
    rps = etree.fromstring(emitida["xml"].encode())
    assert (rps.findtext("listaServicos/servico/nrServicoItem"),
            rps.findtext("listaServicos/servico/nrServicoSubItem")) == ("1", "7")
    assert rps.findtext("tomador/nrCidadeIbge") == "4106902"

    pagina = PdfReader(io.BytesIO(httpx.get(nota["url_danfse"]).content)).pages[0]
    texto = pagina.extract_text()
    for esperado in (nota["codigo_verificacao"],
                     "Francisco Beltrão/PR",
                     "Acras Tecnologia da Informação LTDA", "R$ 1,00", "01.07"):
        assert esperado in texto, esperado

    consultada = gateway.client.get("/v2/nfse/equiplano-1").json()
    assert (consultada["status"], consultada["numero"]) == ("autorizado", "1")

    cancel = gateway.client.request("DELETE", "/v2/nfse/equiplano-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/equiplano-1").json()["status"] == "cancelado"
    depois = PdfReader(io.BytesIO(httpx.get(nota["url_danfse"]).content)).pages[0]
    assert "CANCELADA" in depois.extract_text()
    [cancelada] = equiplano.emitidas()
    assert (cancelada["status"], cancelada["motivo"]) == ("cancelada",
                                                          "Erro na emissão da nota fiscal")
