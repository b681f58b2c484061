"""Agili (own layout, nfse_v_1.00.xsd) through the same contract: a note of a prestador in
Rondonópolis goes as GerarNfseEnvio, with the Prefeitura's CNPJ as UnidadeGestora and the
company's digital key (senha_responsavel), to the Agili sandbox; it comes back authorized
with its number and authenticity code, is found again and is cancelled."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree
from pypdf import PdfReader

from nfse.sandbox.agili import AgiliSandbox
from tests.support import CNPJ, Gateway, nota_exemplo, pasta_sandbox

pytestmark = pytest.mark.um_motor

RONDONOPOLIS = "5107602"
UNIDADE = "03347101000121"
"""Rondonópolis' unidade_gestora in the shipped registry."""
CHAVE = "0123456789abcdef0123456789ABCDEF"
NS = {"a": "http://www.agili.com.br/nfse_v_1.00.xsd"}


@pytest.fixture
def agili(gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[AgiliSandbox]:
    box = AgiliSandbox(pasta_sandbox(tmp_path / "sandbox-agili"), UNIDADE)
    box.start()
    monkeypatch.setenv("NFSE_AGILI_URL_HOMOLOGACAO", box.url)
    monkeypatch.setenv("NFSE_AGILI_CA_FILE", str(box.ca_file))
    box.trust(gateway.a1.cert)
    box.aceitar(CNPJ, CHAVE)
    gateway.credenciais_prefeitura(None, CHAVE)
    yield box
    box.stop()


def test_note_is_issued_queried_and_cancelled(gateway: Gateway, agili: AgiliSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{RONDONOPOLIS}").json()
    assert (municipio["provedor_nfse"], municipio["nfse_habilitada"]) == ("agili", True)
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = RONDONOPOLIS
    body["servico"]["codigo_municipio"] = RONDONOPOLIS
    nota = gateway.autorizar("agili-1", body)
    assert nota["numero"] == "1"
    [emitida] = agili.emitidas()
    assert emitida["codigo_verificacao"] == nota["codigo_verificacao"]
    assert (emitida["cnpj"], emitida["rps"]) == (CNPJ, str(nota["numero_rps"]))
    declaracao = etree.fromstring(emitida["xml"].encode())
    assert declaracao.findtext("a:ItemLei116AtividadeEconomica", namespaces=NS) == "1.07"
    assert declaracao.findtext("a:AliquotaISSQN", namespaces=NS) == "3.00"
    assert declaracao.findtext("a:DadosTomador/a:Endereco/a:Municipio/a:Descricao",
                               namespaces=NS) == "Curitiba"

    pagina = PdfReader(io.BytesIO(httpx.get(nota["url_danfse"]).content)).pages[0]
    texto = pagina.extract_text()
    for esperado in (nota["codigo_verificacao"],
                     "Rondonópolis/MT",
                     "Acras Tecnologia da Informação LTDA", "R$ 1,00", "3,00%"):
        assert esperado in texto, esperado

    consultada = gateway.client.get("/v2/nfse/agili-1").json()
    assert (consultada["status"], consultada["numero"]) == ("autorizado", "1")

    cancel = gateway.client.request("DELETE", "/v2/nfse/agili-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/agili-1").json()["status"] == "cancelado"
    depois = PdfReader(io.BytesIO(httpx.get(nota["url_danfse"]).content)).pages[0]
    assert "CANCELADA" in depois.extract_text()
    [cancelada] = agili.emitidas()
    assert (cancelada["status"], cancelada["codigo_cancelamento"]) == ("cancelada", "1")
