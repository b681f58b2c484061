"""SigISS without the gateway: the routing of its four cities, the ``GerarNota`` request the
provider builds, what POST refuses, and against the sandbox the answers a user depends on (a
lost emission answer never resent and reconciled by the note numbers, refusals, the
cancellation in each version's shape)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from nfse.model.nfse import parse_nfse
from nfse.municipios import routing
from nfse.providers.base import CREDENCIAIS_AUSENTES, Emissor, Result, Rps
from nfse.providers.sigiss.provider import SENHA_OCULTA, SigissProvider
from nfse.sandbox.sigiss import SigissSandbox
from nfse.visualizacao import danfse
from tests.support import CNPJ, IM, a1_teste, nota_exemplo, pasta_sandbox

MARILIA = "3529005"
SENHA = "s3nh@Sig"
NS = {"s": "http://schemas.xmlsoap.org/soap/envelope/", "u": "urn:sigiss_ws"}


def nota_marilia(**overrides: object):
    body = nota_exemplo(**overrides)
    body["prestador"]["codigo_municipio"] = MARILIA
    body["servico"]["codigo_municipio"] = MARILIA
    return parse_nfse(body)


def emissor(box: SigissSandbox | None = None, senha: str | None = SENHA,
            versao: str = "1.00") -> Emissor:
    return Emissor(a1=a1_teste()[0], ambiente="homologacao",
                   base_url=box.url if box else "https://127.0.0.1:9/ws/sigiss_ws.php",
                   ca_file=str(box.ca_file) if box else None, razao_social="EMPRESA TESTE",
                   timeout=5.0, senha=senha, opcoes={"versao_sigiss": versao})


def _box(tmp_path: Path, versao: str) -> SigissSandbox:
    sandbox = SigissSandbox(pasta_sandbox(tmp_path / f"sandbox-sigiss-{versao}"),
                            versao=versao)
    sandbox.start()
    sandbox.trust(a1_teste()[0].cert)
    sandbox.aceitar(IM, CNPJ, SENHA)
    return sandbox


@pytest.fixture
def box(tmp_path: Path) -> Iterator[SigissSandbox]:
    sandbox = _box(tmp_path, "1.00")
    yield sandbox
    sandbox.stop()


@pytest.mark.parametrize(("ibge", "cidade", "versao"), [
    (MARILIA, "marilia", None), ("3522604", "itapira", None),
    ("4315602", "riogrande", "1.01"), ("3554805", "tremembe", "1.01")])
def test_the_four_sigiss_cities_are_served_with_their_version(ibge: str, cidade: str,
                                                              versao: str | None) -> None:
    rota = routing.rota(ibge)
    assert (rota.provedor, rota.sistema) == ("sigiss", "SigISS")
    assert rota.url("producao") == f"https://{cidade}.sigiss.com.br/{cidade}/ws/sigiss_ws.php"
    assert rota.opcoes.get("versao_sigiss") == versao
    assert routing.nao_atendido(ibge, "producao") is None


def test_the_emission_is_a_flat_descricao_rps_with_comma_values() -> None:
    nota = nota_marilia()
    nota = replace(nota, servico=replace(
        nota.servico, discriminacao="Linha 1\nLinha 2", valor_ir=Decimal("0.15"),
        item_lista_servico="01.07"))
    dry = SigissProvider().dry_run(nota, Rps("A", 42), emissor())
    assert dry.erros == () and dry.document is not None
    assert SENHA.encode() not in dry.document
    root = etree.fromstring(dry.document)
    [rps] = root.xpath("/s:Envelope/s:Body/u:GerarNota/u:DescricaoRps", namespaces=NS)

    def campo(tag: str) -> str | None:
        return rps.findtext(f"u:{tag}", namespaces=NS)

    assert (campo("ccm"), campo("cnpj"), campo("senha")) == (IM, CNPJ, SENHA_OCULTA)
    assert (campo("crc"), campo("crc_estado")) == ("", "")
    assert (campo("servico"), campo("situacao")) == ("0107", "tp")
    assert (campo("valor"), campo("base"), campo("irrf")) == ("1,0000", "1,0000", "0,1500")
    assert campo("descricaoNF") == "Linha 1|Linha 2"
    assert (campo("tomador_tipo"), campo("tomador_cnpj")) == ("4", "07504505000132")
    assert (campo("rps_num"), campo("rps_serie"), campo("rps_ano")) == ("42", "A", "2017")
    assert campo("aliquota_simples") is None


def test_post_refuses_what_sigiss_cannot_keep() -> None:
    provider = SigissProvider()
    assert provider.validate(nota_marilia()) == []
    longa = nota_marilia()
    longa = replace(longa, servico=replace(longa.servico, discriminacao="x" * 151))
    [problema] = provider.validate(longa)
    assert problema.campo == "servico.discriminacao" and "150" in problema.mensagem
    suspensa = replace(nota_marilia(), natureza_operacao=5)
    assert [p.campo for p in provider.validate(suspensa)] == ["natureza_operacao"]


def test_without_the_password_nothing_is_sent() -> None:
    outcome = SigissProvider().emit(nota_marilia(), Rps("1", 1), emissor(senha=None))
    assert outcome.result == Result.REJECTED
    [erro] = outcome.erros
    assert erro.codigo == CREDENCIAIS_AUSENTES
    assert "senha_responsavel" in (erro.correcao or "")
    assert outcome.exchanges == ()


def test_a_lost_emission_answer_is_never_resent_and_found_after_the_last_note(
        box: SigissSandbox) -> None:
    nota = nota_marilia()
    box.inject("reset")
    sozinha = SigissProvider()
    perdida = sozinha.emit(nota, Rps("1", 6), emissor(box))
    assert perdida.result == Result.UNKNOWN
    sem_base = sozinha.query(nota, Rps("1", 6), emissor(box))
    assert sem_base.result == Result.UNKNOWN
    assert "não será enviado de novo" in (sem_base.mensagem or "")

    provider = SigissProvider()
    assert provider.emit(nota, Rps("1", 7), emissor(box)).numero == "2"
    box.inject("reset")
    assert provider.emit(nota, Rps("1", 8), emissor(box)).result == Result.UNKNOWN
    achada = provider.query(nota, Rps("1", 8), emissor(box))
    emitidas = box.emitidas()
    assert [e["rps"] for e in emitidas] == ["6", "7", "8"]
    assert achada.result == Result.AUTHORIZED
    assert (achada.numero, achada.codigo_verificacao) == ("3", emitidas[2]["autenticidade"])
    assert SENHA.encode() not in achada.xml
    assert all(SENHA.encode() not in e.request for e in achada.exchanges)
    nunca = provider.query(nota, Rps("1", 9), emissor(box))
    assert nunca.result == Result.UNKNOWN


def test_refusals_in_the_answer_reject_the_note(box: SigissSandbox) -> None:
    provider = SigissProvider()
    errada = provider.emit(nota_marilia(), Rps("1", 3), emissor(box, "outra"))
    assert errada.result == Result.REJECTED
    assert [e.codigo for e in errada.erros] == ["E02"]
    assert provider.emit(nota_marilia(), Rps("1", 4), emissor(box)).result == \
        Result.AUTHORIZED
    repetida = provider.emit(nota_marilia(), Rps("1", 4), emissor(box))
    assert repetida.result == Result.REJECTED
    assert "já convertido" in (repetida.erros[0].correcao or "")
    assert len(box.emitidas()) == 1


def test_the_cancellation_takes_the_shape_of_the_citys_version(tmp_path: Path) -> None:
    sandbox = _box(tmp_path, "1.01")
    try:
        provider, nota = SigissProvider(), nota_marilia()
        emitida = provider.emit(nota, Rps("1", 1), emissor(sandbox, versao="1.01"))
        assert emitida.result == Result.AUTHORIZED
        errada = provider.cancel(nota, "", "1", "Erro na emissão", emissor(sandbox))
        assert errada.result == Result.REJECTED  # the 1.00 shape, which a 1.01 city refuses
        cancelada = provider.cancel(nota, "", "1", "Erro na emissão",
                                    emissor(sandbox, versao="1.01"))
        assert cancelada.result == Result.AUTHORIZED
        assert [(e["status"], e["motivo"]) for e in sandbox.emitidas()] == \
            [("cancelada", "Erro na emissão")]
    finally:
        sandbox.stop()


def test_the_danfse_reads_a_descricao_rps_as_sigiss() -> None:
    assert danfse._padrao(b'<DescricaoRps xmlns="urn:sigiss_ws"><ccm>1</ccm></DescricaoRps>') \
        == "sigiss"
    assert danfse._padrao(b"<DescricaoRps><ccm>1</ccm></DescricaoRps>") == "nacional"
