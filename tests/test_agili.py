"""Agili's own layout without the gateway: the documents (schema, CNAE cities, the item's
spelling), what is refused before sending (no key, a key of the wrong size, a city without
its unidade gestora), and the provider against the sandbox: a lost emission answer is
reconciled by ConsultarNfseRps and never issued twice; an RPS Agili does not know is
NOT_FOUND only with a code the profile lists; the sandbox's answers follow the schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.model.nota import Nota
from nfse.providers.agili import documentos
from nfse.providers.agili.provider import AgiliProvider
from nfse.providers.base import CREDENCIAIS_AUSENTES, Emissor, Result, Rps
from nfse.sandbox.agili import AgiliSandbox
from nfse.sandbox.agili.server import RPS_NAO_ENCONTRADO
from nfse.xml.validate import validate
from tests.support import CNPJ, nota_exemplo, pasta_sandbox

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
VERA = "5108501"
"""Vera/MT: names the activity by CNAE."""
UNIDADE = "11111111000191"
CHAVE = "k" * 32
RPS = Rps("1", 17)
NS = {"a": documentos.NS}


def nota(**servico: object) -> Nota:
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = VERA
    body["servico"].update(codigo_municipio=VERA, **servico)
    return parse_nfse(body)


def opcoes(**extra: object) -> dict:
    return {"unidade_gestora": UNIDADE, "atividade_economica": "item_lei116",
            "formato_item_lista": "01.07", **extra}


def emissor(url: str = "https://x/api/EnviarLoteRps", ca: str | None = None,
            senha: str | None = CHAVE, **extra: object) -> Emissor:
    return Emissor(a1=A1, ambiente="homologacao", base_url=url, ca_file=ca,
                   razao_social="EMPRESA TESTE LTDA", senha=senha, opcoes=opcoes(**extra),
                   timeout=5)


def test_the_emission_follows_the_schema_and_the_citys_activity() -> None:
    por_item = etree.fromstring(documentos.emissao(nota(), RPS, CHAVE, opcoes()))
    assert validate(por_item, documentos.ESQUEMA) == []
    declaracao = por_item.find("a:DeclaracaoPrestacaoServico", NS)
    assert por_item.findtext("a:UnidadeGestora", namespaces=NS) == UNIDADE
    assert declaracao.findtext("a:IdentificacaoPrestador/a:ChaveDigital", namespaces=NS) == CHAVE
    assert declaracao.findtext("a:Rps/a:IdentificacaoRps/a:Tipo", namespaces=NS) == "-2"
    assert declaracao.findtext("a:ItemLei116AtividadeEconomica", namespaces=NS) == "01.07"
    assert declaracao.findtext("a:ExigibilidadeISSQN/a:Codigo", namespaces=NS) == "-1"
    assert declaracao.find("a:ListaServico/a:DadosServico/a:ItemLei116", NS) is None

    por_cnae = etree.fromstring(documentos.emissao(
        nota(codigo_cnae="6201501", iss_retido="true"), RPS, CHAVE,
        opcoes(atividade_economica="cnae")))
    assert validate(por_cnae, documentos.ESQUEMA) == []
    declaracao = por_cnae.find("a:DeclaracaoPrestacaoServico", NS)
    assert declaracao.findtext("a:CodigoCnaeAtividadeEconomica", namespaces=NS) == "62.0.1-5.01"
    assert declaracao.find("a:ItemLei116AtividadeEconomica", NS) is None
    assert declaracao.findtext("a:ListaServico/a:DadosServico/a:ItemLei116",
                               namespaces=NS) == "1.07"
    assert declaracao.findtext("a:ResponsavelISSQN/a:Codigo", namespaces=NS) == "-1"


def test_what_is_refused_before_anything_is_sent() -> None:
    provider = AgiliProvider()
    [sem_chave] = provider.emit(nota(), RPS, emissor(senha=None)).erros
    assert sem_chave.codigo == CREDENCIAIS_AUSENTES
    curta = provider.emit(nota(), RPS, emissor(senha="curta"))
    assert (curta.result, curta.erros[0].codigo) == (Result.REJECTED, "chave_digital_invalida")
    sem_unidade = provider.emit(nota(), RPS, emissor(unidade_gestora=""))
    assert sem_unidade.erros[0].codigo == "unidade_gestora_ausente"
    assert "NFSE_MUNICIPIOS_FILE" in (sem_unidade.erros[0].correcao or "")
    body = nota_exemplo()
    del body["tomador"]["endereco"]
    assert [p.campo for p in provider.validate(parse_nfse(body))] == ["tomador.endereco"]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[AgiliSandbox]:
    box = AgiliSandbox(pasta_sandbox(tmp_path / "sandbox-agili"), UNIDADE)
    box.start()
    box.trust(A1.cert)
    box.aceitar(CNPJ, CHAVE)
    yield box
    box.stop()


def test_a_lost_answer_is_reconciled_by_the_rps_and_never_issued_twice(
        sandbox: AgiliSandbox) -> None:
    provider, dados = AgiliProvider(), emissor(sandbox.url, str(sandbox.ca_file))
    sandbox.inject("reset")
    assert provider.emit(nota(), RPS, dados).result == Result.UNKNOWN
    achada = provider.query(nota(), RPS, dados)
    [emitida] = sandbox.emitidas()
    assert (achada.result, achada.numero) == (Result.AUTHORIZED, emitida["numero"])
    assert achada.codigo_verificacao == emitida["codigo_verificacao"]
    assert CHAVE.encode() not in b"".join(e.request for e in achada.exchanges)
    nfse = etree.fromstring(achada.xml)
    assert nfse.findtext("a:SituacaoNfse/a:Codigo", namespaces=NS) == "-8"

    repetida = provider.emit(nota(), RPS, dados)
    assert repetida.result == Result.REJECTED
    assert len(sandbox.emitidas()) == 1
    duplicado = provider.emit(nota(), RPS, emissor(sandbox.url, str(sandbox.ca_file),
                                                   codigos_rps_duplicado=["A004"]))
    assert (duplicado.result, duplicado.numero) == (Result.AUTHORIZED, emitida["numero"])


def test_an_unknown_rps_is_not_found_only_with_a_listed_code(sandbox: AgiliSandbox) -> None:
    provider = AgiliProvider()
    calado = provider.query(nota(), Rps("1", 99), emissor(sandbox.url, str(sandbox.ca_file)))
    assert calado.result == Result.UNKNOWN
    assert calado.erros[0].codigo == RPS_NAO_ENCONTRADO
    listado = provider.query(nota(), Rps("1", 99), emissor(
        sandbox.url, str(sandbox.ca_file), codigos_rps_nao_encontrado=[RPS_NAO_ENCONTRADO]))
    assert listado.result == Result.NOT_FOUND


def test_the_sandbox_checks_the_key_and_answers_in_the_schema(sandbox: AgiliSandbox) -> None:
    provider = AgiliProvider()
    errada = provider.emit(nota(), RPS, emissor(sandbox.url, str(sandbox.ca_file),
                                                senha="x" * 32))
    assert errada.result == Result.REJECTED and "Chave digital" in errada.erros[0].mensagem
    outra = provider.emit(nota(), RPS, emissor(sandbox.url, str(sandbox.ca_file),
                                               unidade_gestora="22222222000191"))
    assert outra.result == Result.REJECTED and "Unidade gestora" in outra.erros[0].mensagem
    dados = emissor(sandbox.url, str(sandbox.ca_file))
    emitida = provider.emit(nota(), RPS, dados)
    cancelada = provider.cancel(nota(), "", emitida.numero or "", "Erro na emissão", dados)
    assert cancelada.result == Result.AUTHORIZED
    for troca in (*emitida.exchanges, *errada.exchanges, *cancelada.exchanges):
        assert validate(etree.fromstring(troca.response), documentos.ESQUEMA) == []
    de_novo = provider.cancel(nota(), "", emitida.numero or "", "Erro na emissão", dados)
    assert de_novo.result == Result.REJECTED
    assert provider.cancel(nota(), "", emitida.numero or "", "Erro na emissão", emissor(
        sandbox.url, str(sandbox.ca_file), codigos_nfse_cancelada=["A007"])).result \
        == Result.AUTHORIZED
