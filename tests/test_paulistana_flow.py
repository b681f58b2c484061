"""São Paulo (NFS-e Paulistana) through the same contract: a note of a prestador in São
Paulo goes over SOAP 1.2 to the Paulistana sandbox, comes back authorized with its number and
verification code, is cancelled; a lost answer is reconciled by ConsultaNFe, never resent."""

from __future__ import annotations

import email
import io
import time
from email.policy import default
from pathlib import Path

import httpx
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import delete, select

from nfse.sandbox.paulistana import PaulistanaSandbox
from nfse.store import artefatos as artefatos_store
from nfse.store.tables import artefatos, notas
from tests.support import Gateway, nota_exemplo

SAO_PAULO = "3550308"


def nota_sp(**overrides: object) -> dict:
    body = nota_exemplo(**overrides)
    body["prestador"].update(codigo_municipio=SAO_PAULO, inscricao_municipal="31000000")
    body["servico"]["codigo_tributario_municipio"] = "02658"
    return body


def test_note_is_issued_queried_and_cancelled(gateway: Gateway,
                                              paulistana: PaulistanaSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{SAO_PAULO}").json()
    assert municipio["provedor_nfse"] == "paulistana"
    assert municipio["nfse_habilitada"] is True
    nota = gateway.autorizar("sp-1", nota_sp())
    assert nota["numero"] == "1"
    assert len(nota["codigo_verificacao"]) == 8
    [emitida] = paulistana.emitidas()
    assert emitida["codigo_verificacao"] == nota["codigo_verificacao"]
    assert (emitida["inscricao"], emitida["rps_numero"]) == ("31000000", int(nota["numero_rps"]))
    xml = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content
    nfe = etree.fromstring(xml)
    assert nfe.findtext("ChaveNFe/NumeroNFe") == "1"
    assert nfe.findtext("Discriminacao") == "Nota fiscal referente a serviços prestados"

    cancel = gateway.client.request("DELETE", "/v2/nfse/sp-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/sp-1").json()["status"] == "cancelado"
    assert [e["status"] for e in paulistana.emitidas()] == ["cancelada"]


def _pdf(url: str) -> tuple[str, str]:
    """The DANFSe at ``url``: (its title, the text of its one page)."""
    answer = httpx.get(url)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.content))
    assert len(reader.pages) == 1
    return reader.metadata.title, reader.pages[0].extract_text()


