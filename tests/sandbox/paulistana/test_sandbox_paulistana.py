"""The Paulistana sandbox's own checks, called over HTTPS with a client certificate: a wrong
RPS signature is error 1206 naming the string verified, a tampered message fails its
XMLDSig, a wrong cancellation signature is refused, an RPS is issued once, and a query of an
RPS that never became a note answers success without NFe."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.providers.base import Emissor, Rps
from nfse.providers.paulistana import pedidos, soap
from nfse.providers.transport import Transport
from nfse.sandbox.paulistana import PaulistanaSandbox
from nfse.xml.validate import validate
from tests.support import CNPJ, nota_exemplo

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
OUTRO = generate_a1("11444777000161", "OUTRA EMPRESA LTDA")
RPS = Rps("A", 5)


@pytest.fixture
def box(tmp_path: Path) -> Iterator[PaulistanaSandbox]:
    sandbox = PaulistanaSandbox(tmp_path / "sp", xsd_dir=pedidos.xsd_dir())
    sandbox.start()
    sandbox.trust(A1.cert)
    sandbox.trust(OUTRO.cert)
    yield sandbox
    sandbox.stop()


def emissor(a1=A1) -> Emissor:
    return Emissor(a1=a1, ambiente="homologacao", base_url="https://x", ca_file=None,
                   razao_social="EMPRESA TESTE LTDA")


def nota(**servico: object):
    body = nota_exemplo()
    body["prestador"].update(codigo_municipio="3550308", inscricao_municipal="31000000")
    body["servico"].update(codigo_tributario_municipio="02658", **servico)
    return parse_nfse(body)


def chamar(box: PaulistanaSandbox, operacao: str, mensagem: bytes,
           a1=A1) -> etree._Element:
    """One SOAP call with ``a1`` as the TLS client certificate; the Retorno document."""
    request, headers = soap.envelope(operacao, 1, mensagem)
    answer = Transport().request("POST", box.url, a1, str(box.ca_file), 10.0,
                                 content=request, headers=headers)
    parsed = soap.resposta(answer.body)
    assert isinstance(parsed, etree._Element), answer.body
    return parsed


def erro(retorno: etree._Element) -> tuple[str, str]:
    assert retorno.findtext("Cabecalho/Sucesso") == "false"
    return retorno.findtext("Erro/Codigo"), retorno.findtext("Erro/Descricao")


def test_issues_once_and_answers_queries(box: PaulistanaSandbox) -> None:
    envio = pedidos.envio_rps(nota(), RPS, emissor())
    primeiro = chamar(box, "EnvioRPS", envio)
    assert primeiro.findtext("Cabecalho/Sucesso") == "true"
    numero = primeiro.findtext("ChaveNFeRPS/ChaveNFe/NumeroNFe")
    assert numero == "1"
    de_novo = chamar(box, "EnvioRPS", envio)
    assert de_novo.findtext("ChaveNFeRPS/ChaveNFe/NumeroNFe") == numero
    assert len(box.emitidas()) == 1
    consulta = chamar(box, "ConsultaNFe", pedidos.consulta_rps(nota(), RPS, emissor()))
    assert consulta.findtext("NFe/ChaveNFe/NumeroNFe") == numero
    assert consulta.findtext("NFe/StatusNFe") == "N"
    folder = pedidos.xsd_dir()
    assert validate(consulta, folder / "RetornoConsulta_v01.xsd") == []
    assert validate(primeiro, folder / "RetornoEnvioRPS_v01.xsd") == []


def test_query_of_an_unknown_rps_answers_success_without_nfe(box: PaulistanaSandbox) -> None:
    consulta = chamar(box, "ConsultaNFe", pedidos.consulta_rps(nota(), Rps("A", 99),
                                                                  emissor()))
    assert consulta.findtext("Cabecalho/Sucesso") == "true"
    assert consulta.find("NFe") is None


def test_wrong_rps_signature_is_1206(box: PaulistanaSandbox) -> None:
    root = etree.fromstring(pedidos.envio_rps(nota(), RPS, emissor()))
    # the RPS signed for another value: the string the Prefeitura computes differs
    outro = etree.fromstring(pedidos.envio_rps(nota(valor_servicos="2.00"), RPS,
                                                  emissor()))
    root.find("RPS/Assinatura").text = outro.findtext("RPS/Assinatura")
    root.remove(root[-1])
    pedidos.assinar_documento(root, emissor())
    codigo, descricao = erro(chamar(box, "EnvioRPS", etree.tostring(root)))
    assert codigo == "1206"
    assert "31000000A    000000000005" in descricao
    assert box.emitidas() == []


def test_tampered_message_fails_its_xmldsig(box: PaulistanaSandbox) -> None:
    root = etree.fromstring(pedidos.envio_rps(nota(), RPS, emissor()))
    root.find("RPS/Discriminacao").text = "Outra coisa"
    codigo, _ = erro(chamar(box, "EnvioRPS", etree.tostring(root)))
    assert codigo == "1056"  # the digest no longer matches
    assert box.emitidas() == []


def test_certificate_must_be_the_remetentes(box: PaulistanaSandbox) -> None:
    envio = pedidos.envio_rps(nota(), RPS, emissor())
    codigo, _ = erro(chamar(box, "EnvioRPS", envio, a1=OUTRO))
    assert codigo == "1100"


def test_cancellation_checks_its_signature(box: PaulistanaSandbox) -> None:
    chamar(box, "EnvioRPS", pedidos.envio_rps(nota(), RPS, emissor()))
    root = etree.fromstring(pedidos.cancelamento(nota(), "1", emissor()))
    outro = etree.fromstring(pedidos.cancelamento(nota(), "2", emissor()))
    root.find("Detalhe/AssinaturaCancelamento").text = \
        outro.findtext("Detalhe/AssinaturaCancelamento")
    root.remove(root[-1])
    pedidos.assinar_documento(root, emissor())
    codigo, descricao = erro(chamar(box, "CancelamentoNFe", etree.tostring(root)))
    assert (codigo, "31000000000000000001" in descricao) == ("1305", True)
    assert [e["status"] for e in box.emitidas()] == ["autorizada"]
    ok = chamar(box, "CancelamentoNFe", pedidos.cancelamento(nota(), "1", emissor()))
    assert ok.findtext("Cabecalho/Sucesso") == "true"
    assert [e["status"] for e in box.emitidas()] == ["cancelada"]


def test_teste_envio_lote_checks_and_issues_nothing(box: PaulistanaSandbox) -> None:
    retorno = chamar(box, "TesteEnvioLoteRPS",
                     pedidos.envio_lote([(nota(), RPS)], emissor(), hoje=date(2030, 1, 1)))
    assert retorno.findtext("Cabecalho/Sucesso") == "true"
    assert box.emitidas() == []
    assert base64.b64decode(etree.fromstring(pedidos.envio_lote(
        [(nota(), RPS)], emissor())).findtext("RPS/Assinatura"))


def test_without_schema_a_malformed_number_is_refused_not_a_crash(tmp_path: Path) -> None:
    sandbox = PaulistanaSandbox(tmp_path / "sem-xsd")
    sandbox.start()
    sandbox.trust(A1.cert)
    try:
        root = etree.fromstring(pedidos.consulta_rps(nota(), RPS, emissor()))
        root.find("Detalhe/ChaveRPS/NumeroRPS").text = "cinco"
        root.remove(root[-1])
        pedidos.assinar_documento(root, emissor())
        codigo, _ = erro(chamar(sandbox, "ConsultaNFe", etree.tostring(root)))
        assert codigo == "1001"
    finally:
        sandbox.stop()
