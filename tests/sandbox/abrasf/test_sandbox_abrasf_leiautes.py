"""The sandbox's older layouts (2.03, 2.02, 2.00): the header's versaoDados chooses the
schema every document is checked against and the dialect of the answer, which is valid
under that same schema."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from lxml import etree

from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.sandbox.abrasf.pedidos import (
    A1_TESTE,
    CNPJ,
    N,
    cabecalho,
    cancelar,
    chamar,
    cliente,
    consultar_faixa,
    consultar_lote,
    consultar_rps,
    gerar,
    lote,
    substituir,
)
from tests.support import pasta_sandbox

ESQUEMAS = {"2.04": "nfse_v2-04.xsd", "2.03": "nfse_v2-03.xsd", "2.02": "nfse_v2-02.xsd",
            "2.00": "nfse_v2-01.xsd"}


def _valido(documento: etree._Element | None, versao: str) -> etree._Element:
    assert documento is not None
    assert validate(documento, abrasf_xsd_dir() / ESQUEMAS[versao]) == []
    return documento


@pytest.mark.parametrize("versao", ["2.03", "2.02", "2.00"])
def test_a_note_in_an_older_layout(client: httpx.Client, versao: str) -> None:
    emitida = chamar(client, "GerarNfse", gerar(1, versao=versao),
                     cabecalho=cabecalho(versao))
    doc = _valido(emitida.documento, versao)
    assert emitida.codigos() == []
    [comp] = emitida.comps()
    nfse = comp.find("n:Nfse", N)
    assert nfse.get("versao") == versao
    # up to 2.03 the note names the prestador itself, as the declaration did
    assert nfse.findtext("n:InfNfse/n:PrestadorServico/n:IdentificacaoPrestador/n:CpfCnpj/"
                         "n:Cnpj", namespaces=N) == CNPJ
    assert doc.find(".//n:Tomador/n:RazaoSocial", N) is not None

    faixa = chamar(client, "ConsultarNfsePorFaixa", consultar_faixa(1, 1),
                   cabecalho=cabecalho(versao))
    lista = _valido(faixa.documento, versao).find("n:ListaNfse", N)
    assert len(faixa.comps()) == 1
    # one page only: no ProximaPagina (2.04 would name the page answered)
    assert lista.find("n:ProximaPagina", N) is None and lista.find("n:Pagina", N) is None


@pytest.mark.parametrize("versao", ["2.03", "2.02", "2.00"])
def test_every_answer_is_in_the_calls_layout(client: httpx.Client, versao: str) -> None:
    """Query, cancellation, substitution, the asynchronous lot and an error, each answered
    valid under the schema the header named."""
    cab = cabecalho(versao)
    chamar(client, "GerarNfse", gerar(1, versao=versao), cabecalho=cab)
    chamar(client, "GerarNfse", gerar(2, versao=versao), cabecalho=cab)
    achada = chamar(client, "ConsultarNfsePorRps", consultar_rps(1), cabecalho=cab)
    assert len(_valido(achada.documento, versao).findall("n:CompNfse", N)) == 1
    cancelada = chamar(client, "CancelarNfse", cancelar(1), cabecalho=cab)
    confirmacao = _valido(cancelada.documento, versao).find(".//n:NfseCancelamento", N)
    assert confirmacao.get("versao") == versao
    trocada = chamar(client, "SubstituirNfse", substituir(2, 3, versao=versao), cabecalho=cab)
    assert _valido(trocada.documento, versao).find(".//n:NfseSubstituidora", N) is not None
    recebido = chamar(client, "RecepcionarLoteRps",
                      lote([4], raiz="EnviarLoteRpsEnvio", versao=versao), cabecalho=cab)
    protocolo = _valido(recebido.documento, versao).findtext("n:Protocolo", namespaces=N)
    processado = chamar(client, "ConsultarLoteRps", consultar_lote(protocolo), cabecalho=cab)
    assert len(_valido(processado.documento, versao).findall(".//n:CompNfse", N)) == 1
    ausente = chamar(client, "ConsultarNfsePorRps", consultar_rps(99), cabecalho=cab)
    _valido(ausente.documento, versao)
    assert ausente.codigos() == ["E4"]


def test_the_2_04_range_answer_names_its_page(client: httpx.Client) -> None:
    chamar(client, "GerarNfse", gerar(1))
    faixa = chamar(client, "ConsultarNfsePorFaixa", consultar_faixa(1, 1))
    assert _valido(faixa.documento, "2.04").findtext("n:ListaNfse/n:Pagina",
                                                     namespaces=N) == "1"


@pytest.mark.parametrize("versao", ["2.03", "2.02", "2.00"])
def test_an_older_lot_names_its_prestador_directly(client: httpx.Client, versao: str) -> None:
    # the 2.01 schema (2.00's) answers a synchronous lot with one CompNfse: a lot of one
    numeros = [5] if versao == "2.00" else [5, 6]
    recebido = chamar(client, "RecepcionarLoteRpsSincrono", lote(numeros, versao=versao),
                      cabecalho=cabecalho(versao))
    _valido(recebido.documento, versao)
    assert recebido.codigos() == [] and len(recebido.comps()) == len(numeros)


def test_a_document_in_the_wrong_layout_is_refused(client: httpx.Client) -> None:
    """The header names the layout the document must follow."""
    antigo = chamar(client, "GerarNfse", gerar(1, versao="2.02"))
    assert set(antigo.codigos()) == {"E160"} and "Tomador" in antigo.mensagens()
    novo = chamar(client, "GerarNfse", gerar(2), cabecalho=cabecalho("2.02"))
    assert set(novo.codigos()) == {"E160"} and "TomadorServico" in novo.mensagens()


def test_a_layout_without_its_schema_is_not_served(tmp_path: Path) -> None:
    """A schema folder holding only 2.04 (shared/schemas/abrasf-2.04): the sandbox serves
    2.04 and refuses the rest, naming what it serves."""
    esquemas = tmp_path / "xsd"
    esquemas.mkdir()
    for nome in ("nfse_v2-04.xsd", "xmldsig-core-schema20020212.xsd"):
        shutil.copy(abrasf_xsd_dir() / nome, esquemas / nome)
    box = AbrasfSandbox(pasta_sandbox(tmp_path / "abrasf"), xsd_dir=esquemas)
    box.start()
    try:
        box.trust(A1_TESTE.cert)
        assert box.prefeitura.versoes() == ["2.04"]
        with cliente(box) as client:
            recusado = chamar(client, "GerarNfse", gerar(1, versao="2.02"),
                              cabecalho=cabecalho("2.02"))
            assert recusado.codigos() == ["E160"]
            assert "2.02 não suportada" in recusado.mensagens()
            assert chamar(client, "GerarNfse", gerar(1)).codigos() == []
    finally:
        box.stop()
