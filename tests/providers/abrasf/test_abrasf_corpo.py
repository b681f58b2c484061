"""Where the document travels in the SOAP body (``forma_documento``) and the SOAPAction's
shape (``forma_acao``): the options parsed with clear errors, and the request each form
writes around the same signed document."""

from __future__ import annotations

import pytest
from lxml import etree

from nfse.providers.abrasf import envelope
from nfse.providers.abrasf.leiaute import NS
from nfse.providers.abrasf.variante import VarianteInvalida, variante_de
from nfse.providers.base import Emissor

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
DOCUMENTO = (f'<ConsultarNfseRpsEnvio xmlns="{NS}"><IdentificacaoRps><Numero>7</Numero>'
             "</IdentificacaoRps></ConsultarNfseRpsEnvio>").encode()


def _emissor(login: str | None = None, senha: str | None = None) -> Emissor:
    return Emissor(a1=None, ambiente="homologacao",  # type: ignore[arg-type]
                   base_url="https://x.invalid", ca_file=None, razao_social="Empresa",
                   login=login, senha=senha)


@pytest.mark.parametrize(("opcoes", "palavra"), [
    ({"forma_documento": "anexo"}, "forma_documento"),
    ({"forma_acao": "{prefixo}/{metodo}"}, "forma_acao"),
    ({"forma_acao": "{prefixo"}, "forma_acao"),
    ({"operacao_minuscula": "sim"}, "operacao_minuscula"),
    ({"conciliacao_cancelamento": "ConsultarNfsePorRps"}, "conciliacao_cancelamento"),
])
def test_a_bad_body_option_names_itself(opcoes: dict, palavra: str) -> None:
    with pytest.raises(VarianteInvalida, match=palavra):
        variante_de(opcoes)


def _pedido(opcoes: dict, emissor: Emissor | None = None) -> tuple[etree._Element, str]:
    corpo, cabecalhos = envelope.pedido("ConsultarNfsePorRps", DOCUMENTO, variante_de(opcoes),
                                        emissor or _emissor())
    body = etree.fromstring(corpo).find(f"{{{SOAP11}}}Body")
    assert body is not None
    return body[0], cabecalhos["SOAPAction"]


def test_elements_lower_case_bare_action_and_credentials() -> None:
    opcoes = {"namespace_servico": "http://ws.issweb.fiorilli.com.br/",
              "sufixo_requisicao": "", "forma_documento": "elementos",
              "forma_acao": "{operacao}", "operacao_minuscula": True,
              "credenciais_no_corpo": True}
    elemento, acao = _pedido(opcoes, _emissor("eu", "a&b"))
    assert etree.QName(elemento).text == "{http://ws.issweb.fiorilli.com.br/}consultarNfsePorRps"
    assert acao == '"consultarNfsePorRps"'
    documento, usuario, senha = elemento
    assert etree.QName(documento).text == f"{{{NS}}}ConsultarNfseRpsEnvio"
    assert (usuario.text, senha.text) == ("eu", "a&b")
    with pytest.raises(envelope.CredenciaisAusentes):
        _pedido(opcoes, _emissor("eu", None))


def test_elements_without_namespace_and_empty_action() -> None:
    elemento, acao = _pedido({"sufixo_requisicao": "", "forma_documento": "elementos",
                              "forma_acao": "", "documento_sem_namespace": True})
    assert acao == '""'
    [documento] = elemento
    assert [etree.QName(e).namespace for e in documento.iter()] == [None] * 3


def test_the_document_as_the_body_named_in_the_action() -> None:
    elemento, acao = _pedido({"forma_documento": "corpo",
                              "forma_acao": "http://nfse.abrasf.org.br/WSNFSE203.Service2."
                                            "nfseSOAP.{documento}"})
    assert etree.QName(elemento).text == f"{{{NS}}}ConsultarNfseRpsEnvio"
    assert acao == '"http://nfse.abrasf.org.br/WSNFSE203.Service2.nfseSOAP.ConsultarNfseRpsEnvio"'


@pytest.mark.parametrize(("qualificado", "parametro"), [(True, "{urn:x}xml"), (False, "xml")])
def test_the_document_as_the_text_of_one_parameter(qualificado: bool, parametro: str) -> None:
    elemento, acao = _pedido({"namespace_servico": "urn:x", "sufixo_requisicao": "",
                              "forma_documento": "parametro_xml",
                              "parametros_qualificados": qualificado,
                              "forma_acao": "{prefixo}#{operacao}"})
    assert acao == '"urn:x#ConsultarNfsePorRps"'
    [xml] = elemento
    assert xml.tag == parametro
    assert xml.text.encode() == DOCUMENTO
