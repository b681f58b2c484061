"""Layout 2 of the NFS-e Paulistana (tax reform 2026): a note that carries the IBS/CBS group
goes in layout 2, one without it in layout 1; every layout-2 request document is valid under
the Prefeitura's official v2 schemas (``schemas-reformatributaria-v02-3``, shipped in
``esquemas_v02``) and its RPS signature covers the layout-2 string."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.model.nota import Nota
from nfse.providers.base import Emissor, Rps
from nfse.providers.paulistana import pedidos
from nfse.providers.paulistana.pedidos import DocumentoInvalido, leiaute, problemas
from nfse.xml.validate import validate
from tests.support import CNPJ, nota_exemplo

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
RPS = Rps("A", 17)
REFORMA = {"codigo_nbs": "1.1403.10.00", "codigo_indicador_operacao": "100301",
           "ibs_cbs_situacao_tributaria": "000", "ibs_cbs_classificacao_tributaria": "000001"}


def emissor() -> Emissor:
    return Emissor(a1=A1, ambiente="producao", base_url="https://x", ca_file=None,
                   razao_social="EMPRESA TESTE LTDA")


def body(reforma: bool = True, **overrides: object) -> dict:
    nota = nota_exemplo(**overrides)
    nota["prestador"].update(codigo_municipio="3550308", inscricao_municipal="31000000")
    nota["servico"].update(codigo_tributario_municipio="2658", aliquota="2.9",
                           valor_servicos="1500.50", valor_deducoes="100")
    if reforma:
        nota["servico"].update(REFORMA)
    return nota


def nota(reforma: bool = True, **overrides: object) -> Nota:
    return parse_nfse(body(reforma, **overrides))


def schema_v2(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    assert root.find("Cabecalho").get("Versao") == "2"
    return validate(root, pedidos.xsd_dir_v2() / f"{etree.QName(root).localname}_v02.xsd")


def test_the_ibs_cbs_group_chooses_layout_2() -> None:
    assert leiaute(nota()) == 2
    assert leiaute(nota(reforma=False)) == 1
    v1 = etree.fromstring(pedidos.envio_rps(nota(reforma=False), RPS, emissor()))
    assert v1.find("Cabecalho").get("Versao") == "1"
    assert v1.findtext("RPS/ValorServicos") == "1500.50"


def test_every_layout_2_document_is_valid_under_the_official_v2_schemas() -> None:
    n = nota()
    for xml in (pedidos.envio_rps(n, RPS, emissor()),
                pedidos.envio_lote([(n, RPS), (n, Rps("A", 18))], emissor()),
                pedidos.consulta_rps(n, RPS, emissor()),
                pedidos.consulta_nfe(n, "123", emissor()),
                pedidos.consulta_lote(n, "7", emissor()),
                pedidos.cancelamento(n, "123", emissor()),
                pedidos.consulta_recebidas(CNPJ, None, date(2026, 3, 1), date(2026, 3, 31), 2,
                                           emissor())):
        assert schema_v2(xml) == [], xml


def test_the_layout_2_rps_carries_the_reform_fields_and_signs_the_90_character_string(
        ) -> None:
    rps = etree.fromstring(pedidos.envio_rps(nota(), RPS, emissor())).find("RPS")
    assert rps.find("ValorServicos") is None and rps.find("ValorInicialCobrado") is None
    assert rps.findtext("ValorFinalCobrado") == "1500.50"
    assert rps.findtext("NBS") == "114031000"
    assert rps.findtext("cLocPrestacao") == "3550308"
    assert rps.findtext("IBSCBS/cIndOp") == "100301"
    assert rps.findtext("IBSCBS/valores/trib/gIBSCBS/cClassTrib") == "000001"
    texto = ("000031000000" "A    " "000000000017" "20170921" "TNN" "000000000150050"
             "000000000010000" "02658" "2" "07504505000132")  # the IM in 12 digits
    assert len(texto) == 90
    A1.cert.public_key().verify(base64.b64decode(rps.findtext("Assinatura")),
                                texto.encode("ascii"), padding.PKCS1v15(), hashes.SHA1())


def test_a_lot_of_layout_2_has_no_totals_and_one_of_layout_1_has_them() -> None:
    v2 = etree.fromstring(pedidos.envio_lote([(nota(), RPS)], emissor()))
    assert v2.find("Cabecalho/ValorTotalServicos") is None
    v1 = etree.fromstring(pedidos.envio_lote([(nota(reforma=False), RPS),
                                              (nota(reforma=False), Rps("A", 18))], emissor()))
    assert v1.findtext("Cabecalho/ValorTotalServicos") == "3001.00"
    assert v1.findtext("Cabecalho/QtdRPS") == "2"
    with pytest.raises(DocumentoInvalido):
        pedidos.envio_lote([(nota(), RPS), (nota(reforma=False), Rps("A", 18))], emissor())


def test_a_tomador_abroad_goes_by_nif_in_layout_2() -> None:
    tomador = {"nif": "W123456789", "razao_social": "CLIENTE NO EXTERIOR",
               "endereco": {"logradouro": "Main St", "numero": "1", "bairro": "Centro",
                            "codigo_pais": "US", "codigo_postal": "10001",
                            "cidade": "New York", "regiao": "NY"}}
    xml = pedidos.envio_rps(nota(tomador=tomador), RPS, emissor())
    assert schema_v2(xml) == []
    rps = etree.fromstring(xml).find("RPS")
    assert rps.findtext("CPFCNPJTomador/NIF") == "W123456789"
    assert rps.findtext("EnderecoTomador/EnderecoExterior/cPais") == "US"


def test_layout_2_problems_are_said_at_post() -> None:
    incompleta = body()
    del incompleta["servico"]["codigo_nbs"]
    incompleta["servico"]["ibs_cbs_classificacao_tributaria"] = "1"
    campos = {p.campo for p in problemas(parse_nfse(incompleta))}
    assert {"servico.codigo_nbs", "servico.ibs_cbs_classificacao_tributaria"} <= campos
    longa = body()
    longa["prestador"]["inscricao_municipal"] = "123456789012"
    assert problemas(parse_nfse(longa)) == []  # layout 2 takes a 12-digit CCM
    longa["servico"] = {k: v for k, v in longa["servico"].items() if k not in REFORMA}
    assert [p.campo for p in problemas(parse_nfse(longa))] == [
        "prestador.inscricao_municipal"]
