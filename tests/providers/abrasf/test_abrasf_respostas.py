"""Reading what an ABRASF authority answers: the SOAP wrapping in every shape seen, the
answer documents (each sample valid under the official schema), dates and messages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from nfse.providers.abrasf import respostas, soap
from nfse.providers.abrasf.pedidos import CABECALHO
from nfse.providers.abrasf.variante import Variante
from nfse.providers.base import Erro, Rps
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.providers.abrasf import amostras
from tests.providers.abrasf.amostras import soap_answer, soap_fault

BRT = timezone(timedelta(hours=-3))


@pytest.mark.parametrize("name", sorted(amostras.ALL))
def test_every_sample_answer_is_schema_valid(name: str) -> None:
    root = etree.fromstring(amostras.ALL[name])
    assert validate(root, abrasf_xsd_dir() / "nfse_v2-04.xsd") == []


# -- SOAP -------------------------------------------------------------------------------------

def test_envelope_soap11_unqualified() -> None:
    body, headers = soap.envelope("GerarNfse", CABECALHO, b"<GerarNfseEnvio a='&amp;'/>",
                                  Variante())
    assert headers["Content-Type"] == "text/xml; charset=utf-8"
    assert headers["SOAPAction"] == '"http://nfse.abrasf.org.br/GerarNfse"'
    root = etree.fromstring(body)
    assert root.tag == f"{{{soap.SOAP11}}}Envelope"
    request = root[0][0]
    assert request.tag == "{http://nfse.abrasf.org.br}GerarNfseRequest"
    assert [c.tag for c in request] == ["nfseCabecMsg", "nfseDadosMsg"]
    assert request[0].text == CABECALHO
    assert request[1].text == "<GerarNfseEnvio a='&amp;'/>"
    assert b"&lt;cabecalho" in body  # escaped text, not elements


def test_envelope_soap12_qualified_other_namespace() -> None:
    variante = Variante(versao_soap="1.2", parametros_qualificados=True,
                        namespace_servico="http://www.exemplo.gov.br/ws", sufixo_requisicao="")
    body, headers = soap.envelope("CancelarNfse", CABECALHO, b"<x/>", variante)
    assert headers == {
        "Content-Type": 'application/soap+xml; charset=utf-8; '
                        'action="http://www.exemplo.gov.br/ws/CancelarNfse"',
        "Accept": "application/soap+xml, text/xml"}
    root = etree.fromstring(body)
    assert root.tag == f"{{{soap.SOAP12}}}Envelope"
    request = root[0][0]
    assert request.tag == "{http://www.exemplo.gov.br/ws}CancelarNfse"
    assert [c.tag for c in request] == ["{http://www.exemplo.gov.br/ws}nfseCabecMsg",
                                        "{http://www.exemplo.gov.br/ws}nfseDadosMsg"]


@pytest.mark.parametrize("shape", [
    {}, {"cdata": True}, {"qualified": True}, {"version": "1.2"}, {"child": "return"},
    {"child": "GerarNfseResult"}, {"declaration": False}])
def test_answer_in_every_wrapping(shape: dict) -> None:
    found = soap.resposta(soap_answer("GerarNfse", amostras.GERAR_OK, **shape), "GerarNfse")
    assert isinstance(found, etree._Element)
    assert etree.QName(found).localname == "GerarNfseResposta"


def test_answer_inline_as_elements_or_bare() -> None:
    inline = (f'<s:Envelope xmlns:s="{amostras.SOAP11}"><s:Body><GerarNfseResponse>'
              f"<outputXML>{amostras.GERAR_OK}</outputXML></GerarNfseResponse></s:Body>"
              "</s:Envelope>").encode()
    assert etree.QName(soap.resposta(inline, "GerarNfse")).localname == "GerarNfseResposta"
    bare = amostras.GERAR_ERRO.encode()
    assert etree.QName(soap.resposta(bare, "GerarNfse")).localname == "GerarNfseResposta"


def test_answer_string_declaring_another_encoding() -> None:
    inner = '<?xml version="1.0" encoding="ISO-8859-1"?>' + amostras.GERAR_ERRO
    body = soap_answer("GerarNfse", inner, declaration=False)
    found = soap.resposta(body, "GerarNfse")
    assert respostas.erros(found)[0].mensagem == "Item da lista de serviço inexistente"


@pytest.mark.parametrize(("body", "falha"), [
    (soap_fault("Client", "SOAPAction inválida"), soap.Falha("Client", "SOAPAction inválida")),
    (soap_fault("Server", "NullPointerException"), soap.Falha("Server", "NullPointerException")),
    (soap_fault("Sender", "XML mal formado", "1.2"), soap.Falha("Sender", "XML mal formado")),
    (soap_fault("Receiver", "Banco fora", "1.2"), soap.Falha("Receiver", "Banco fora")),
])
def test_faults(body: bytes, falha: soap.Falha) -> None:
    assert soap.resposta(body, "GerarNfse") == falha
    assert falha.do_cliente == (falha.codigo in ("Client", "Sender"))


@pytest.mark.parametrize("body", [
    b"", b"<html><body>502 Bad Gateway</body></html>", b"not xml",
    soap_answer("GerarNfse", "not xml either"),
    f'<s:Envelope xmlns:s="{amostras.SOAP11}"><s:Body/></s:Envelope>'.encode()])
def test_unreadable_answers(body: bytes) -> None:
    assert soap.resposta(body, "GerarNfse") is None


def test_entities_are_not_expanded() -> None:
    evil = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            f'<s:Envelope xmlns:s="{amostras.SOAP11}"><s:Body><R><outputXML>&x;</outputXML>'
            "</R></s:Body></s:Envelope>").encode()
    assert soap.resposta(evil, "GerarNfse") is None


# -- answer documents -------------------------------------------------------------------------

def doc(text: str) -> etree._Element:
    return etree.fromstring(text)


def test_authorized_note() -> None:
    root = doc(amostras.GERAR_OK)
    comp = respostas.comp_nfse(root, Rps("1", 7))
    nota = respostas.nfse(comp)
    assert nota.numero == "123"
    assert nota.codigo_verificacao == "AB12CD34"
    assert nota.data_emissao == datetime(2024, 5, 10, 10, 5, tzinfo=BRT)
    assert nota.data_emissao.utcoffset() == timedelta(hours=-3)
    assert not nota.cancelada and nota.substituida_por is None
    alone = etree.fromstring(nota.xml)
    assert nota.xml.startswith(b"<?xml")
    assert alone.tag == f"{{{amostras.NS}}}CompNfse"
    wrapper = etree.Element(f"{{{amostras.NS}}}ConsultarNfseRpsResposta",
                            nsmap={None: amostras.NS})
    wrapper.append(alone)  # the stored CompNfse is the authority's, schema-valid as such
    assert validate(wrapper, abrasf_xsd_dir() / "nfse_v2-04.xsd") == []
    assert respostas.alertas(root) == [Erro("A1", "Campo CodigoCnae ignorado pelo município")]
    assert respostas.erros(root) == []


def test_lot_answer_picks_the_note_of_our_rps() -> None:
    root = doc(amostras.LOTE_OK)
    assert respostas.nfse(respostas.comp_nfse(root, Rps("1", 7))).numero == "123"
    assert respostas.nfse(respostas.comp_nfse(root, Rps("1", 6))).numero == "124"
    assert respostas.comp_nfse(root, Rps("2", 7)) is None


def test_a_note_of_another_rps_is_not_ours_one_without_rps_is() -> None:
    assert respostas.comp_nfse(doc(amostras.CONSULTA_OUTRO_RPS), Rps("1", 7)) is None
    sem_rps = doc(amostras.doc("ConsultarNfseRpsResposta", amostras.comp_nfse(com_rps=False)))
    assert respostas.comp_nfse(sem_rps, Rps("1", 7)) is not None


def test_cancelled_and_substituted_notes() -> None:
    nota = respostas.nfse(respostas.comp_nfse(doc(amostras.CONSULTA_CANCELADA), Rps("1", 7)))
    assert nota.cancelada
    nota = respostas.nfse(respostas.comp_nfse(doc(amostras.CONSULTA_SUBSTITUIDA), Rps("1", 7)))
    assert nota.substituida_por == "130"


def test_substitution_answer_gives_the_new_note() -> None:
    root = doc(amostras.SUBSTITUIR_OK)
    nota = respostas.nfse(respostas.comp_nfse(root, Rps("1", 7), "NfseSubstituidora"))
    assert nota.numero == "131" and nota.codigo_verificacao == "ZZ99"
    assert nota.data_emissao == datetime(2024, 5, 12, 8, 0, tzinfo=BRT)


def test_messages_become_erros() -> None:
    assert respostas.erros(doc(amostras.GERAR_ERRO)) == [
        Erro("E30", "Item da lista de serviço inexistente", "Informe um item da LC 116/2003"),
        Erro("E41", "Discriminação não informada", None)]
    assert respostas.erros(doc(amostras.LOTE_ERRO)) == [Erro("E10", "RPS já informado")]


def test_cancellation_confirmation() -> None:
    found = respostas.cancelamento(doc(amostras.CANCELAR_OK))
    assert etree.QName(found).localname == "NfseCancelamento"
    assert respostas.cancelamento(doc(amostras.CANCELAR_ERRO)) is None
    assert respostas.cancelamento(doc(amostras.FAIXA_CANCELADA), "123") is not None
    assert respostas.cancelamento(doc(amostras.FAIXA_CANCELADA), "124") is None
    assert respostas.cancelamento(doc(amostras.FAIXA_ATIVA), "123") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-05-10T10:05:00", datetime(2024, 5, 10, 10, 5, tzinfo=BRT)),
    ("2024-05-10T10:05:00.123", datetime(2024, 5, 10, 10, 5, 0, 123000, tzinfo=BRT)),
    ("2024-05-10T13:05:00Z", datetime(2024, 5, 10, 10, 5, tzinfo=BRT)),
    ("2024-05-10T10:05:00-02:00", datetime(2024, 5, 10, 9, 5, tzinfo=BRT)),
    ("2024-05-10", datetime(2024, 5, 10, 0, 0, tzinfo=BRT)),
    ("10/05/2024", None), ("", None), (None, None)])
def test_dates(text: str | None, expected: datetime | None) -> None:
    found = respostas.data_hora(text)
    assert found == expected
    if found is not None:
        assert found.tzinfo is not None
