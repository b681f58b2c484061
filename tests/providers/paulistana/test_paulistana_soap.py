"""The SOAP actions of the Paulistana web service, as its WSDL (``lotenfe.asmx?WSDL``, layouts
1 and 2 alike) declares them: the operation's name with its first letter in lower case, except
``TesteEnvioLoteRPS``, whose action is ``testeenvio``; layout 1 carries it in the Content-Type,
layout 2 in a ``SOAPAction`` header."""

from __future__ import annotations

import pytest

from nfse.providers.paulistana import soap

WSDL = {
    "EnvioRPS": "envioRPS", "EnvioLoteRPS": "envioLoteRPS", "TesteEnvioLoteRPS": "testeenvio",
    "ConsultaNFe": "consultaNFe", "ConsultaNFeRecebidas": "consultaNFeRecebidas",
    "ConsultaNFeEmitidas": "consultaNFeEmitidas", "ConsultaLote": "consultaLote",
    "ConsultaInformacoesLote": "consultaInformacoesLote",
    "CancelamentoNFe": "cancelamentoNFe", "ConsultaCNPJ": "consultaCNPJ",
}


@pytest.mark.parametrize(("operacao", "acao"), WSDL.items())
def test_each_operation_has_the_wsdls_action(operacao: str, acao: str) -> None:
    assert soap.acao(operacao) == "http://www.prefeitura.sp.gov.br/nfe/ws/" + acao
    _request, headers = soap.envelope(operacao, 1, b"<x/>")
    assert f'action="http://www.prefeitura.sp.gov.br/nfe/ws/{acao}"' in headers["Content-Type"]


def test_layout_2_sends_the_action_as_a_soapaction_header() -> None:
    _request, headers = soap.envelope("EnvioLoteRPS", 2, b"<x/>")
    assert headers["SOAPAction"] == "http://www.prefeitura.sp.gov.br/nfe/ws/envioLoteRPS"
    assert headers["Content-Type"] == "application/soap+xml; charset=utf-8"
