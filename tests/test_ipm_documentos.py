"""IPM's own layout 1.01: the documents built from a note (order, formats, TOM codes, the
test flag, the optional signature), what is refused at POST, how answers are read, and the
homologação at IPM itself, which only validates (``nfse_teste``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.model.nota import Nota
from nfse.providers.base import Emissor, Outcome, Result, Rps
from nfse.providers.ipm import documentos, provider, respostas
from nfse.providers.ipm.provider import IpmProvider
from nfse.sandbox.assinatura import verificar_assinatura
from nfse.sandbox.ipm import IpmSandbox
from tests.support import CNPJ, nota_exemplo, pasta_sandbox

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
CASCAVEL = "4104808"
RPS = Rps("1", 17)
SEM_TOM = "5101837"
"""Boa Esperança do Norte/MT (created in 2023): a real IBGE code the TOM table lacks."""


def emissor(**campos: object) -> Emissor:
    dados: dict = {"a1": A1, "ambiente": "producao", "base_url": "https://x", "ca_file": None,
                   "razao_social": "EMPRESA TESTE LTDA", "login": CNPJ, "senha": "s"}
    dados.update(campos)
    return Emissor(**dados)


def nota(natureza: int = 1, **servico: object) -> Nota:
    body = nota_exemplo(natureza_operacao=natureza)
    body["prestador"]["codigo_municipio"] = CASCAVEL
    body["servico"].update(codigo_municipio=CASCAVEL, valor_servicos="1500.5", **servico)
    return parse_nfse(body)


def test_the_emission_names_cities_by_tom_code_with_decimal_comma() -> None:
    root = etree.fromstring(documentos.emissao(nota(), RPS, emissor(), teste=False))
    assert [e.tag for e in root] == ["identificador", "rps", "nf", "prestador", "tomador",
                                     "itens"]
    assert root.findtext("identificador") == "nfse_17.1"
    assert root.findtext("rps/nro_recibo_provisorio") == "17"
    assert root.findtext("nf/valor_total") == "1500,50"
    assert root.findtext("prestador/cidade") == "7493"
    assert root.findtext("prestador/cpfcnpj") == CNPJ
    assert root.findtext("tomador/tipo") == "J"
    assert root.findtext("tomador/cidade") == "7535"
    item = root.find("itens/lista")
    assert item.findtext("tributa_municipio_prestador") == "S"
    assert item.findtext("codigo_local_prestacao_servico") == "7493"
    assert item.findtext("aliquota_item_lista_servico") == "3,0000"
    assert item.findtext("situacao_tributaria") == "0"
    assert item.findtext("valor_tributavel") == "1500,50"
    assert root.find("itens/lista/valor_issrf") is None
    assert documentos.emissao(nota(), RPS, emissor(), False).startswith(
        b"<?xml version='1.0' encoding='ISO-8859-1'?>")


def test_withheld_iss_and_taxation_elsewhere_and_exemption() -> None:
    retido = etree.fromstring(documentos.emissao(nota(iss_retido="true"), RPS, emissor(),
                                                 False))
    assert retido.findtext("itens/lista/situacao_tributaria") == "1"
    assert retido.findtext("itens/lista/valor_issrf") == "45,02"
    fora = etree.fromstring(documentos.emissao(nota(2), RPS, emissor(), False))
    assert fora.findtext("itens/lista/tributa_municipio_prestador") == "N"
    isenta = etree.fromstring(documentos.emissao(nota(3), RPS, emissor(), False))
    assert isenta.findtext("itens/lista/situacao_tributaria") == "6"


def test_the_test_flag_and_its_own_identifier() -> None:
    root = etree.fromstring(documentos.emissao(nota(), RPS, emissor(), teste=True))
    assert root.findtext("nfse_teste") == "1"
    assert root.findtext("identificador") == "nfseh_17.1"


def test_a_city_that_asks_for_it_gets_a_signed_document() -> None:
    root = etree.fromstring(documentos.emissao(nota(), RPS, emissor(
        opcoes={"assinatura": "sha1"}), False))
    assinatura = root.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    assert root.get("Id") == "rps17"
    assert verificar_assinatura(assinatura, root) == A1.cert


def test_cancellation_and_query_documents() -> None:
    cancelamento = etree.fromstring(documentos.cancelamento(
        nota(), "42", "1", "Erro na emissão da nota fiscal", emissor()))
    assert [cancelamento.findtext(f"nf/{t}") for t in ("numero", "serie_nfse", "situacao")] \
        == ["42", "1", "C"]
    assert cancelamento.findtext("prestador/cidade") == "7493"
    consulta = etree.fromstring(documentos.consulta_rps(nota(), RPS))
    assert (consulta.tag, consulta.findtext("cidade"), consulta.findtext("numero_rps")) == \
        ("consulta_rps", "7493", "17")


def test_what_the_layout_cannot_carry_is_refused_at_post() -> None:
    body = nota_exemplo(natureza_operacao=5)
    body["prestador"]["codigo_municipio"] = SEM_TOM
    body["servico"]["codigo_municipio"] = CASCAVEL
    campos = {p.campo for p in IpmProvider().validate(parse_nfse(body))}
    assert campos == {"prestador.codigo_municipio", "natureza_operacao"}
    assert IpmProvider().validate(nota()) == []


def test_answers_are_read() -> None:
    sucesso = respostas.ler(
        b"<retorno><mensagem><codigo>00001 - Sucesso</codigo></mensagem>"
        b"<numero_nfse>12</numero_nfse><serie_nfse>1</serie_nfse><data_nfse>07/12/2026"
        b"</data_nfse><hora_nfse>09:15:00</hora_nfse><cod_verificador_autenticidade>AB12"
        b"</cod_verificador_autenticidade></retorno>")
    assert sucesso is not None and respostas.erros(sucesso) == []
    emitida = respostas.nota(sucesso)
    assert (emitida.numero, emitida.codigo_verificacao) == ("12", "AB12")
    assert emitida.data_emissao.isoformat() == "2026-12-07T09:15:00-03:00"
    erro = respostas.ler("<retorno><mensagem><codigo>00060 - Código da situação tributária "
                         "não está preenchido corretamente.</codigo></mensagem></retorno>"
                         .encode())
    assert [(e.codigo, e.mensagem[:6]) for e in respostas.erros(erro)] == [("00060", "Código")]
    assert respostas.nota(erro) is None
    json = respostas.ler('{"retorno": {"code": "3", "msg": "Usuário inválido"}}'.encode())
    assert [(e.codigo, e.mensagem) for e in respostas.erros(json)] == [
        ("00003", "Usuário inválido")]
    assert respostas.ler(b"<html><body>Erro</body></html>") is None
    assert respostas.ler(b"Servico indisponivel") is None


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[IpmSandbox]:
    box = IpmSandbox(pasta_sandbox(tmp_path / "ipm"))
    box.start()
    box.aceitar(CNPJ, "s")
    box.trust(A1.cert)
    yield box
    box.stop()


def test_homologacao_at_ipm_only_validates(sandbox: IpmSandbox,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """At an ``*.atende.net`` address a homologação note is a ``nfse_teste`` document: IPM's
    "NFS-e válida para emissão." ends it refused with ``homologacao_sem_emissao``, and
    nothing is issued (the sandbox plays IPM here)."""
    assert provider.teste_na_ipm(emissor(ambiente="homologacao",
                                         base_url="https://cascavel.atende.net/?pg=rest"))
    assert not provider.teste_na_ipm(emissor(ambiente="producao",
                                             base_url="https://cascavel.atende.net/?pg=rest"))
    monkeypatch.setattr(provider, "teste_na_ipm", lambda emissor: True)
    destino = emissor(ambiente="homologacao", base_url=sandbox.url,
                      ca_file=str(sandbox.ca_file))
    outcome = IpmProvider().emit(nota(), RPS, destino)
    assert outcome.result == Result.REJECTED
    assert [e.codigo for e in outcome.erros] == ["homologacao_sem_emissao"]
    assert sandbox.emitidas() == []
    assert IpmProvider().query(nota(), RPS, destino).result == Result.NOT_FOUND


def test_the_sandbox_plays_ipms_situacao_error_and_answers_the_rps_query(
        sandbox: IpmSandbox) -> None:
    destino = emissor(base_url=sandbox.url, ca_file=str(sandbox.ca_file))
    documento = documentos.emissao(nota(), RPS, destino, False).replace(
        b"<situacao_tributaria>0<", b"<situacao_tributaria>99<")
    sent = IpmProvider()._send(documento, destino, "emissao")
    assert not isinstance(sent, Outcome)
    _, root, _ = sent
    assert [e.codigo for e in respostas.erros(root)] == ["00060"]
    emitida = IpmProvider().emit(nota(), RPS, destino)
    assert emitida.result == Result.AUTHORIZED
    consultada = IpmProvider().query(nota(), RPS, destino)
    assert (consultada.result, consultada.numero) == (Result.AUTHORIZED, emitida.numero)
    outra = IpmProvider().query(nota(), Rps("1", 18), destino)
    assert outra.result == Result.UNKNOWN  # no not-found code is published by IPM
    assert [e.codigo for e in outra.erros] == ["90003"]
