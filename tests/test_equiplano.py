"""Equiplano's own layout without the gateway: the signed documents (schema, the signature an
independent verifier accepts although the root declares the ``es`` prefix, the codes), what
is refused before sending, and the provider against the sandbox: a lost lot answer is
reconciled by esConsultarNfsePorRps and never issued twice; an RPS repeated in a lot is the
note already issued only with a listed code; an unknown RPS is NOT_FOUND only with a listed
code; cancellation and a second one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.model.nota import Nota
from nfse.providers.base import Emissor, Result, Rps
from nfse.providers.equiplano import documentos
from nfse.providers.equiplano.provider import EquiplanoProvider
from nfse.sandbox.assinatura import ds, verificar_assinatura
from nfse.sandbox.equiplano import EquiplanoSandbox
from nfse.sandbox.equiplano.server import NFSE_CANCELADA, RPS_NAO_ENCONTRADO, RPS_REPETIDO
from tests.support import CNPJ, nota_exemplo, pasta_sandbox

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
TOLEDO = "4127700"
ENTIDADE = "136"
RPS = Rps("1", 17)


def nota(natureza: int = 1, **servico: object) -> Nota:
    body = nota_exemplo(natureza_operacao=natureza)
    body["prestador"]["codigo_municipio"] = TOLEDO
    body["servico"].update(codigo_municipio=TOLEDO, **servico)
    return parse_nfse(body)


def emissor(url: str = "https://x/enfsws/services/Enfs", ca: str | None = None,
            **opcoes: object) -> Emissor:
    return Emissor(a1=A1, ambiente="homologacao", base_url=url, ca_file=ca,
                   razao_social="EMPRESA TESTE LTDA", timeout=5,
                   opcoes={"id_entidade": ENTIDADE, **opcoes})


def test_the_lot_is_signed_as_a_whole_and_follows_the_schema() -> None:
    root = etree.fromstring(documentos.lote(nota(iss_retido="true"), RPS, A1,
                                            {"id_entidade": ENTIDADE}))
    assert root.tag == f"{{{documentos.NS}}}enviarLoteRpsEnvio" and root.prefix == "es"
    assert documentos.conferir(root) == []
    assert verificar_assinatura(root.find(ds("Signature")), root) == A1.cert
    rps = root.find("lote/listaRps/rps")
    assert root.findtext("lote/prestador/idEntidade") == ENTIDADE
    assert (rps.findtext("tpTributacao"), rps.findtext("isIssRetido")) == ("1", "1")
    assert rps.findtext("listaServicos/servico/vlAliquota") == "3.00"
    assert rps.findtext("tomador/documento/tpDocumento") == "2"
    assert [p.campo for p in documentos.problemas(nota(natureza=5))] == ["natureza_operacao"]
    sem = EquiplanoProvider().emit(nota(), RPS, emissor(id_entidade=""))
    assert (sem.result, sem.erros[0].codigo) == (Result.REJECTED, "id_entidade_ausente")


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[EquiplanoSandbox]:
    box = EquiplanoSandbox(pasta_sandbox(tmp_path / "sandbox-equiplano"), ENTIDADE)
    box.start()
    box.trust(A1.cert)
    yield box
    box.stop()


def test_a_lost_answer_is_reconciled_by_the_rps_and_never_issued_twice(
        sandbox: EquiplanoSandbox) -> None:
    provider, dados = EquiplanoProvider(), emissor(sandbox.url, str(sandbox.ca_file))
    sandbox.inject("reset")
    assert provider.emit(nota(), RPS, dados).result == Result.UNKNOWN
    achada = provider.query(nota(), RPS, dados)
    [emitida] = sandbox.emitidas()
    assert (achada.result, achada.numero) == (Result.AUTHORIZED, emitida["numero"])
    assert achada.codigo_verificacao == emitida["codigo_verificacao"]
    guardada = etree.fromstring(achada.xml)
    assert guardada.findtext("rps/nrRps") == "17"

    repetida = provider.emit(nota(), RPS, dados)
    assert (repetida.result, repetida.erros[0].codigo) == (Result.REJECTED, RPS_REPETIDO)
    duplicado = provider.emit(nota(), RPS, emissor(sandbox.url, str(sandbox.ca_file),
                                                   codigos_rps_duplicado=[RPS_REPETIDO]))
    assert (duplicado.result, duplicado.numero) == (Result.AUTHORIZED, emitida["numero"])
    assert len(sandbox.emitidas()) == 1

    calado = provider.query(nota(), Rps("1", 99), dados)
    assert (calado.result, calado.erros[0].codigo) == (Result.UNKNOWN, RPS_NAO_ENCONTRADO)
    listado = provider.query(nota(), Rps("1", 99), emissor(
        sandbox.url, str(sandbox.ca_file), codigos_rps_nao_encontrado=[RPS_NAO_ENCONTRADO]))
    assert listado.result == Result.NOT_FOUND


def test_the_sandbox_checks_the_city_and_cancels_once(sandbox: EquiplanoSandbox) -> None:
    provider, dados = EquiplanoProvider(), emissor(sandbox.url, str(sandbox.ca_file))
    outra = provider.emit(nota(), RPS, emissor(sandbox.url, str(sandbox.ca_file),
                                               id_entidade="35"))
    assert outra.result == Result.REJECTED and "Entidade 35" in outra.erros[0].mensagem
    emitida = provider.emit(nota(), RPS, dados)
    assert emitida.result == Result.AUTHORIZED
    cancelada = provider.cancel(nota(), "", emitida.numero or "", "Erro na emissão", dados)
    assert cancelada.result == Result.AUTHORIZED
    assert sandbox.emitidas()[0]["motivo"] == "Erro na emissão"
    de_novo = provider.cancel(nota(), "", emitida.numero or "", "Erro na emissão", dados)
    assert (de_novo.result, de_novo.erros[0].codigo) == (Result.REJECTED, NFSE_CANCELADA)
    assert provider.cancel(nota(), "", emitida.numero or "", "Erro na emissão", emissor(
        sandbox.url, str(sandbox.ca_file), codigos_nfse_cancelada=[NFSE_CANCELADA])).result \
        == Result.AUTHORIZED
