"""The abrasf_v1 provider (Ginfes' dialect of ABRASF 1.0) against the ABRASF 1.0 sandbox over
mutual TLS: the asynchronous lot (protocol, situation, result), the reconciliation query, the
cancellation, and the documented return codes (E10 duplicate RPS, E4 not found, E79 already
cancelled, E92 not yet processed, E1 signature, E86 protocol)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from lxml import etree
from pypdf import PdfReader

from nfse.certs.tls import client_context
from nfse.model.nfse import parse_nfse
from nfse.model.nota import Nota
from nfse.providers.abrasf.variante import variante_de
from nfse.providers.abrasf1 import esquema, pedidos
from nfse.providers.abrasf1.provider import Abrasf1Provider
from nfse.providers.abrasf1.soap import envelope
from nfse.providers.base import Emissor, Result, Rps
from nfse.sandbox.abrasf1 import Abrasf1Sandbox
from nfse.visualizacao.danfse_abrasf import render_abrasf
from nfse.xml.validate import validate
from tests.support import a1_teste, nota_exemplo, pasta_sandbox

GUARULHOS = "3518800"
OPCOES = {"versao_soap": "1.1", "emissao": "RecepcionarLoteRps", "assinatura": "sha1",
          "formato_item_lista": "01.07", "codigo_cancelamento": "1",
          "codigos_rps_duplicado": ["E10"], "codigos_rps_nao_encontrado": ["E4", "E89", "E91"],
          "codigos_nfse_cancelada": ["E79"]}
TIPOS = {"t": esquema.TIPOS}


@pytest.fixture
def ginfes(tmp_path: Path) -> Iterator[Abrasf1Sandbox]:
    box = Abrasf1Sandbox(pasta_sandbox(tmp_path / "ginfes"))
    box.start()
    box.trust(a1_teste()[0].cert)
    yield box
    box.stop()


@pytest.fixture
def emissor(ginfes: Abrasf1Sandbox) -> Emissor:
    return Emissor(a1=a1_teste()[0], ambiente="homologacao", base_url=ginfes.url,
                   ca_file=str(ginfes.ca_file), razao_social="EMPRESA TESTE LTDA",
                   opcoes=OPCOES, timeout=10)


def _nota(**servico: object) -> Nota:
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = GUARULHOS
    body["servico"].update({"codigo_municipio": GUARULHOS, **servico})
    return parse_nfse(body)


def _esquema_da_resposta(outcome_xml: bytes) -> None:
    """The note the provider keeps is the ``CompNfse`` of a v03 answer: put back in the
    answer its namespace names, the answer's schema accepts it."""
    comp = etree.fromstring(outcome_xml)
    ns = etree.QName(comp).namespace or ""
    raiz = {"servico_consultar_lote_rps_resposta_v03.xsd": "ConsultarLoteRpsResposta",
            "servico_consultar_nfse_rps_resposta_v03.xsd": "ConsultarNfseRpsResposta"}[
                ns.rsplit("/", 1)[-1]]
    resposta = etree.Element(f"{{{ns}}}{raiz}")
    destino = resposta if raiz == "ConsultarNfseRpsResposta" else \
        etree.SubElement(resposta, f"{{{ns}}}ListaNfse")
    destino.append(comp)
    assert validate(etree.fromstring(etree.tostring(resposta)),
                    esquema.PASTA / ns.rsplit("/", 1)[-1]) == []


