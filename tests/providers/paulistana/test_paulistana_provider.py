"""The Paulistana provider against the sandbox: outcomes of emission, reconciliation and
cancellation, and what a homologação token does at the Prefeitura's own address
(TesteEnvioLoteRPS: checked, nothing issued)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.providers.base import Emissor, Result, Rps
from nfse.providers.paulistana import pedidos, provider
from nfse.providers.paulistana.provider import PaulistanaProvider, homologacao_na_prefeitura
from nfse.sandbox.paulistana import PaulistanaSandbox
from tests.support import CNPJ, nota_exemplo

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")


@pytest.fixture
def box(tmp_path: Path) -> Iterator[PaulistanaSandbox]:
    sandbox = PaulistanaSandbox(tmp_path / "sp", xsd_dir=pedidos.xsd_dir())
    sandbox.start()
    sandbox.trust(A1.cert)
    yield sandbox
    sandbox.stop()


def emissor(box: PaulistanaSandbox, ambiente: str = "homologacao") -> Emissor:
    return Emissor(a1=A1, ambiente=ambiente, base_url=box.url, ca_file=str(box.ca_file),
                   razao_social="EMPRESA TESTE LTDA", timeout=5.0)


def nota(**servico: object):
    body = nota_exemplo()
    body["prestador"].update(codigo_municipio="3550308", inscricao_municipal="31000000")
    body["servico"].update(codigo_tributario_municipio="02658", **servico)
    return parse_nfse(body)


def test_emit_query_cancel(box: PaulistanaSandbox) -> None:
    sp = PaulistanaProvider()
    rps = Rps("1", 3)
    assert sp.query(nota(), rps, emissor(box)).result == Result.NOT_FOUND
    emitida = sp.emit(nota(), rps, emissor(box))
    assert emitida.result == Result.AUTHORIZED, emitida
    assert (emitida.numero, len(emitida.codigo_verificacao or "")) == ("1", 8)
    assert emitida.data_emissao is not None
    assert b"<NFe " in (emitida.xml or b"") and b"<NumeroNFe>1</NumeroNFe>" in emitida.xml
    achada = sp.query(nota(), rps, emissor(box))
    assert (achada.result, achada.numero) == (Result.AUTHORIZED, "1")
    cancelada = sp.cancel(nota(), "", "1", "Erro na emissão", emissor(box))
    assert cancelada.result == Result.AUTHORIZED
    depois = sp.query(nota(), rps, emissor(box))
    assert depois.mensagem == "A NFS-e consta como cancelada na Prefeitura"


def test_cancelling_an_unknown_note_is_refused(box: PaulistanaSandbox) -> None:
    outcome = PaulistanaProvider().cancel(nota(), "", "77", "x", emissor(box))
    assert outcome.result == Result.REJECTED
    assert outcome.erros[0].codigo == "1106"


def test_homologacao_at_the_prefeitura_runs_the_teste_operation(
        box: PaulistanaSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    assert homologacao_na_prefeitura(Emissor(a1=A1, ambiente="homologacao", base_url=(
        "https://nfe.prefeitura.sp.gov.br/ws/lotenfe.asmx"), ca_file=None, razao_social="x"))
    assert not homologacao_na_prefeitura(Emissor(a1=A1, ambiente="producao", base_url=(
        "https://nfe.prefeitura.sp.gov.br/ws/lotenfe.asmx"), ca_file=None, razao_social="x"))
    # the sandbox standing in for the Prefeitura's address
    monkeypatch.setattr(provider, "HOSTS_PREFEITURA", frozenset({"127.0.0.1"}))
    sp = PaulistanaProvider()
    outcome = sp.emit(nota(), Rps("1", 4), emissor(box))
    assert outcome.result == Result.REJECTED
    assert outcome.erros[0].codigo == "homologacao_sem_emissao"
    assert b"TesteEnvioLoteRPSRequest" in outcome.exchanges[0].request
    assert box.emitidas() == []
    assert sp.query(nota(), Rps("1", 4), emissor(box)).result == Result.NOT_FOUND
    # the Prefeitura's own refusal comes back as it is: another company's certificate
    outro = generate_a1("11444777000161", "OUTRA EMPRESA LTDA")
    box.trust(outro.cert)
    recusada = sp.emit(nota(), Rps("1", 5), replace(emissor(box), a1=outro))
    assert recusada.result == Result.REJECTED
    assert [e.codigo for e in recusada.erros] == ["1100"]


def test_a_lost_answer_is_unknown_then_found(box: PaulistanaSandbox) -> None:
    box.inject("reset")
    sp = PaulistanaProvider()
    perdida = sp.emit(nota(), Rps("1", 6), emissor(box))
    assert perdida.result == Result.UNKNOWN
    achada = sp.query(nota(), Rps("1", 6), emissor(box))
    assert (achada.result, achada.numero) == (Result.AUTHORIZED, "1")
    assert len(box.emitidas()) == 1


def test_tomador_cpf_none_and_an_intermediario_sign_as_the_prefeitura_checks(
        box: PaulistanaSandbox) -> None:
    """The sandbox computes the signature string on its own: a CPF tomador (indicator 1),
    no tomador (3, zeros) and an intermediário (the 102-character string) all verify."""
    sp = PaulistanaProvider()
    com_cpf = nota_exemplo()
    com_cpf["prestador"].update(codigo_municipio="3550308", inscricao_municipal="31000000")
    com_cpf["servico"]["codigo_tributario_municipio"] = "02658"
    com_cpf["tomador"] = {"cpf": "13167474254", "razao_social": "Fulano de Tal"}
    com_cpf["intermediario"] = {"cnpj": "11444777000161", "razao_social": "Inter Ltda",
                                "inscricao_municipal": "99999999"}
    sem_tomador = nota_exemplo()
    sem_tomador["prestador"].update(codigo_municipio="3550308",
                                    inscricao_municipal="31000000")
    sem_tomador["servico"]["codigo_tributario_municipio"] = "02658"
    del sem_tomador["tomador"]
    for numero, corpo in enumerate((com_cpf, sem_tomador), start=10):
        outcome = sp.emit(parse_nfse(corpo), Rps("1", numero), emissor(box))
        assert outcome.result == Result.AUTHORIZED, outcome.erros
    assert len(box.emitidas()) == 2
