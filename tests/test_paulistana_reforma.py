"""São Paulo's layout 2 (tax reform 2026) through the same contract: a note that carries the
IBS/CBS group goes to the Paulistana sandbox in layout 2 (Versao 2, VersaoSchema 2, the v2
signature string), comes back authorized, reads back as a layout-2 NFe and is cancelled; a
note without the group still goes in layout 1; a layout-2 note without NBS is a 400."""

from __future__ import annotations

import io

import httpx
import pytest
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import delete, select

from nfse.sandbox.paulistana import PaulistanaSandbox
from nfse.store import artefatos as artefatos_store
from nfse.store.tables import artefatos, notas
from tests.support import Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

SAO_PAULO = "3550308"
REFORMA = {"codigo_nbs": "1.1403.10.00", "codigo_indicador_operacao": "100301",
           "ibs_cbs_situacao_tributaria": "000", "ibs_cbs_classificacao_tributaria": "000001"}


def nota_sp(reforma: bool = True) -> dict:
    body = nota_exemplo()
    body["prestador"].update(codigo_municipio=SAO_PAULO, inscricao_municipal="31000000")
    body["servico"]["codigo_tributario_municipio"] = "02658"
    if reforma:
        body["servico"].update(REFORMA)
    return body


def _pedido(gateway: Gateway, ref: str) -> etree._Element:
    """The document the emission sent, as the kept exchange has it."""
    with gateway.runtime.engine.connect() as conn:
        nota_id = conn.execute(select(notas.c.id).where(notas.c.ref == ref)).scalar_one()
        envelope = artefatos_store.latest(conn, nota_id, "exchange:emissao:request")[0]
    return etree.fromstring(etree.fromstring(envelope).findtext(".//{*}MensagemXML").encode())


def test_a_note_with_ibs_cbs_is_issued_in_layout_2_and_cancelled(
        gateway: Gateway, paulistana: PaulistanaSandbox) -> None:
    nota = gateway.autorizar("sp-v2", nota_sp())
    assert nota["status"] == "autorizado" and nota["numero"] == "1"
    pedido = _pedido(gateway, "sp-v2")
    assert pedido.find("Cabecalho").get("Versao") == "2"
    assert pedido.findtext("RPS/ValorFinalCobrado") == "1.00"
    assert pedido.findtext("RPS/IBSCBS/valores/trib/gIBSCBS/cClassTrib") == "000001"
    [emitida] = paulistana.emitidas()
    assert emitida["codigo_verificacao"] == nota["codigo_verificacao"]
    nfe = etree.fromstring(httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content)
    assert (nfe.findtext("ValorFinalCobrado"), nfe.findtext("NBS")) == ("1.00", "114031000")

    cancel = gateway.client.request("DELETE", "/v2/nfse/sp-v2",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert [e["status"] for e in paulistana.emitidas()] == ["cancelada"]


def _texto_pdf(url: str) -> str:
    answer = httpx.get(url)
    assert answer.status_code == 200, answer.text
    return " ".join(PdfReader(io.BytesIO(answer.content)).pages[0].extract_text().split())


def test_the_layout_2_pdf_shows_the_value_charged_and_the_reform_fields(
        gateway: Gateway, paulistana: PaulistanaSandbox) -> None:
    nota = gateway.autorizar("sp-v2-pdf", nota_sp())
    texto = _texto_pdf(nota["url_danfse"])
    for esperado in ("R$ 1,00", "114031000", "100301", "000001"):
        assert esperado in texto, esperado
    # the emission's answer kept instead of the NFe: the value comes from the RPS sent
    with gateway.runtime.engine.begin() as conn:
        nota_id = conn.execute(select(notas.c.id).where(notas.c.ref == "sp-v2-pdf")
                               ).scalar_one()
        resposta = artefatos_store.latest(conn, nota_id, "exchange:emissao:response")[0]
        retorno = etree.fromstring(resposta).findtext(".//{*}RetornoXML").encode()
        artefatos_store.put(conn, nota_id, artefatos_store.XML_NFSE, retorno, "application/xml")
        conn.execute(delete(artefatos).where(artefatos.c.nota_id == nota_id,
                                             artefatos.c.kind == artefatos_store.DANFSE))
    texto = _texto_pdf(nota["url_danfse"])
    assert "Dados do RPS aceito" in texto and "R$ 1,00" in texto and "114031000" in texto


def test_a_note_without_ibs_cbs_stays_in_layout_1(gateway: Gateway,
                                                  paulistana: PaulistanaSandbox) -> None:
    gateway.autorizar("sp-v1", nota_sp(reforma=False))
    pedido = _pedido(gateway, "sp-v1")
    assert pedido.find("Cabecalho").get("Versao") == "1"
    assert pedido.findtext("RPS/ValorServicos") == "1.00"


def test_a_layout_2_note_without_nbs_is_a_400(gateway: Gateway,
                                              paulistana: PaulistanaSandbox) -> None:
    body = nota_sp()
    del body["servico"]["codigo_nbs"]
    answer = gateway.client.post("/v2/nfse?ref=sp-sem-nbs", json=body)
    assert answer.status_code == 400, answer.text
    assert "codigo_nbs" in answer.text
    assert paulistana.emitidas() == []