def test_lot_still_processing_on_the_first_query_then_issued(
        ginfes: Abrasf1Sandbox, emissor: Emissor) -> None:
    provider = Abrasf1Provider()
    outcome = provider.emit(_nota(), Rps("1", 7), emissor)
    assert outcome.result == Result.AUTHORIZED, outcome
    assert [e.name for e in outcome.exchanges] == [
        "emissao", "consulta_situacao_lote", "consulta_situacao_lote", "consulta_lote"]
    primeira = etree.fromstring(outcome.exchanges[1].response)
    assert b"&lt;Situacao&gt;2&lt;/Situacao&gt;" in outcome.exchanges[1].response, primeira
    (emitida,) = ginfes.emitidas()
    assert emitida["numero"] == int(outcome.numero or 0)
    assert emitida["codigo_verificacao"] == outcome.codigo_verificacao
    assert outcome.xml is not None
    _esquema_da_resposta(outcome.xml)
    comp = etree.fromstring(outcome.xml)
    assert comp.findtext(".//t:InfNfse/t:IdentificacaoRps/t:Numero", namespaces=TIPOS) == "7"
    # Ginfes writes the rate as a fraction; the municipality computed 3% of R$ 1,00
    assert comp.findtext(".//t:Valores/t:Aliquota", namespaces=TIPOS) == "0.0300"
    assert comp.findtext(".//t:Valores/t:ValorIss", namespaces=TIPOS) == "0.03"
    (lote,) = ginfes.lotes()
    assert lote["situacao"] == "4" and lote["consultas"] == 1


def test_a_lot_unprocessed_after_the_polls_is_unknown_and_its_rps_answers_e92(
        ginfes: Abrasf1Sandbox, emissor: Emissor) -> None:
    ginfes.pendencia(consultas_pendentes=10)
    provider = Abrasf1Provider()
    nota, rps = _nota(), Rps("1", 8)
    outcome = provider.emit(nota, rps, emissor)
    assert outcome.result == Result.UNKNOWN
    assert "ainda não" in (outcome.mensagem or "")
    consulta = provider.query(nota, rps, emissor)
    assert consulta.result == Result.UNKNOWN  # E92: never resend a lot still waiting
    assert [e.codigo for e in consulta.erros] == ["E92"]
    ginfes.pendencia(consultas_pendentes=0)
    depois = provider.query(nota, rps, emissor)
    assert depois.result == Result.AUTHORIZED
    assert len(ginfes.emitidas()) == 1


def test_the_situation_of_a_lot_waiting_two_queries_goes_1_2_4(
        ginfes: Abrasf1Sandbox, emissor: Emissor) -> None:
    ginfes.pendencia(consultas_pendentes=2)
    outcome = Abrasf1Provider().emit(_nota(), Rps("1", 9), emissor)
    assert outcome.result == Result.AUTHORIZED
    situacoes = [etree.fromstring(e.response).findtext(".//return")
                 for e in outcome.exchanges if e.name == "consulta_situacao_lote"]
    assert [etree.fromstring(s.encode()).findtext("{*}Situacao") for s in situacoes] == \
        ["1", "2", "4"]


def test_resending_an_issued_rps_is_e10_and_reconciles_to_the_same_note(
        ginfes: Abrasf1Sandbox, emissor: Emissor) -> None:
    provider = Abrasf1Provider()
    nota, rps = _nota(), Rps("1", 10)
    primeira = provider.emit(nota, rps, emissor)
    assert primeira.result == Result.AUTHORIZED
    segunda = provider.emit(nota, rps, emissor)
    assert segunda.result == Result.UNKNOWN
    assert [e.codigo for e in segunda.erros] == ["E10"]
    consulta = provider.query(nota, rps, emissor)
    assert consulta.result == Result.AUTHORIZED and consulta.numero == primeira.numero
    assert len(ginfes.emitidas()) == 1


def test_query_of_an_rps_never_sent_is_not_found(emissor: Emissor) -> None:
    outcome = Abrasf1Provider().query(_nota(), Rps("1", 999), emissor)
    assert outcome.result == Result.NOT_FOUND
    assert [e.codigo for e in outcome.erros] == ["E4"]