def test_the_note_has_its_danfse_which_shows_the_cancellation(
        gateway: Gateway, paulistana: PaulistanaSandbox) -> None:
    gateway.autorizar("sp-antes", nota_sp())  # so that this note's number is not 1
    nota = gateway.autorizar("sp-pdf", nota_sp())
    assert nota["numero"] == "2"
    titulo, texto = _pdf(nota["url_danfse"])
    assert titulo == "NFS-e nº 2"
    for esperado in (nota["codigo_verificacao"], "SEM VALIDADE JURÍDICA",
                     "Prefeitura Municipal de São Paulo/SP", "EMPRESA TESTE LTDA",
                     "11.222.333/0001-81", "Acras Tecnologia da Informação LTDA",
                     "07.504.505/0001-32", "Nota fiscal referente a serviços prestados",
                     "02658", "R$ 1,00", "3,00%"):
        assert esperado in texto, esperado
    assert "CANCELADA" not in texto

    gateway.runtime.settings.smtp_host = None
    gateway.client.post("/v2/nfse/sp-pdf/email", json={"emails": ["sp@cliente.test"]})
    maildir = Path(gateway.runtime.settings.data_dir) / "maildir" / "new"
    deadline = time.monotonic() + 20
    mensagens: list[email.message.EmailMessage] = []
    while time.monotonic() < deadline and not mensagens:
        mensagens = [m for m in (email.message_from_bytes(p.read_bytes(), policy=default)
                                 for p in (maildir.iterdir() if maildir.exists() else ()))
                     if m["To"] == "sp@cliente.test"]
        time.sleep(0.05)
    [mensagem] = mensagens
    anexos = {parte.get_filename(): parte.get_content()
              for parte in mensagem.iter_attachments()}
    assert anexos["NFSe-2.pdf"].startswith(b"%PDF")

    cancel = gateway.client.request("DELETE", "/v2/nfse/sp-pdf",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    _titulo, texto = _pdf(nota["url_danfse"])
    assert "NFS-e CANCELADA" in texto and nota["codigo_verificacao"] in texto


def test_a_note_kept_as_its_emission_answer_has_the_pdf_of_the_rps_it_accepted(
        gateway: Gateway, paulistana: PaulistanaSandbox) -> None:
    """When ConsultaNFe fails right after the emission, the provider keeps the emission's
    RetornoEnvioRPS: the PDF shows its keys with the RPS the request carried."""
    nota = gateway.autorizar("sp-retorno", nota_sp())
    with gateway.runtime.engine.begin() as conn:
        nota_id = conn.execute(select(notas.c.id).where(notas.c.ref == "sp-retorno")).scalar_one()
        resposta = artefatos_store.latest(conn, nota_id, "exchange:emissao:response")[0]
        retorno = etree.fromstring(resposta).findtext(".//{*}RetornoXML").encode()
        assert etree.QName(etree.fromstring(retorno)).localname == "RetornoEnvioRPS"
        artefatos_store.put(conn, nota_id, artefatos_store.XML_NFSE, retorno, "application/xml")
        conn.execute(delete(artefatos).where(artefatos.c.nota_id == nota_id,
                                             artefatos.c.kind == artefatos_store.DANFSE))
    _titulo, texto = _pdf(nota["url_danfse"])
    texto = " ".join(texto.split())
    for esperado in (nota["codigo_verificacao"], "Acras Tecnologia da Informação LTDA",
                     "Nota fiscal referente a serviços prestados", "R$ 1,00",
                     "Dados do RPS aceito"):
        assert esperado in texto, esperado


def test_lost_answer_is_reconciled_not_resent(gateway: Gateway,
                                              paulistana: PaulistanaSandbox) -> None:
    paulistana.inject("timeout_after_commit")
    gateway.runtime.settings.authority_timeout = 1.0
    nota = gateway.autorizar("sp-perdida", nota_sp())
    [emitida] = paulistana.emitidas()  # issued once, found by ConsultaNFe
    assert str(emitida["numero"]) == nota["numero"]
    assert emitida["codigo_verificacao"] == nota["codigo_verificacao"]
    with gateway.runtime.engine.connect() as conn:
        kinds = list(conn.execute(select(artefatos.c.kind)).scalars())
    assert kinds.count("exchange:emissao:request") == 1  # sent once, never resent
    assert "exchange:consulta_rps:response" in kinds


def test_a_lost_cancel_answer_is_reconciled(gateway: Gateway,
                                            paulistana: PaulistanaSandbox) -> None:
    gateway.autorizar("sp-c", nota_sp())
    paulistana.inject("reset")
    cancel = gateway.client.request("DELETE", "/v2/nfse/sp-c",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert [e["status"] for e in paulistana.emitidas()] == ["cancelada"]


def test_layout_problems_are_a_400(gateway: Gateway, paulistana: PaulistanaSandbox) -> None:
    body = nota_sp()
    body["servico"]["codigo_tributario_municipio"] = "620910000"
    answer = gateway.client.post("/v2/nfse?ref=sp-400", json=body)
    assert answer.status_code == 400
    assert any(e["campo"] == "servico.codigo_tributario_municipio"
               for e in answer.json()["erros"]) or "codigo_tributario" in answer.text
    assert paulistana.emitidas() == []


def test_dry_run_shows_the_signed_request(gateway: Gateway,
                                          paulistana: PaulistanaSandbox) -> None:
    answer = gateway.client.post("/v2/nfse?ref=sp-ensaio&dry_run=1", json=nota_sp())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["valido"] is True, body
    pedido = etree.fromstring(body["rps_xml"].encode())
    assert etree.QName(pedido).localname == "PedidoEnvioRPS"
    assert pedido.findtext("RPS/ChaveRPS/InscricaoPrestador") == "31000000"
    assert paulistana.emitidas() == []
