"""Variant options from the municipality registry: defaults, parsing, clear errors."""

from __future__ import annotations

import pytest

from nfse.providers.abrasf.variante import (
    PADRAO,
    Variante,
    VarianteInvalida,
    normalizar_codigo,
    variante_de,
)


def test_defaults_are_the_plain_abrasf_wsdl() -> None:
    assert variante_de({}) is PADRAO
    assert variante_de(None) == Variante()
    assert PADRAO.versao_soap == "1.1"
    assert PADRAO.emissao == "GerarNfse"
    assert PADRAO.namespace_servico == "http://nfse.abrasf.org.br"
    assert PADRAO.parametros_qualificados is False
    assert PADRAO.assinatura == "sha1"
    assert PADRAO.formato_item_lista == "01.07"
    assert PADRAO.autenticacao == "certificado"
    assert PADRAO.codigo_cancelamento == "1"
    assert PADRAO.acao("GerarNfse") == "http://nfse.abrasf.org.br/GerarNfse"


def test_options_are_parsed_once_into_a_frozen_variant() -> None:
    opcoes = {"versao_soap": "1.2", "emissao": "RecepcionarLoteRpsSincrono",
              "namespace_servico": "http://www.exemplo.gov.br/nfse/",
              "parametros_qualificados": "true", "assinatura": "sha256",
              "formato_item_lista": "0107", "prefixo_acao": "http://nfse.abrasf.org.br/Infse",
              "codigos_rps_duplicado": ["E10", "L018"], "codigos_rps_nao_encontrado": "E4,E092",
              "xsd_dir": "/tmp/xsd"}
    v = variante_de(opcoes)
    assert v is variante_de(dict(opcoes))
    assert (v.versao_soap, v.emissao, v.parametros_qualificados, v.assinatura,
            v.formato_item_lista) == ("1.2", "RecepcionarLoteRpsSincrono", True, "sha256",
                                      "0107")
    assert v.acao("CancelarNfse") == "http://nfse.abrasf.org.br/Infse/CancelarNfse"
    assert v.codigos_rps_duplicado == {"E10", "L18"}
    assert v.codigos_rps_nao_encontrado == {"E4", "E92"}
    assert v.xsd_dir == "/tmp/xsd"
    with pytest.raises(AttributeError):
        v.versao_soap = "1.1"  # type: ignore[misc]
    assert variante_de({"namespace_servico": "http://x/"}).acao("GerarNfse") == \
        "http://x/GerarNfse"


@pytest.mark.parametrize(("opcoes", "text"), [
    ({"versao_soap": "2.0"}, "versao_soap='2.0'"),
    ({"assinatura": "md5"}, "assinatura='md5'"),
    ({"emissao": "ConsultarLoteRps"}, "emissao"),
    ({"formato_item_lista": "1.7"}, "formato_item_lista"),
    ({"autenticacao": "usuario_senha"}, "autenticacao"),
    ({"codigo_cancelamento": "3"}, "codigo_cancelamento"),
    ({"parametros_qualificados": "talvez"}, "parametros_qualificados"),
    ({"namespace_servico": ""}, "namespace_servico"),
    ({"codigo_municipio_homologacao": "50027"}, "codigo_municipio_homologacao"),
    ({"versao_soap": "1.1", "soap": "1.2"}, "desconhecidas: soap"),
])
def test_unknown_options_are_refused_by_name(opcoes: dict, text: str) -> None:
    with pytest.raises(VarianteInvalida, match=text):
        variante_de(opcoes)


def test_codes_are_compared_without_padding() -> None:
    assert normalizar_codigo(" e010 ") == "E10"
    assert normalizar_codigo("E4") == "E4"
    assert normalizar_codigo("0014") == "14"
    assert normalizar_codigo("X-1") == "X-1"
