"""The ABRASF 1.0 request documents in Ginfes' dialect: valid under the shipped Ginfes v03
schemas, mapped from the normalised note as the facts say (rate as a fraction, four-digit
cancellation code, unqualified ``Pedido``), signed (the lot by its Id, the others as a
whole; checked by the sandboxes' independent verification), and wrapped as Ginfes' SOAP
wants (arg0/arg1, the namespace of the address's host)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.model.nota import Nota
from nfse.providers.abrasf.variante import variante_de
from nfse.providers.abrasf1 import esquema, pedidos
from nfse.providers.abrasf1.pedidos import DocumentoInvalido, problemas
from nfse.providers.abrasf1.soap import envelope, namespace_servico
from nfse.providers.base import Emissor, Rps
from nfse.sandbox.assinatura import DS, verificar_assinatura
from tests.support import CNPJ, nota_exemplo

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
EMISSOR = Emissor(a1=A1, ambiente="homologacao",
                  base_url="https://homologacao.ginfes.com.br/ServiceGinfesImpl", ca_file=None,
                  razao_social="EMPRESA TESTE LTDA")
VARIANTE = variante_de({})
T = {"t": esquema.TIPOS}


def _nota(**overrides: object) -> Nota:
    body = nota_exemplo(**overrides)
    body["prestador"]["codigo_municipio"] = "3518800"
    return parse_nfse(body)


def _assinatura_confere(documento: bytes) -> etree._Element:
    """The one signature verifies and covers the lot (by its Id) or the whole document."""
    root = etree.fromstring(documento)
    (assinatura,) = root.iter(f"{{{DS}}}Signature")
    uri = assinatura.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference").get("URI")
    lote = root.find(f"{{{etree.QName(root).namespace}}}LoteRps")
    assinado = root if lote is None else lote
    assert uri == ("" if lote is None else f"#{lote.get('Id')}")
    assert verificar_assinatura(assinatura, assinado).serial_number == A1.cert.serial_number
    return root


def test_the_lot_is_schema_valid_signed_and_carries_the_note() -> None:
    root = _assinatura_confere(pedidos.lote_rps(_nota(), Rps("A1", 42), EMISSOR, VARIANTE))
    assert esquema.problemas(root) == []
    assert root[-1].tag == f"{{{DS}}}Signature"  # after LoteRps, where the schema puts it
    assert root[0].get("Id") == "Lote_42"
    inf = root.find(".//t:InfRps", T)
    assert inf.findtext("t:IdentificacaoRps/t:Numero", namespaces=T) == "42"
    assert inf.findtext("t:IdentificacaoRps/t:Serie", namespaces=T) == "A1"
    assert root.findtext(".//t:NumeroLote", namespaces=T) == "42"
    valores = inf.find("t:Servico/t:Valores", T)
    assert valores.findtext("t:Aliquota", namespaces=T) == "0.0300"  # 3 % as a fraction
    assert valores.findtext("t:ValorPis", namespaces=T) == "0.00"
    assert inf.findtext("t:Servico/t:ItemListaServico", namespaces=T) == "01.07"
    assert inf.findtext("t:Tomador/t:RazaoSocial", namespaces=T) == \
        "Acras Tecnologia da Informação LTDA"
    assert inf.find("t:Signature", {"t": DS}) is None  # Ginfes does not sign the RPS


def test_a_full_note_is_schema_valid() -> None:
    nota = _nota(intermediario={"cpf": "52998224725", "razao_social": "Fulano de Tal",
                                "inscricao_municipal": "998877"},
                 codigo_obra="OBRA-1", art="ART-9", regime_especial_tributacao=6,
                 natureza_operacao=2)
    body = nota_exemplo()
    body["servico"].update({"iss_retido": "true", "valor_deducoes": 0.1,
                            "codigo_cnae": "6209100", "desconto_condicionado": 0.05})
    body["tomador"] = {"cpf": "52998224725", "razao_social": "Maria", "telefone": "(11) 2345-6789"}
    outra = parse_nfse({**body, "prestador": {**body["prestador"], "codigo_municipio": "3518800"}})
    for documento in (pedidos.lote_rps(nota, Rps("1", 1), EMISSOR, VARIANTE),
                      pedidos.lote_rps(outra, Rps("1", 2), EMISSOR, VARIANTE)):
        assert esquema.problemas(_assinatura_confere(documento)) == []
    root = etree.fromstring(pedidos.lote_rps(outra, Rps("1", 2), EMISSOR, VARIANTE))
    assert root.findtext(".//t:Contato/t:Telefone", namespaces=T) == "1123456789"
    assert root.findtext(".//t:Valores/t:IssRetido", namespaces=T) == "1"


def test_queries_and_cancellation_are_schema_valid_and_signed() -> None:
    nota = _nota()
    for documento in (pedidos.consultar_situacao(nota, "123456", EMISSOR, VARIANTE),
                      pedidos.consultar_lote(nota, "123456", EMISSOR, VARIANTE),
                      pedidos.consultar_nfse_rps(nota, Rps("1", 7), EMISSOR, VARIANTE),
                      pedidos.consultar_nfse(nota, "000321", EMISSOR, VARIANTE),
                      pedidos.cancelar_nfse(nota, "321", EMISSOR, VARIANTE)):
        assert esquema.problemas(_assinatura_confere(documento)) == []


def test_the_cancellation_in_the_v03_layout() -> None:
    root = etree.fromstring(pedidos.cancelar_nfse(_nota(), "321", EMISSOR,
                                                  variante_de({"codigo_cancelamento": "2"})))
    pedido = root[0]
    assert pedido.tag == "Pedido"  # unqualified, as the v03 schema says
    inf = pedido.find("t:InfPedidoCancelamento", T)
    assert inf.findtext("t:IdentificacaoNfse/t:Numero", namespaces=T) == "321"
    assert inf.findtext("t:IdentificacaoNfse/t:CodigoMunicipio", namespaces=T) == "3518800"
    assert inf.findtext("t:CodigoCancelamento", namespaces=T) == "0002"
    assert pedido[-1].tag == f"{{{DS}}}Signature"


def test_a_number_that_is_no_nfse_number_is_refused() -> None:
    with pytest.raises(DocumentoInvalido):
        pedidos.cancelar_nfse(_nota(), "ABC", EMISSOR, VARIANTE)


def _sem_cnpj(nota: Nota) -> Nota:
    return replace(nota, prestador=replace(nota.prestador, cnpj=None, cpf="52998224725"))


def _sem_inscricao(nota: Nota) -> Nota:
    return replace(nota, prestador=replace(nota.prestador, inscricao_municipal=""))


def _aliquota_fina(nota: Nota) -> Nota:
    return replace(nota, servico=replace(nota.servico, aliquota=Decimal("2.555")))


def _nome_longo(nota: Nota) -> Nota:
    assert nota.tomador is not None
    return replace(nota, tomador=replace(nota.tomador, razao_social="X" * 116))


@pytest.mark.parametrize(("campo", "mudar"), [
    ("prestador.cnpj", _sem_cnpj), ("prestador.inscricao_municipal", _sem_inscricao),
    ("servico.aliquota", _aliquota_fina), ("tomador.razao_social", _nome_longo),
])
def test_what_the_10_layout_cannot_carry_is_refused_at_post(
        campo: str, mudar: Callable[[Nota], Nota]) -> None:
    nota = mudar(_nota())
    assert campo in [p.campo for p in problemas(nota)]
    with pytest.raises(DocumentoInvalido):
        pedidos.lote_rps(nota, Rps("1", 1), EMISSOR, VARIANTE)


def test_the_example_note_has_nothing_to_refuse() -> None:
    nota = _nota()
    assert problemas(nota) == []
    assert problemas(replace(nota, servico=replace(nota.servico,
                                                   aliquota=Decimal("2.5")))) == []


def test_the_soap_call_is_ginfes_own() -> None:
    dados = pedidos.consultar_situacao(_nota(), "1", EMISSOR, VARIANTE)
    namespace = namespace_servico(EMISSOR.base_url, {})
    assert namespace == "http://homologacao.ginfes.com.br"
    assert namespace_servico("https://producao.ginfes.com.br/ServiceGinfesImpl", {}) == \
        "http://producao.ginfes.com.br"
    assert namespace_servico(EMISSOR.base_url, {"namespace_servico": "urn:x"}) == "urn:x"
    corpo, headers = envelope("ConsultarSituacaoLoteRps", pedidos.CABECALHO, dados, namespace)
    assert headers["SOAPAction"] == '""' and headers["Content-Type"].startswith("text/xml")
    operacao = etree.fromstring(corpo)[0][0]
    assert operacao.tag == f"{{{namespace}}}ConsultarSituacaoLoteRpsV3"
    assert [c.tag for c in operacao] == ["arg0", "arg1"]
    cabecalho = etree.fromstring(operacao[0].text.encode())
    assert esquema.problemas(cabecalho) == []
    assert cabecalho.get("versao") == "3" and cabecalho.findtext("versaoDados") == "3"
    assert etree.fromstring(operacao[1].text.encode()).tag.endswith(
        "ConsultarSituacaoLoteRpsEnvio")
