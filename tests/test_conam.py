"""Conam's own layout without the gateway: the lot built from a note (records, formats,
totals, the Simples and the consumer), what is refused at POST, the provider against the
Conam sandbox (a lot still processing is found again by its protocol; a lost PROCESSARPS
answer is never resent; a lot refused; missing credentials) and the registry's routing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from nfse.model.nfse import parse_nfse
from nfse.model.nota import Nota
from nfse.municipios import provedores
from nfse.providers import lote
from nfse.providers.base import Emissor, Result, Rps
from nfse.providers.conam import documentos, soap
from nfse.providers.conam.provider import ConamProvider
from nfse.sandbox.conam import ConamSandbox
from tests.support import CNPJ, a1_teste, nota_exemplo, pasta_sandbox

TABOAO = "3552809"
"""Taboão da Serra/SP: Conam (ACBr, seção [3552809])."""
RPS = Rps("1", 17)
USUARIO, CONTRIBUINTE = "usuario-conam", "contribuinte-conam"


def emissor(**campos: object) -> Emissor:
    dados: dict = {"a1": a1_teste()[0], "ambiente": "homologacao", "base_url": "https://x",
                   "ca_file": None, "razao_social": "EMPRESA TESTE LTDA", "login": USUARIO,
                   "senha": CONTRIBUINTE, "regime_tributario": 3}
    dados.update(campos)
    return Emissor(**dados)


def nota(**campos: object) -> Nota:
    body = nota_exemplo(**campos)
    body["prestador"]["codigo_municipio"] = TABOAO
    body["servico"].update(codigo_municipio=TABOAO, valor_servicos="1500.5",
                           valor_pis="9.75", valor_cofins="45.02",
                           discriminacao="Linha 1\nLinha 2")
    return parse_nfse(body)


def test_the_lot_carries_the_records_in_order_with_comma_amounts_and_totals() -> None:
    root = etree.fromstring(documentos.processar_rps(nota(), RPS, emissor()))
    assert root.tag == "Sdt_processarpsin"
    assert [root.findtext("Login/CodigoUsuario"), root.findtext("Login/CodigoContribuinte")] \
        == [USUARIO, CONTRIBUINTE]
    sdtrps = root.find("SDTRPS")
    assert [c.tag for c in sdtrps] == ["Ano", "Mes", "CPFCNPJ", "DTIni", "DTFin", "TipoTrib",
                                       "Versao", "Reg20", "Reg90"]
    assert (sdtrps.findtext("CPFCNPJ"), sdtrps.findtext("TipoTrib"),
            sdtrps.findtext("Versao"), sdtrps.findtext("DTIni")) == (CNPJ, "1", "4.00",
                                                                     "21/09/2017")
    item = sdtrps.find("Reg20/Reg20Item")
    assert [c.tag for c in item][:6] == ["TipoNFS", "NumRps", "SerRps", "DtEmi", "RetFonte",
                                         "CodSrv"]
    assert (item.findtext("NumRps"), item.findtext("SerRps"), item.findtext("CodSrv"),
            item.findtext("VlNFS"), item.findtext("AlqIss"), item.findtext("VlIss")) == (
        "17", "1", "01.07", "1500,50", "3,00", "45,02")
    assert item.findtext("DiscrSrv") == "Linha 1\\\\Linha 2"
    assert (item.findtext("CpfCnpTom"), item.findtext("MunTom"),
            item.findtext("SiglaUFTom"), item.findtext("CepTom")) == (
        "07504505000132", "CURITIBA", "PR", "80045165")
    tributos = item.findall("Reg30/Reg30Item")
    assert [(t.findtext("TributoSigla"), t.findtext("TributoAliquota"),
             t.findtext("TributoValor")) for t in tributos] == [
        ("PIS", "0,65", "9,75"), ("COFINS", "3,00", "45,02")]
    assert [r.findtext("SiglaCpoAdc") for r in item.findall("Reg40/Reg40Item")] == ["SRV_CTN"]
    reg90 = sdtrps.find("Reg90")
    assert {c.tag: c.text for c in reg90} == {
        "QtdRegNormal": "1", "ValorNFS": "1500,50", "ValorISS": "45,02", "ValorDed": "0,00",
        "ValorIssRetTom": "0,00", "QtdReg30": "2", "ValorTributos": "54,77", "QtdReg40": "1",
        "QtdReg50": "0"}


def test_a_consumer_goes_as_consumidor_of_the_prestadors_city() -> None:
    item = etree.fromstring(documentos.processar_rps(nota(tomador=None), RPS, emissor())
                            ).find("SDTRPS/Reg20/Reg20Item")
    assert (item.findtext("CpfCnpTom"), item.findtext("RazSocTom"), item.findtext("MunTom"),
            item.findtext("SiglaUFTom"), item.findtext("CepTom")) == (
        "CONSUMIDOR", "CONSUMIDOR", "TABOAO DA SERRA", "SP", "")


def test_the_simples_needs_its_adhesion_date() -> None:
    simples = nota(optante_simples_nacional=True)
    [problema] = ConamProvider().validate(simples)
    assert problema.campo == "data_opcao_simples_nacional"
    by_regime = nota()
    with pytest.raises(documentos.DocumentoInvalido) as refused:
        documentos.processar_rps(by_regime, RPS, emissor(regime_tributario=1))
    assert "DtAdeSN" in refused.value.erros[0].correcao
    com_data = nota(optante_simples_nacional=True, data_opcao_simples_nacional="2015-03-01",
                    regime_apuracao_tributos_sn=2)
    sdtrps = etree.fromstring(documentos.processar_rps(com_data, RPS, emissor())
                              ).find("SDTRPS")
    assert [c.tag for c in sdtrps][5:12] == ["TipoTrib", "DtAdeSN", "AlqIssSN_IP",
                                             "RegApTribSN", "TribTpSusp", "TribProcSusp",
                                             "Versao"]
    assert (sdtrps.findtext("TipoTrib"), sdtrps.findtext("DtAdeSN"),
            sdtrps.findtext("AlqIssSN_IP"), sdtrps.findtext("RegApTribSN")) == (
        "4", "01/03/2015", "3,00", "2")


def test_an_identified_tomador_needs_its_municipality() -> None:
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = TABOAO
    body["servico"]["codigo_municipio"] = TABOAO
    del body["tomador"]["endereco"]
    [problema] = ConamProvider().validate(parse_nfse(body))
    assert problema.campo == "tomador.endereco.codigo_municipio"


def test_the_dry_run_masks_the_contributor_code() -> None:
    provider = ConamProvider()
    ensaio = provider.dry_run(nota(), RPS, emissor())
    login = etree.fromstring(ensaio.document).find("Login")
    assert (login.findtext("CodigoUsuario"), login.findtext("CodigoContribuinte")) == (
        USUARIO, "********")
    sem = provider.dry_run(nota(), RPS, emissor(senha=None))
    assert (sem.document, sem.erros[0].codigo) == (None, "credenciais_prefeitura_ausentes")


def test_the_cancellation_names_the_note_and_its_rps() -> None:
    identificacao = documentos.Identificacao("E", "7", "1", "17")
    assert documentos.Identificacao.da_chave(identificacao.chave()) == identificacao
    root = etree.fromstring(documentos.cancelamento(identificacao, nota().servico.valor_servicos,
                                                    "Erro na emissão\nda nota", emissor()))
    assert {c.tag: c.text for c in root.find("Nota")} == {
        "SerieNota": "E", "NumeroNota": "7", "SerieRPS": "1", "NumeroRps": "17",
        "ValorNota": "1500.50", "MotivoCancelamento": "Erro na emissão\\\\da nota",
        "PodeCancelarGuia": "S", "ReaproveitaNumRPS": "N"}


def test_the_answer_is_found_as_elements_or_as_escaped_text() -> None:
    saida = "<Sdt_processarpsout><Protocolo>9</Protocolo></Sdt_processarpsout>"
    escapado = saida.replace("<", "&lt;").replace(">", "&gt;")
    for corpo in (saida, f"<Xml_saida>{escapado}</Xml_saida>"):
        resposta = (f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
                    f'<ws_nfe.PROCESSARPSResponse xmlns="NFe">{corpo}'
                    "</ws_nfe.PROCESSARPSResponse></s:Body></s:Envelope>").encode()
        lido = soap.resposta(resposta, soap.PROCESSAR)
        assert etree.QName(lido).localname == "Sdt_processarpsout"
    assert soap.endereco("https://h/sp.ferraz/webservice/aws_nfe.aspx?wsdl") == \
        "https://h/sp.ferraz/webservice/aws_nfe.aspx"


def test_the_registry_routes_the_conam_cities_with_https_addresses() -> None:
    for codigo in ("3552809", "3507605", "3515707", "3506102"):
        rota = provedores.rota(codigo)
        assert (rota.provedor, rota.sistema, rota.motivo) == ("conam", "Conam", None), codigo
        assert (rota.url("producao") or "").startswith("https://nfe.etransparencia.com.br/")


@pytest.fixture
def conam(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ConamSandbox]:
    monkeypatch.setattr(lote, "ESPERAS", (0.0, 0.0, 0.0))
    box = ConamSandbox(pasta_sandbox(tmp_path / "sandbox-conam"))
    box.start()
    box.trust(a1_teste()[0].cert)
    box.aceitar(USUARIO, CONTRIBUINTE, CNPJ)
    yield box
    box.stop()


def no_sandbox(box: ConamSandbox, **campos: object) -> Emissor:
    return emissor(**{"base_url": box.url, "ca_file": str(box.ca_file), "timeout": 5.0,
                      **campos})


def test_a_lot_still_processing_is_found_again_by_its_protocol(conam: ConamSandbox) -> None:
    """Issued, or refused (then nothing has the RPS: the worker may send it again)."""
    conam.prefeitura.consultas_em_processamento = len(lote.ESPERAS)
    provider = ConamProvider()
    pendente = provider.emit(nota(), RPS, no_sandbox(conam))
    assert pendente.result == Result.UNKNOWN, pendente
    assert "em processamento" in pendente.mensagem
    assert conam.emitidas() == []
    achada = provider.query(nota(), RPS, no_sandbox(conam))
    assert achada.result == Result.AUTHORIZED, achada
    [emitida] = conam.emitidas()
    assert (achada.numero, achada.codigo_verificacao, achada.chave_acesso) == (
        "1", emitida["codigo_verificacao"], "E-1-1-17")
    assert achada.valores["valor_iss"] == "45.02"
    assert len(conam.lotes()) == 1

    repetido = provider.emit(nota(), RPS, no_sandbox(conam))
    assert repetido.result == Result.UNKNOWN, repetido
    recusado = provider.query(nota(), RPS, no_sandbox(conam))
    assert recusado.result == Result.NOT_FOUND, recusado
    assert [e.codigo for e in recusado.erros] == ["E04"]
    assert len(conam.emitidas()) == 1


@pytest.mark.parametrize(("falha", "recebidos"), [("reset", 1), ("garbage", 0)])
def test_a_lost_lot_answer_is_never_resent(conam: ConamSandbox, falha: str,
                                           recebidos: int) -> None:
    """Whether or not Conam took the lot, the answer that would carry its protocol is lost:
    the note waits for a manual check, and nothing is sent again."""
    conam.inject(falha)
    provider = ConamProvider()
    perdida = provider.emit(nota(), RPS, no_sandbox(conam, timeout=2.0))
    assert perdida.result == Result.UNKNOWN, perdida
    consulta = provider.query(nota(), RPS, no_sandbox(conam))
    assert consulta.result == Result.UNKNOWN
    assert "portal da prefeitura" in consulta.mensagem
    assert len(conam.lotes()) == recebidos


def test_a_lot_refused_at_processing_brings_conams_messages(conam: ConamSandbox) -> None:
    provider = ConamProvider()
    assert provider.emit(nota(), RPS, no_sandbox(conam)).result == Result.AUTHORIZED
    repetida = provider.emit(nota(), RPS, no_sandbox(conam))
    assert repetida.result == Result.REJECTED, repetida
    assert [e.codigo for e in repetida.erros] == ["E04"]
    errado = provider.emit(nota(), RPS, no_sandbox(conam, senha="outro"))
    assert errado.result == Result.REJECTED
    assert errado.erros[0].mensagem == "Usuário ou contribuinte inválido"
    sem = provider.emit(nota(), RPS, no_sandbox(conam, login=None))
    assert [e.codigo for e in sem.erros] == ["credenciais_prefeitura_ausentes"]
    assert len(conam.emitidas()) == 1
