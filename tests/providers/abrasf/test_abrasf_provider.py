"""The ABRASF provider against a scripted authority over real HTTPS with a client
certificate: what it sends (envelope, action, document), how every kind of answer and every
transport failure becomes an ``Outcome``."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.model.nota import Nota, Substituicao
from nfse.providers.abrasf.provider import AbrasfProvider
from nfse.providers.abrasf.variante import VarianteInvalida
from nfse.providers.base import Emissor, Erro, Result, Rps
from nfse.providers.registry import get_provider
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.providers.abrasf import amostras
from tests.providers.abrasf.amostras import Authority, Reply, soap_answer, soap_fault, verify
from tests.support import CNPJ, nota_exemplo

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
RPS = Rps("1", 7)
NSA = {"a": amostras.NS}


@pytest.fixture(autouse=True)
def xsd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NFSE_ABRASF_XSD_DIR", str(abrasf_xsd_dir()))


@pytest.fixture
def authority(tmp_path: Path) -> Iterator[Authority]:
    server = Authority(A1, tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def provider() -> AbrasfProvider:
    return AbrasfProvider()


def emissor(authority: Authority | None, timeout: float = 5.0, **opcoes: object) -> Emissor:
    return Emissor(a1=A1, ambiente="homologacao",
                   base_url=authority.url if authority else "https://127.0.0.1:9/x",
                   ca_file=authority.ca_file if authority else None,
                   razao_social="EMPRESA TESTE LTDA", regime_tributario=3, timeout=timeout,
                   opcoes=opcoes)


def nota() -> Nota:
    return parse_nfse(nota_exemplo())


def answer(operacao: str, document: str, **shape: object) -> Reply:
    return Reply(body=soap_answer(operacao, document, **shape))


def sent_document(authority: Authority, index: int = -1) -> etree._Element:
    """The request document the authority received (nfseDadosMsg, parsed again)."""
    envelope = etree.fromstring(authority.received[index].body)
    dados = next(e for e in envelope.iter() if etree.QName(e).localname == "nfseDadosMsg")
    return etree.fromstring(dados.text.encode())


def test_registry_knows_the_provider() -> None:
    assert get_provider("abrasf").name == "abrasf"
    assert get_provider("abrasf") is get_provider("abrasf")


def test_gerar_nfse_authorized(authority: Authority, provider: AbrasfProvider) -> None:
    authority.replies.append(answer("GerarNfse", amostras.GERAR_OK))
    outcome = provider.emit(nota(), RPS, emissor(authority))
    assert outcome.result == Result.AUTHORIZED
    assert (outcome.numero, outcome.codigo_verificacao, outcome.chave_acesso) == (
        "123", "AB12CD34", None)
    assert outcome.data_emissao.isoformat() == "2024-05-10T10:05:00-03:00"
    assert etree.fromstring(outcome.xml).tag == f"{{{amostras.NS}}}CompNfse"
    assert outcome.mensagem == "Alerta A1: Campo CodigoCnae ignorado pelo município"
    received = authority.received[0]
    assert received.path == "/nfse/ws"
    assert received.headers["SOAPAction"] == '"http://nfse.abrasf.org.br/GerarNfse"'
    assert received.headers["Content-Type"] == "text/xml; charset=utf-8"
    envelope = etree.fromstring(received.body)
    assert envelope[0][0].tag == "{http://nfse.abrasf.org.br}GerarNfseRequest"
    assert [c.tag for c in envelope[0][0]] == ["nfseCabecMsg", "nfseDadosMsg"]
    document = sent_document(authority)
    assert etree.QName(document).localname == "GerarNfseEnvio"
    verify(document.find("a:Rps/a:InfDeclaracaoPrestacaoServico", NSA))
    [exchange] = outcome.exchanges
    assert (exchange.name, exchange.request, exchange.response) == (
        "emissao", received.body, soap_answer("GerarNfse", amostras.GERAR_OK))


def test_lot_soap12_qualified_sha256(authority: Authority, provider: AbrasfProvider) -> None:
    authority.replies.append(answer("RecepcionarLoteRpsSincrono", amostras.LOTE_OK,
                                    version="1.2", qualified=True))
    em = emissor(authority, versao_soap="1.2", emissao="RecepcionarLoteRpsSincrono",
                 parametros_qualificados=True, assinatura="sha256",
                 namespace_servico="http://ws.exemplo.gov.br")
    outcome = provider.emit(nota(), RPS, em)
    assert outcome.result == Result.AUTHORIZED and outcome.numero == "123"
    received = authority.received[0]
    assert received.headers["Content-Type"] == (
        'application/soap+xml; charset=utf-8; '
        'action="http://ws.exemplo.gov.br/RecepcionarLoteRpsSincrono"')
    assert "SOAPAction" not in received.headers
    request = etree.fromstring(received.body)[0][0]
    assert request.tag == "{http://ws.exemplo.gov.br}RecepcionarLoteRpsSincronoRequest"
    assert request[1].tag == "{http://ws.exemplo.gov.br}nfseDadosMsg"
    document = sent_document(authority)
    lote = document.find("a:LoteRps", NSA)
    assert verify(lote)[1].endswith("rsa-sha256")


def test_rejection_carries_every_message(authority: Authority,
                                         provider: AbrasfProvider) -> None:
    authority.replies.append(answer("GerarNfse", amostras.GERAR_ERRO, cdata=True))
    outcome = provider.emit(nota(), RPS, emissor(authority))
    assert outcome.result == Result.REJECTED
    assert outcome.erros == (
        Erro("E30", "Item da lista de serviço inexistente", "Informe um item da LC 116/2003"),
        Erro("E41", "Discriminação não informada"))


@pytest.mark.parametrize(("operacao", "document", "opcoes"), [
    ("GerarNfse", amostras.GERAR_DUPLICADO, {}),
    ("RecepcionarLoteRpsSincrono", amostras.LOTE_ERRO,
     {"emissao": "RecepcionarLoteRpsSincrono"}),
])
def test_duplicate_rps_is_unknown_so_the_worker_reconciles(
        authority: Authority, provider: AbrasfProvider, operacao: str, document: str,
        opcoes: dict) -> None:
    authority.replies.append(answer(operacao, document))
    outcome = provider.emit(nota(), RPS, emissor(authority, **opcoes))
    assert outcome.result == Result.UNKNOWN
    assert outcome.erros and outcome.erros[0].codigo in ("E010", "E10")
    assert "consultando" in outcome.mensagem


def test_duplicate_codes_are_configuration(authority: Authority,
                                          provider: AbrasfProvider) -> None:
    authority.replies.append(answer("GerarNfse", amostras.GERAR_DUPLICADO))
    outcome = provider.emit(nota(), RPS, emissor(authority, codigos_rps_duplicado=["L018"]))
    assert outcome.result == Result.REJECTED


def test_substitution(authority: Authority, provider: AbrasfProvider) -> None:
    authority.replies.append(answer("SubstituirNfse", amostras.SUBSTITUIR_OK))
    substituta = replace(nota(), substituicao=Substituicao("123", "99"))
    outcome = provider.emit(substituta, RPS, emissor(authority))
    assert outcome.result == Result.AUTHORIZED
    assert (outcome.numero, outcome.codigo_verificacao) == ("131", "ZZ99")
    assert "substitui a NFS-e 123" in outcome.mensagem
    assert authority.received[0].headers["SOAPAction"] == \
        '"http://nfse.abrasf.org.br/SubstituirNfse"'
    document = sent_document(authority)
    assert etree.QName(document).localname == "SubstituirNfseEnvio"
    subst = document.find("a:SubstituicaoNfse", NSA)
    assert subst.findtext("a:Pedido/a:InfPedidoCancelamento/a:IdentificacaoNfse/a:Numero",
                          namespaces=NSA) == "123"
    verify(subst)


def test_substitution_without_the_replaced_number_is_not_sent(
        authority: Authority, provider: AbrasfProvider) -> None:
    outcome = provider.emit(replace(nota(), substituicao=Substituicao("", "99")), RPS,
                            emissor(authority))
    assert outcome.result == Result.REJECTED and authority.received == []


def test_schema_error_is_rejected_and_never_sent(authority: Authority,
                                                 provider: AbrasfProvider) -> None:
    outcome = provider.emit(nota(), RPS, emissor(authority, formato_item_lista="0107"))
    assert outcome.result == Result.REJECTED
    assert outcome.erros[0].codigo == "erro_schema"
    assert authority.received == [] and outcome.exchanges == ()


def test_bad_configuration_raises_and_sends_nothing(authority: Authority,
                                                   provider: AbrasfProvider) -> None:
    with pytest.raises(VarianteInvalida):
        provider.emit(nota(), RPS, emissor(authority, versao_soap="3"))
    assert authority.received == []
    outcome = provider.cancel(nota(), "", "123", "Erro de digitação no valor", emissor(
        authority, assinatura="md5"))
    assert outcome.result == Result.REJECTED
    assert outcome.erros[0].codigo == "configuracao_invalida"


# -- faults and transport ---------------------------------------------------------------------

@pytest.mark.parametrize(("reply", "result"), [
    (Reply(500, soap_fault("Server", "Erro interno")), Result.UNKNOWN),
    (Reply(500, soap_fault("Receiver", "Erro interno", "1.2")), Result.UNKNOWN),
    (Reply(500, soap_fault("Client", "Mensagem inválida")), Result.REJECTED),
    (Reply(500, b"<html>Internal Server Error</html>"), Result.UNKNOWN),
    (Reply(502, b""), Result.UNKNOWN),
    (Reply(200, b"garbage"), Result.UNKNOWN),
    (Reply(200, soap_answer("GerarNfse", amostras.doc("GerarNfseResposta", ""))),
     Result.UNKNOWN),
    (Reply(hang_up=True), Result.UNKNOWN),
])
def test_emission_faults(authority: Authority, provider: AbrasfProvider, reply: Reply,
                         result: Result) -> None:
    authority.replies.append(reply)
    outcome = provider.emit(nota(), RPS, emissor(authority))
    assert outcome.result == result
    assert len(outcome.exchanges) == 1
    if result == Result.REJECTED:
        assert outcome.erros == (Erro("soap:Client", "Mensagem inválida",
                                      "A prefeitura recusou a mensagem SOAP"),)
    else:
        assert outcome.erros == () and outcome.mensagem


def test_timeout_is_unknown(authority: Authority, provider: AbrasfProvider) -> None:
    authority.replies.append(Reply(delay=1.0, body=soap_answer("GerarNfse", amostras.GERAR_OK)))
    outcome = provider.emit(nota(), RPS, emissor(authority, timeout=0.3))
    assert outcome.result == Result.UNKNOWN
    assert outcome.exchanges[0].request.startswith(b"<?xml")


def test_connection_refused_is_retry(provider: AbrasfProvider) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    em = replace(emissor(None), base_url=f"https://127.0.0.1:{port}/ws")
    assert provider.emit(nota(), RPS, em).result == Result.RETRY
    assert provider.query(nota(), RPS, em).result == Result.UNKNOWN
    assert provider.cancel(nota(), "", "123", "Erro de digitação no valor", em).result \
        == Result.RETRY


def test_untrusted_server_is_retry(authority: Authority, provider: AbrasfProvider) -> None:
    em = replace(emissor(authority), ca_file=None)  # the system store does not know our CA
    assert provider.emit(nota(), RPS, em).result == Result.RETRY
    assert authority.received == []


def test_connections_are_kept_alive(authority: Authority, provider: AbrasfProvider) -> None:
    authority.replies += [answer("GerarNfse", amostras.GERAR_OK)] * 3
    for _ in range(3):
        assert provider.emit(nota(), RPS, emissor(authority)).result == Result.AUTHORIZED
    assert len(authority.peers) == 1


# -- reconciliation ---------------------------------------------------------------------------

@pytest.mark.parametrize(("document", "result", "mensagem"), [
    (amostras.CONSULTA_OK, Result.AUTHORIZED, None),
    (amostras.CONSULTA_CANCELADA, Result.AUTHORIZED, "cancelada"),
    (amostras.CONSULTA_SUBSTITUIDA, Result.AUTHORIZED, "substituída pela NFS-e 130"),
    (amostras.CONSULTA_NAO_ENCONTRADO, Result.NOT_FOUND, None),
    (amostras.CONSULTA_PROCESSANDO, Result.UNKNOWN, "não disse"),
    (amostras.CONSULTA_OUTRO_RPS, Result.UNKNOWN, "não disse"),
])
def test_query(authority: Authority, provider: AbrasfProvider, document: str, result: Result,
               mensagem: str | None) -> None:
    authority.replies.append(answer("ConsultarNfsePorRps", document))
    outcome = provider.query(nota(), RPS, emissor(authority))
    assert outcome.result == result
    if mensagem:
        assert mensagem in outcome.mensagem
    if result == Result.AUTHORIZED:
        assert outcome.numero == "123" and outcome.xml
    assert authority.received[0].headers["SOAPAction"] == \
        '"http://nfse.abrasf.org.br/ConsultarNfsePorRps"'
    sent = sent_document(authority)
    assert etree.QName(sent).localname == "ConsultarNfseRpsEnvio"
    assert outcome.exchanges[0].name == "consulta_rps"


@pytest.mark.parametrize("reply", [
    Reply(500, soap_fault("Client", "x")), Reply(200, b"garbage"), Reply(hang_up=True)])
def test_query_failures_are_unknown(authority: Authority, provider: AbrasfProvider,
                                    reply: Reply) -> None:
    authority.replies.append(reply)
    assert provider.query(nota(), RPS, emissor(authority)).result == Result.UNKNOWN


# -- cancellation -----------------------------------------------------------------------------

JUSTIFICATIVA = "Erro de digitação no valor do serviço"


def test_cancel_confirmed(authority: Authority, provider: AbrasfProvider) -> None:
    authority.replies.append(answer("CancelarNfse", amostras.CANCELAR_OK))
    outcome = provider.cancel(nota(), "", "123", JUSTIFICATIVA, emissor(authority))
    assert outcome.result == Result.AUTHORIZED and outcome.numero == "123"
    assert etree.fromstring(outcome.xml).tag == f"{{{amostras.NS}}}NfseCancelamento"
    document = sent_document(authority)
    inf = document.find("a:Pedido/a:InfPedidoCancelamento", NSA)
    verify(inf)
    assert inf.findtext("a:CodigoCancelamento", namespaces=NSA) == "1"


def test_cancel_rejected(authority: Authority, provider: AbrasfProvider) -> None:
    authority.replies.append(answer("CancelarNfse", amostras.CANCELAR_ERRO))
    outcome = provider.cancel(nota(), "", "123", JUSTIFICATIVA, emissor(authority))
    assert outcome.result == Result.REJECTED
    assert outcome.erros[0].codigo == "E78"
    assert len(authority.received) == 1


@pytest.mark.parametrize("first", [
    Reply(hang_up=True), Reply(500, soap_fault("Server", "x")), Reply(200, b"?")])
def test_cancel_with_lost_answer_is_reconciled(authority: Authority, provider: AbrasfProvider,
                                               first: Reply) -> None:
    authority.replies += [first, answer("ConsultarNfsePorFaixa", amostras.FAIXA_CANCELADA)]
    outcome = provider.cancel(nota(), "", "123", JUSTIFICATIVA, emissor(authority))
    assert outcome.result == Result.AUTHORIZED
    assert etree.fromstring(outcome.xml).tag == f"{{{amostras.NS}}}NfseCancelamento"
    assert [e.name for e in outcome.exchanges] == ["cancelamento", "consulta_nfse"]
    assert authority.received[1].headers["SOAPAction"] == \
        '"http://nfse.abrasf.org.br/ConsultarNfsePorFaixa"'
    assert etree.QName(sent_document(authority)).localname == "ConsultarNfseFaixaEnvio"


def test_cancel_with_lost_answer_not_cancelled_stays_unknown(
        authority: Authority, provider: AbrasfProvider) -> None:
    authority.replies += [Reply(hang_up=True),
                          answer("ConsultarNfsePorFaixa", amostras.FAIXA_ATIVA)]
    outcome = provider.cancel(nota(), "", "123", JUSTIFICATIVA, emissor(authority))
    assert outcome.result == Result.UNKNOWN
    assert len(outcome.exchanges) == 2


def test_cancel_of_an_already_cancelled_note(authority: Authority,
                                             provider: AbrasfProvider) -> None:
    authority.replies += [answer("CancelarNfse", amostras.CANCELAR_JA_CANCELADA),
                          Reply(500, soap_fault("Server", "consulta indisponível"))]
    outcome = provider.cancel(nota(), "", "123", JUSTIFICATIVA, emissor(authority))
    assert outcome.result == Result.AUTHORIZED and outcome.xml is None
    assert "já estava cancelada" in outcome.mensagem
    authority.replies += [answer("CancelarNfse", amostras.CANCELAR_JA_CANCELADA),
                          answer("ConsultarNfsePorFaixa", amostras.FAIXA_CANCELADA)]
    outcome = provider.cancel(nota(), "", "123", JUSTIFICATIVA, emissor(authority))
    assert outcome.result == Result.AUTHORIZED and outcome.xml


def test_cancel_client_fault_is_rejected(authority: Authority,
                                         provider: AbrasfProvider) -> None:
    authority.replies.append(Reply(500, soap_fault("Client", "Certificado não autorizado")))
    outcome = provider.cancel(nota(), "", "123", JUSTIFICATIVA, emissor(authority))
    assert outcome.result == Result.REJECTED
    assert outcome.erros[0].mensagem == "Certificado não autorizado"
    assert len(authority.received) == 1
