"""CTA 2.00 without the gateway: the routing of its two cities, the ``RpsNfse`` and its
security key, what POST refuses, and against the sandbox the answers a user depends on (a
lost emission answer never resent, refusals in XML and in plain text)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from nfse.model.nfse import parse_nfse
from nfse.municipios import routing
from nfse.providers.base import CREDENCIAIS_AUSENTES, Emissor, Result, Rps
from nfse.providers.cta import documentos
from nfse.providers.cta.provider import CtaProvider
from nfse.sandbox.cta import CtaSandbox
from nfse.visualizacao import danfse
from tests.support import CNPJ, IM, a1_teste, nota_exemplo, pasta_sandbox

ITABORAI = "3301900"
CHAVE = "c7a-chave-de-acesso"


def nota_itaborai(**overrides: object):
    body = nota_exemplo(**overrides)
    body["prestador"]["codigo_municipio"] = ITABORAI
    body["servico"]["codigo_municipio"] = ITABORAI
    return parse_nfse(body)


def emissor(box: CtaSandbox | None = None, chave: str | None = CHAVE) -> Emissor:
    return Emissor(a1=a1_teste()[0], ambiente="homologacao",
                   base_url=box.url if box else "https://127.0.0.1:9/wsnfse/",
                   ca_file=str(box.ca_file) if box else None, razao_social="EMPRESA TESTE",
                   timeout=5.0, senha=chave)


@pytest.fixture
def box(tmp_path: Path) -> Iterator[CtaSandbox]:
    sandbox = CtaSandbox(pasta_sandbox(tmp_path / "sandbox-cta"))
    sandbox.start()
    sandbox.trust(a1_teste()[0].cert)
    sandbox.aceitar(CNPJ, CHAVE)
    yield sandbox
    sandbox.stop()


@pytest.mark.parametrize(("ibge", "cidade"), [(ITABORAI, "itaborai"), ("3306206", "vassouras")])
def test_the_two_cta_cities_are_served(ibge: str, cidade: str) -> None:
    rota = routing.rota(ibge)
    assert (rota.provedor, rota.sistema) == ("cta", "CTA")
    assert rota.url("producao") == f"https://prefeiturade{cidade}.online/wsnfse/"
    assert routing.nao_atendido(ibge, "producao") is None


def test_the_rps_nfse_carries_the_security_key_and_one_rps() -> None:
    data = "2026-12-07T10:00:00"
    raiz = documentos.emissao(nota_itaborai(), Rps("1", 42), CHAVE, False, False, data)
    esperada = base64.b64encode(hashlib.sha256(
        f"{CNPJ}{CHAVE}{data}".encode()).hexdigest().encode()).decode()
    assert (raiz.get("versao"), raiz.findtext("ChaveSeguranca")) == ("2.00", esperada)
    assert CHAVE not in etree.tostring(raiz, encoding="unicode")
    assert [raiz.findtext(f"Prestador/{c}") for c in ("DataEmissao", "Cnpj",
                                                        "InscricaoMunicipal")] == \
        [data, CNPJ, IM]
    [rps] = raiz.findall("ListaRps/Rps")
    assert [c.tag for c in rps] == [
        "IdentificacaoRps", "Servico1", "Servico2", "Servico3", "Servico4", "Servico5",
        "Valores", "Informacoes", "ValoresRetencoes", "Observacoes", "Tomador", "Endereco"]
    assert (rps.findtext("IdentificacaoRps/Numero"),
            rps.findtext("IdentificacaoRps/TipoDeTributacao")) == ("42", "0")
    assert (rps.findtext("Servico1/QuantidadeDoItem"), rps.findtext("Servico1/ValorTotalDoItem"),
            rps.findtext("Servico2/ValorTotalDoItem")) == ("1", "1.00", "0.00")
    assert (rps.findtext("Valores/Aliquota"), rps.findtext("Informacoes/ItemListaServico")) == \
        ("3.00", "01.07")
    cancelamento = documentos.cancelamento(nota_itaborai(), "7", "Erro", CHAVE, True, data)
    assert cancelamento.findtext("ChaveSeguranca") == base64.b64encode(hashlib.sha1(
        f"{CNPJ}{CHAVE}{data}".encode()).digest()).decode()
    assert (cancelamento.get("Id"), cancelamento.findtext("Producao")) == ("7", "2")


def test_post_refuses_what_cta_cannot_keep() -> None:
    provider = CtaProvider()
    assert provider.validate(nota_itaborai()) == []
    longa = nota_itaborai()
    longa = replace(longa, servico=replace(longa.servico, discriminacao="x" * 61),
                    informacoes_complementares="y" * 191)
    assert [p.campo for p in provider.validate(longa)] == ["servico.discriminacao",
                                                           "informacoes_complementares"]


def test_without_the_access_key_nothing_is_sent() -> None:
    outcome = CtaProvider().emit(nota_itaborai(), Rps("1", 1), emissor(chave=None))
    assert outcome.result == Result.REJECTED
    assert [e.codigo for e in outcome.erros] == [CREDENCIAIS_AUSENTES]
    assert outcome.exchanges == ()


def test_a_lost_emission_answer_is_never_resent(box: CtaSandbox) -> None:
    provider, nota, rps = CtaProvider(), nota_itaborai(), Rps("1", 5)
    box.inject("reset")
    perdida = provider.emit(nota, rps, emissor(box))
    assert perdida.result == Result.UNKNOWN
    consulta = provider.query(nota, rps, emissor(box))
    assert consulta.result == Result.UNKNOWN
    assert "não será enviado de novo" in (consulta.mensagem or "")
    assert [e["rps"] for e in box.emitidas()] == ["5"]


def test_refusals_in_xml_and_in_plain_text_reject_the_note(box: CtaSandbox) -> None:
    provider = CtaProvider()
    errada = provider.emit(nota_itaborai(), Rps("1", 3), emissor(box, "outra"))
    assert errada.result == Result.REJECTED
    assert [e.mensagem for e in errada.erros] == ["Chave de segurança inválida"]
    assert provider.emit(nota_itaborai(), Rps("1", 4), emissor(box)).result == \
        Result.AUTHORIZED
    repetida = provider.emit(nota_itaborai(), Rps("1", 4), emissor(box))
    assert repetida.result == Result.REJECTED
    assert [e.mensagem for e in repetida.erros] == ["RPS 4 já utilizado"]
    assert len(box.emitidas()) == 1


def test_the_danfse_reads_a_kept_cta_note() -> None:
    assert danfse._padrao(b"<NfseCta><NumeroNFSe>1</NumeroNFSe></NfseCta>") == "cta"
