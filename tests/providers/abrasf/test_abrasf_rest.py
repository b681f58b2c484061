"""PublicSoft's REST dialect of the ABRASF provider (``forma_documento = "rest_xml"``,
``credencial = "token_gerado"``; ``nfse.providers.abrasf.rest``) against a scripted authority
over real HTTPS: the token asked first with the prefeitura's token, then the document POSTed
to its own path with the token generated; a refused token or missing credentials send
nothing of the note."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from nfse.model.nfse import parse_nfse
from nfse.providers.abrasf import rest
from nfse.providers.abrasf.provider import AbrasfProvider
from nfse.providers.abrasf.variante import variante_de
from nfse.providers.base import Emissor, Party, Result, Rps
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.providers.abrasf.amostras import GERAR_OK, Authority, Reply
from tests.providers.abrasf.test_abrasf_provider import A1
from tests.support import nota_exemplo

OPCOES = {"versao_layout": "2.03", "emissao": "GerarNfse", "forma_documento": "rest_xml",
          "credencial": "token_gerado", "conciliacao_cancelamento": "CancelarNfse"}
NS = "http://www.abrasf.org.br/nfse.xsd"


@pytest.fixture(autouse=True)
def xsd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NFSE_ABRASF_XSD_DIR", str(abrasf_xsd_dir()))


@pytest.fixture
def authority(tmp_path: Path) -> Iterator[Authority]:
    server = Authority(A1, tmp_path)
    server.start()
    yield server
    server.stop()


def _emissor(authority: Authority, login: str | None = "cidade-7",
             senha: str | None = "token-prefeitura") -> Emissor:
    return Emissor(a1=A1, ambiente="homologacao", base_url=authority.url,
                   ca_file=authority.ca_file, razao_social="EMPRESA TESTE LTDA",
                   regime_tributario=3, timeout=5.0, opcoes=OPCOES, login=login, senha=senha)


def _token(valor: str) -> Reply:
    return Reply(body=f"<Resposta><Mensagem>{valor}</Mensagem></Resposta>".encode(),
                 content_type="application/xml")


def test_emission_asks_a_token_then_posts_the_document_to_its_path(
        authority: Authority) -> None:
    authority.replies += [_token("sessao-123"),
                          Reply(body=GERAR_OK.encode(), content_type="application/xml")]
    outcome = AbrasfProvider().emit(parse_nfse(nota_exemplo()), Rps("1", 7),
                                    _emissor(authority))
    assert outcome.result is Result.AUTHORIZED, outcome
    token, envio = authority.received
    assert token.path == "/nfse/ws/api/gerar-token" and token.body == b""
    assert (token.headers["codigoCidade"], token.headers["token"]) == (
        "cidade-7", "token-prefeitura")
    assert "producao" not in {nome.lower() for nome in token.headers}
    assert envio.path == "/nfse/ws/api/gerar-nfse-envio"
    assert envio.headers["Content-Type"].startswith("application/xml")
    assert (envio.headers["codigoCidade"], envio.headers["token"]) == ("cidade-7", "sessao-123")
    assert "SOAPAction" not in envio.headers
    documento = etree.fromstring(envio.body)
    assert etree.QName(documento).text == f"{{{NS}}}GerarNfseEnvio"
    assert validate(documento, abrasf_xsd_dir() / "nfse_v2-03.xsd") == []


def test_a_refused_prefeitura_token_sends_nothing_of_the_note(authority: Authority) -> None:
    authority.replies.append(_token("erro: token invalido"))
    outcome = AbrasfProvider().emit(parse_nfse(nota_exemplo()), Rps("1", 7),
                                    _emissor(authority))
    assert (outcome.result, outcome.failure_of) == (Result.RETRY, Party.COMPANY)
    assert "token" in outcome.mensagem and "senha_responsavel" in outcome.mensagem
    assert [r.path for r in authority.received] == ["/nfse/ws/api/gerar-token"]


def test_without_city_code_and_token_nothing_is_sent(authority: Authority) -> None:
    outcome = AbrasfProvider().emit(parse_nfse(nota_exemplo()), Rps("1", 7),
                                    _emissor(authority, login=None))
    assert outcome.result is Result.REJECTED
    [erro] = outcome.erros
    assert erro.codigo == "credenciais_prefeitura_ausentes" and "login_responsavel" in erro.correcao
    assert authority.received == []


def test_production_says_so_in_a_header_and_each_document_has_its_path(
        authority: Authority) -> None:
    emissor = replace(_emissor(authority), ambiente="producao")
    variante = variante_de(OPCOES)
    for documento, caminho in (("ConsultarNfseRpsEnvio", "consultar-nfse-rps-envio"),
                               ("CancelarNfseEnvio", "cancelar-nfse-envio"),
                               ("EnviarLoteRpsSincronoEnvio", "enviar-lote-rps-sincrono-envio")):
        url, corpo, cabecalhos = rest.pedido(
            f'<?xml version="1.0"?><{documento} xmlns="{NS}"/>'.encode(), emissor, variante,
            "sessao")
        assert url == f"{authority.url}/api/{caminho}"
        assert corpo.startswith(b'<?xml version="1.0" encoding="UTF-8"?><' + documento.encode())
        assert cabecalhos["producao"] == "true" and cabecalhos["token"] == "sessao"
