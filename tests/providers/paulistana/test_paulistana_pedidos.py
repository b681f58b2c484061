"""The NFS-e Paulistana documents: the RPS signature string against the example the
Prefeitura's manual publishes, the request documents against the official v1 schemas of the
``nfselib-legacy`` wheel, and both signatures verified with the certificate's public key."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.model.nota import Nota
from nfse.providers.base import Emissor, Rps
from nfse.providers.paulistana import pedidos
from nfse.providers.paulistana.assinatura import (
    CamposRps,
    Documento,
    texto_cancelamento,
    texto_rps,
)
from nfse.providers.paulistana.pedidos import DocumentoInvalido, problemas
from nfse.xml.validate import validate
from tests.support import CNPJ, nota_exemplo

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
SAO_PAULO = "3550308"
RPS = Rps("A", 17)

MANUAL_EXEMPLO = CamposRps(
    inscricao_prestador="31000000", serie="OL03", numero=1, data_emissao=date(2007, 1, 3),
    tributacao="T", status="N", iss_retido=False, valor_servicos=Decimal("20500.00"),
    valor_deducoes=Decimal("5000.00"), codigo_servico="2658",
    tomador=Documento(cpf="13167474254"), intermediario=Documento(cnpj="09999999000106"),
    iss_retido_intermediario=True)
"""The manual's example of the RPS signature string (IM 31000000, série OL03, RPS 1 of
2007-01-03, tributado em SP, R$ 20.500,00 with R$ 5.000,00 of deductions, service 02658,
tomador CPF 131.674.742-54, intermediário CNPJ 09.999.999/0001-06 withholding the ISS)."""


def emissor() -> Emissor:
    return Emissor(a1=A1, ambiente="producao", base_url="https://x", ca_file=None,
                   razao_social="EMPRESA TESTE LTDA")


def body(**overrides: object) -> dict:
    nota = nota_exemplo(**overrides)
    nota["prestador"].update(codigo_municipio=SAO_PAULO, inscricao_municipal="31000000")
    nota["servico"].update(codigo_tributario_municipio="02658", aliquota="2.9",
                           valor_servicos="1500.50", valor_deducoes="100")
    return nota


def nota(**overrides: object) -> Nota:
    return parse_nfse(body(**overrides))


def schema(root: etree._Element) -> list[str]:
    folder = pedidos.xsd_dir()
    assert folder is not None, "nfselib-legacy (dev extra) ships the v1 schemas"
    return validate(root, folder / f"{etree.QName(root).localname}_v01.xsd")


def verifica(texto: str, assinatura: str) -> None:
    A1.cert.public_key().verify(base64.b64decode(assinatura), texto.encode("ascii"),
                                padding.PKCS1v15(), hashes.SHA1())


def test_rps_string_is_the_manuals_example() -> None:
    assert texto_rps(MANUAL_EXEMPLO) == (
        "31000000OL03 00000000000120070103TNN000000002050000000000000500000"
        "0265810001316747425420999999900010" "6S")


def test_rps_string_without_intermediario_has_86_characters() -> None:
    campos = CamposRps(**{**MANUAL_EXEMPLO.__dict__, "intermediario": None,
                          "tomador": Documento()})
    text = texto_rps(campos)
    assert len(text) == 86
    assert text.endswith("02658" + "3" + "0" * 14)


def test_cancellation_string() -> None:
    assert texto_cancelamento("31000000", "123") == "31000000000000000123"


def test_envio_rps_is_valid_and_signed() -> None:
    xml = pedidos.envio_rps(nota(), RPS, emissor(), hoje=date(2030, 1, 1))
    root = etree.fromstring(xml)
    assert schema(root) == []
    rps = root.find("RPS")
    assert rps.findtext("ChaveRPS/InscricaoPrestador") == "31000000"
    assert rps.findtext("ValorServicos") == "1500.50"
    assert rps.findtext("AliquotaServicos") == "0.029"
    assert rps.findtext("TributacaoRPS") == "T"
    assert rps.findtext("CPFCNPJTomador/CNPJ") == "07504505000132"
    esperado = texto_rps(pedidos.campos_rps(nota(), RPS, date(2030, 1, 1)))
    assert esperado.startswith("31000000A    00000000001720170921TNN000000000150050")
    verifica(esperado, rps.findtext("Assinatura"))
    with pytest.raises(InvalidSignature):
        verifica(esperado.replace("TNN", "TNS"), rps.findtext("Assinatura"))


def test_documents_are_valid_under_the_official_schemas() -> None:
    for xml in (pedidos.envio_lote([(nota(), RPS)], emissor()),
                pedidos.consulta_rps(nota(), RPS, emissor()),
                pedidos.consulta_nfe(nota(), "42", emissor()),
                pedidos.cancelamento(nota(), "42", emissor())):
        assert schema(etree.fromstring(xml)) == []


def test_cancellation_signature_covers_im_and_number() -> None:
    root = etree.fromstring(pedidos.cancelamento(nota(), "42", emissor()))
    verifica("31000000000000000042", root.findtext("Detalhe/AssinaturaCancelamento"))


def test_message_signature_digests_the_whole_document() -> None:
    import hashlib

    root = etree.fromstring(pedidos.envio_rps(nota(), RPS, emissor()))
    ds = "{http://www.w3.org/2000/09/xmldsig#}"
    signature = root.find(f"{ds}Signature")
    assert signature.find(f"{ds}SignedInfo/{ds}Reference").get("URI") == ""
    digest = signature.findtext(f"{ds}SignedInfo/{ds}Reference/{ds}DigestValue")
    # SignedInfo as a document subset: the root's namespace declarations are in scope
    signed_info = etree.tostring(etree.fromstring(etree.tostring(
        signature.find(f"{ds}SignedInfo"))), method="c14n")
    assert b'xmlns:p1="http://www.prefeitura.sp.gov.br/nfe"' in signed_info
    A1.cert.public_key().verify(base64.b64decode(signature.findtext(f"{ds}SignatureValue")),
                                signed_info, padding.PKCS1v15(), hashes.SHA1())
    root.remove(signature)
    canonical = etree.tostring(etree.fromstring(etree.tostring(root)), method="c14n")
    assert base64.b64encode(hashlib.sha1(canonical).digest()).decode() == digest


def test_im_is_sent_as_8_digits() -> None:
    curta, longa = body(), body()
    curta["prestador"]["inscricao_municipal"] = "12345"
    longa["prestador"]["inscricao_municipal"] = "0031000000"
    for corpo, esperado in ((curta, "00012345"), (longa, "31000000")):
        root = etree.fromstring(pedidos.envio_rps(parse_nfse(corpo), RPS, emissor()))
        assert root.findtext("RPS/ChaveRPS/InscricaoPrestador") == esperado
        assert schema(root) == []


def test_problemas_of_the_layout() -> None:
    errado = body()
    errado["prestador"]["inscricao_municipal"] = "123456789"
    errado["servico"]["codigo_tributario_municipio"] = "620910000"
    campos = {p.campo for p in problemas(parse_nfse(errado))}
    assert campos == {"prestador.inscricao_municipal", "servico.codigo_tributario_municipio"}
    with pytest.raises(DocumentoInvalido):
        pedidos.envio_rps(parse_nfse(errado), RPS, emissor())
