"""The Paulistana provider in layout 2 against the sandbox: where a layout-2 call goes, what a
homologação token does at the Prefeitura's own address in layout 2 (TesteEnvioLoteRPS of a
``Versao="2"`` lot, nothing issued), and the received notes: the Prefeitura's 31 days at most
per query, nothing read in homologação at the Prefeitura."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.fuso import SAO_PAULO
from nfse.model.nfse import parse_nfse
from nfse.providers.base import Emissor, Result, Rps
from nfse.providers.paulistana import pedidos, provider
from nfse.providers.paulistana.provider import URL_V1, URL_V2, PaulistanaProvider, url
from nfse.sandbox.paulistana import PaulistanaSandbox
from nfse.store.clock import now
from tests.support import CNPJ, nota_exemplo

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
TOMADOR = "07504505000132"
A1_TOMADOR = generate_a1(TOMADOR, "CLIENTE LTDA")
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


def emissor(box: PaulistanaSandbox, a1=A1) -> Emissor:
    return Emissor(a1=a1, ambiente="homologacao", base_url=box.url, ca_file=str(box.ca_file),
                   razao_social="EMPRESA TESTE LTDA", timeout=5.0)


def nota():
    body = nota_exemplo(data_emissao=now().astimezone(SAO_PAULO).isoformat())
    body["prestador"].update(codigo_municipio="3550308", inscricao_municipal="31000000")
    body["servico"].update(codigo_tributario_municipio="02658", **REFORMA)
    return parse_nfse(body)


def test_layout_2_goes_to_the_layout_2_service() -> None:
    def em(base: str) -> Emissor:
        return Emissor(a1=A1, ambiente="producao", base_url=base, ca_file=None,
                       razao_social="x")
    assert url(em(URL_V1), 2) == URL_V2 == "https://nfews.prefeitura.sp.gov.br/lotenfe.asmx"
    assert url(em(URL_V1), 1) == URL_V1
    assert url(em("https://127.0.0.1:1/lotenfe.asmx"), 2) == "https://127.0.0.1:1/lotenfe.asmx"


def test_emit_query_cancel_in_layout_2(box: PaulistanaSandbox) -> None:
    sp = PaulistanaProvider()
    emitida = sp.emit(nota(), Rps("2", 1), emissor(box))
    assert (emitida.result, emitida.numero) == (Result.AUTHORIZED, "1")
    assert b"<VersaoSchema>2</VersaoSchema>" in emitida.exchanges[0].request
    assert etree.fromstring(emitida.xml).findtext("IBSCBS/cIndOp") == "100301"
    achada = sp.query(nota(), Rps("2", 1), emissor(box))
    assert (achada.result, achada.numero) == (Result.AUTHORIZED, "1")
    cancelada = sp.cancel(nota(), "", "1", "x", emissor(box))
    assert cancelada.result == Result.AUTHORIZED
    assert [e["status"] for e in box.emitidas()] == ["cancelada"]


def test_homologacao_at_the_prefeitura_tests_a_layout_2_lot(
        box: PaulistanaSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provider, "HOSTS_PREFEITURA", frozenset({"127.0.0.1"}))
    sp = PaulistanaProvider()
    outcome = sp.emit(nota(), Rps("2", 4), emissor(box))
    assert outcome.result == Result.REJECTED
    assert outcome.erros[0].codigo == "homologacao_sem_emissao"
    assert b"TesteEnvioLoteRPSRequest" in outcome.exchanges[0].request
    assert b'Versao="2"' in outcome.exchanges[0].request
    assert box.emitidas() == []
    pagina = sp.received(TOMADOR, None, now().date(), now().date(), 1, emissor(box, A1_TOMADOR))
    assert (pagina.erro, pagina.notas) == ("", [])


def test_received_reads_the_last_31_days_of_a_longer_period(box: PaulistanaSandbox) -> None:
    sp = PaulistanaProvider()
    assert sp.emit(nota(), Rps("2", 9), emissor(box)).result == Result.AUTHORIZED
    hoje = now().astimezone(SAO_PAULO).date()
    pagina = sp.received(TOMADOR, None, hoje - timedelta(days=90), hoje, 1,
                         emissor(box, A1_TOMADOR))
    assert pagina.erro == ""  # not 1403
    assert [n.dados["numero"] for n in pagina.notas] == ["1"]
    assert pagina.notas[0].dados["documento_tomador"] == TOMADOR
    assert pagina.mais is False
    pedido = etree.fromstring(pedidos.consulta_recebidas(TOMADOR, None, hoje, hoje, 1,
                                                         emissor(box, A1_TOMADOR)))
    assert pedido.find("Cabecalho").get("Versao") == "2"
