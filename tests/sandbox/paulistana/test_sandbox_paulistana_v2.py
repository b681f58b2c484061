"""The Paulistana sandbox in layout 2, called over HTTPS with a client certificate: it issues
a layout-2 RPS and answers in layout 2 (valid under the official ``RetornoConsulta_v02``),
refuses the manual's cases with the manual's codes (1206 naming the 90-character string, 640
for ValorInicialCobrado, 1002 for a Cabecalho of the other layout), issues a lot and answers
ConsultaLote, and lists a tomador's received notes by period, 50 a page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.fuso import SAO_PAULO
from nfse.model.nfse import parse_nfse
from nfse.model.nota import Nota
from nfse.providers.base import Emissor, Rps
from nfse.providers.paulistana import pedidos, soap
from nfse.providers.transport import Transport
from nfse.sandbox.paulistana import PaulistanaSandbox
from nfse.store.clock import now
from nfse.xml.validate import validate
from tests.support import CNPJ, nota_exemplo

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
TOMADOR = "07504505000132"
A1_TOMADOR = generate_a1(TOMADOR, "CLIENTE LTDA")
RPS = Rps("A", 5)
REFORMA = {"codigo_nbs": "114031000", "codigo_indicador_operacao": "100301",
           "ibs_cbs_classificacao_tributaria": "000001"}


@pytest.fixture
def box(tmp_path: Path) -> Iterator[PaulistanaSandbox]:
    sandbox = PaulistanaSandbox(tmp_path / "sp", xsd_dir=pedidos.xsd_dir())
    sandbox.start()
    sandbox.trust(A1.cert)
    sandbox.trust(A1_TOMADOR.cert)
    yield sandbox
    sandbox.stop()


def emissor(a1=A1) -> Emissor:
    return Emissor(a1=a1, ambiente="homologacao", base_url="https://x", ca_file=None,
                   razao_social="EMPRESA TESTE LTDA")


def nota(**servico: object) -> Nota:
    body = nota_exemplo(data_emissao=now().astimezone(SAO_PAULO).isoformat())
    body["prestador"].update(codigo_municipio="3550308", inscricao_municipal="31000000")
    body["servico"].update(codigo_tributario_municipio="2658", **REFORMA)
    body["servico"].update(servico)
    return parse_nfse(body)


def chamar(box: PaulistanaSandbox, operacao: str, mensagem: bytes, a1=A1,
           versao: int = 2) -> etree._Element:
    request, headers = soap.envelope(operacao, versao, mensagem)
    answer = Transport().request("POST", box.url, a1, str(box.ca_file), 10.0,
                                 content=request, headers=headers)
    parsed = soap.resposta(answer.body)
    assert isinstance(parsed, etree._Element), answer.body
    return parsed


def erro(retorno: etree._Element) -> tuple[str, str]:
    assert retorno.findtext("Cabecalho/Sucesso") == "false", etree.tostring(retorno)
    return retorno.findtext("Erro/Codigo"), retorno.findtext("Erro/Descricao")


def valido(retorno: etree._Element) -> None:
    nome = etree.QName(retorno).localname
    assert validate(retorno, pedidos.xsd_dir_v2() / f"{nome}_v02.xsd") == []


def reassinar(root: etree._Element) -> bytes:
    root.remove(root[-1])
    pedidos.assinar_documento(root, emissor())
    return etree.tostring(root)


def test_a_layout_2_rps_is_issued_and_read_back_in_layout_2(box: PaulistanaSandbox) -> None:
    emitido = chamar(box, "EnvioRPS", pedidos.envio_rps(nota(), RPS, emissor()))
    valido(emitido)
    assert emitido.findtext("ChaveNFeRPS/ChaveNFe/NumeroNFe") == "1"
    consulta = chamar(box, "ConsultaNFe", pedidos.consulta_rps(nota(), RPS, emissor()))
    valido(consulta)
    assert consulta.find("Cabecalho").get("Versao") == "2"
    assert consulta.findtext("NFe/ValorFinalCobrado") == "1.00"
    assert consulta.findtext("NFe/IBSCBS/cIndOp") == "100301"
    assert consulta.findtext("NFe/NBS") == "114031000"


def test_a_wrong_layout_2_signature_is_1206_naming_the_90_character_string(
        box: PaulistanaSandbox) -> None:
    root = etree.fromstring(pedidos.envio_rps(nota(), RPS, emissor()))
    outro = etree.fromstring(pedidos.envio_rps(nota(valor_servicos="2.00"), RPS, emissor()))
    root.find("RPS/Assinatura").text = outro.findtext("RPS/Assinatura")
    codigo, descricao = erro(chamar(box, "EnvioRPS", reassinar(root)))
    assert codigo == "1206"
    verificada = descricao.split("(")[-1].rstrip(")")
    assert verificada.startswith("000031000000A    000000000005") and len(verificada) == 90
    assert box.emitidas() == []


def test_valor_inicial_cobrado_is_640(box: PaulistanaSandbox) -> None:
    root = etree.fromstring(pedidos.envio_rps(nota(), RPS, emissor()))
    root.find("RPS/ValorFinalCobrado").tag = "ValorInicialCobrado"  # valid under the schema
    codigo, _ = erro(chamar(box, "EnvioRPS", reassinar(root)))
    assert codigo == "640"
    assert box.emitidas() == []


def test_a_layout_1_document_in_a_layout_2_call_is_1002(box: PaulistanaSandbox) -> None:
    v1 = pedidos.envio_rps(nota(**{campo: "" for campo in REFORMA}), RPS, emissor())
    codigo, _ = erro(chamar(box, "EnvioRPS", v1, versao=2))
    assert codigo == "1002"


def test_a_lot_is_issued_and_its_notes_found_by_consulta_lote(box: PaulistanaSandbox) -> None:
    lote = chamar(box, "EnvioLoteRPS", pedidos.envio_lote(
        [(nota(), Rps("L", 1)), (nota(), Rps("L", 2))], emissor()))
    valido(lote)
    numero = lote.findtext("Cabecalho/InformacoesLote/NumeroLote")
    assert [c.findtext("ChaveRPS/NumeroRPS") for c in lote.findall("ChaveNFeRPS")] == ["1", "2"]
    consulta = chamar(box, "ConsultaLote", pedidos.consulta_lote(nota(), numero, emissor()))
    valido(consulta)
    assert [n.findtext("ChaveRPS/NumeroRPS") for n in consulta.findall("NFe")] == ["1", "2"]
    codigo, _ = erro(chamar(box, "ConsultaLote", pedidos.consulta_lote(nota(), "99",
                                                                     emissor())))
    assert codigo == "1105"


def test_received_notes_come_by_period_in_pages_of_50(box: PaulistanaSandbox) -> None:
    for numero in range(1, 53):
        chamar(box, "EnvioRPS", pedidos.envio_rps(nota(), Rps("R", numero), emissor()))
    hoje = now().astimezone(SAO_PAULO).date()

    def pagina(numero: int, inicio: date = hoje - timedelta(days=1)) -> etree._Element:
        return chamar(box, "ConsultaNFeRecebidas", pedidos.consulta_recebidas(
            TOMADOR, None, inicio, hoje, numero, emissor(A1_TOMADOR)), a1=A1_TOMADOR)

    primeira, segunda, terceira = pagina(1), pagina(2), pagina(3)
    valido(primeira)
    assert (len(primeira.findall("NFe")), len(segunda.findall("NFe")),
            len(terceira.findall("NFe"))) == (50, 2, 0)
    assert terceira.findtext("Cabecalho/Sucesso") == "true"
    assert primeira.findtext("NFe/CPFCNPJTomador/CNPJ") == TOMADOR
    codigo, _ = erro(pagina(1, inicio=hoje - timedelta(days=40)))
    assert codigo == "1403"
    alheia = etree.fromstring(pedidos.consulta_recebidas(CNPJ, None, hoje, hoje, 1,
                                                         emissor()))
    alheia.find("Cabecalho/CPFCNPJ/CNPJ").text = TOMADOR  # the prestador asks the tomador's
    assert erro(chamar(box, "ConsultaNFeRecebidas", reassinar(alheia)))[0] == "1402"