def test_rules_refuse_the_lot_when_it_is_processed(emissor: Emissor) -> None:
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = GUARULHOS
    body["tomador"]["cnpj"] = body["prestador"]["cnpj"]
    outcome = Abrasf1Provider().emit(parse_nfse(body), Rps("1", 11), emissor)
    assert outcome.result == Result.REJECTED
    assert [e.codigo for e in outcome.erros] == ["E52"]


def test_cancel_then_cancel_again_is_authorized_once(
        ginfes: Abrasf1Sandbox, emissor: Emissor) -> None:
    provider = Abrasf1Provider()
    nota = _nota()
    emitida = provider.emit(nota, Rps("1", 12), emissor)
    assert emitida.numero is not None
    cancelada = provider.cancel(nota, "", emitida.numero, "erro na emissão", emissor)
    assert cancelada.result == Result.AUTHORIZED, cancelada
    confirmacao = etree.fromstring(cancelada.xml or b"")
    assert confirmacao.findtext(".//t:Sucesso", namespaces=TIPOS) == "true"
    de_novo = provider.cancel(nota, "", emitida.numero, "erro na emissão", emissor)
    assert de_novo.result == Result.AUTHORIZED
    assert [e.codigo for e in de_novo.erros] == ["E79"]
    assert [e.name for e in de_novo.exchanges] == ["cancelamento", "consulta_nfse"]
    assert ginfes.emitidas()[0]["status"] == "cancelada"
    consulta = provider.query(nota, Rps("1", 12), emissor)
    assert "cancelada" in (consulta.mensagem or "")


def test_cancel_of_a_note_that_does_not_exist_is_e78(emissor: Emissor) -> None:
    outcome = Abrasf1Provider().cancel(_nota(), "", "4242", "teste", emissor)
    assert outcome.result == Result.REJECTED
    assert [e.codigo for e in outcome.erros] == ["E78"]


def _chamar(ginfes: Abrasf1Sandbox, operacao: str, dados: bytes) -> etree._Element:
    a1 = a1_teste()[0]
    corpo, headers = envelope(operacao, pedidos.CABECALHO, dados, "http://homologacao.ginfes")
    with httpx.Client(verify=client_context(a1, str(ginfes.ca_file)), timeout=10) as cliente:
        answer = cliente.post(ginfes.url, content=corpo, headers=headers)
    texto = etree.fromstring(answer.content).findtext(".//return") or ""
    return etree.fromstring(texto.encode())


def test_an_unsigned_lot_is_refused_with_e1(ginfes: Abrasf1Sandbox, emissor: Emissor) -> None:
    dados = pedidos.lote_rps(_nota(), Rps("1", 13), emissor, variante_de(OPCOES))
    root = etree.fromstring(dados)
    root.remove(root[-1])  # the Signature
    resposta = _chamar(ginfes, "RecepcionarLoteRps", etree.tostring(root))
    assert [c.text for c in resposta.iter("{*}Codigo")] == ["E1"]


def test_a_lot_against_the_schema_is_refused_with_e160(
        ginfes: Abrasf1Sandbox, emissor: Emissor) -> None:
    dados = pedidos.lote_rps(_nota(), Rps("1", 14), emissor, variante_de(OPCOES))
    resposta = _chamar(ginfes, "RecepcionarLoteRps",
                       dados.replace(b"<Status>1</Status>", b"<Status>9</Status>"))
    assert {c.text for c in resposta.iter("{*}Codigo")} == {"E160"}


def test_an_unknown_protocol_is_e86(emissor: Emissor, ginfes: Abrasf1Sandbox) -> None:
    dados = pedidos.consultar_situacao(_nota(), "NAOEXISTE", emissor, variante_de(OPCOES))
    resposta = _chamar(ginfes, "ConsultarSituacaoLoteRps", dados)
    assert [c.text for c in resposta.iter("{*}Codigo")] == ["E86"]


def test_another_companys_certificate_is_refused(
        ginfes: Abrasf1Sandbox, emissor: Emissor) -> None:
    from nfse.certs.generate import generate_a1

    outra = generate_a1("11444777000161", "OUTRA EMPRESA LTDA")
    ginfes.trust(outra.cert)
    outcome = Abrasf1Provider().emit(_nota(), Rps("1", 15), replace(emissor, a1=outra))
    assert outcome.result == Result.REJECTED
    assert {e.codigo for e in outcome.erros} == {"E157"}


def test_the_danfse_of_a_ginfes_note_shows_what_it_says(
        ginfes: Abrasf1Sandbox, emissor: Emissor) -> None:
    """ABRASF 1.0 keeps the service and the tomador in InfNfse: the page reads them there."""
    provider = Abrasf1Provider()
    nota = _nota()
    emitida = provider.emit(nota, Rps("1", 16), emissor)
    assert emitida.xml is not None and emitida.numero is not None
    texto = PdfReader(io.BytesIO(render_abrasf(emitida.xml, homologacao=True))).pages[0] \
        .extract_text()
    for esperado in ("Nota fiscal referente a serviços prestados",
                     "Acras Tecnologia da Informação LTDA", "07.504.505/0001-32",
                     "01.07", "3,00%", "Guarulhos", emitida.codigo_verificacao or "?"):
        assert esperado in texto, esperado
    assert "CANCELADA" not in texto
    provider.cancel(nota, "", emitida.numero, "erro", emissor)
    consulta = provider.query(nota, Rps("1", 16), emissor)
    cancelada = PdfReader(io.BytesIO(render_abrasf(consulta.xml or b""))).pages[0] \
        .extract_text()
    assert "NFS-e CANCELADA em" in cancelada and "erro na emissão" in cancelada


def test_prefixed_documents_are_read_like_any_other(
        ginfes: Abrasf1Sandbox, emissor: Emissor) -> None:
    """ACBr writes ns3:/ns4: prefixes; the namespaces are what count."""
    outcome = Abrasf1Provider().emit(_nota(), Rps("1", 17), emissor)
    assert outcome.result == Result.AUTHORIZED
    envio = "http://www.ginfes.com.br/servico_consultar_nfse_rps_envio_v03.xsd"
    dados = (f'<ns3:ConsultarNfseRpsEnvio xmlns:ns3="{envio}" xmlns:ns4="{esquema.TIPOS}">'
             "<ns3:IdentificacaoRps><ns4:Numero>17</ns4:Numero><ns4:Serie>1</ns4:Serie>"
             "<ns4:Tipo>1</ns4:Tipo></ns3:IdentificacaoRps><ns3:Prestador>"
             "<ns4:Cnpj>11222333000181</ns4:Cnpj><ns4:InscricaoMunicipal>12345"
             "</ns4:InscricaoMunicipal></ns3:Prestador></ns3:ConsultarNfseRpsEnvio>")
    resposta = _chamar(ginfes, "ConsultarNfsePorRps", dados.encode())
    assert resposta.findtext(".//t:InfNfse/t:Numero", namespaces=TIPOS) == outcome.numero


def test_a_lot_found_due_by_two_requests_is_processed_once(
        ginfes: Abrasf1Sandbox, emissor: Emissor) -> None:
    """Requests at once may each find the same lot due: the second must not process it
    again (it would find its RPS issued and mark the lot as failed)."""
    ginfes.pendencia(consultas_pendentes=10)
    provider = Abrasf1Provider()
    nota, rps = _nota(), Rps("1", 18)
    assert provider.emit(nota, rps, emissor).result == Result.UNKNOWN
    (lote,) = ginfes.estado.pendentes()
    ginfes.prefeitura.processar(lote)
    ginfes.prefeitura.processar(lote)  # what a second thread, holding the same row, does
    assert [lote["situacao"] for lote in ginfes.lotes()] == ["4"]
    assert provider.query(nota, rps, emissor).result == Result.AUTHORIZED
    assert len(ginfes.emitidas()) == 1
