"""eGoverneISS (Osasco) without the gateway: the SOAP request the provider builds, the route,
and against the sandbox the answers a user depends on (a lost emission answer reconciled by
the RPS, a refused key, a refusal in the answer)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from nfse.model.nfse import parse_nfse
from nfse.municipios import routing
from nfse.providers.base import CREDENCIAIS_AUSENTES, Emissor, Party, Result, Rps
from nfse.providers.egoverneiss import respostas
from nfse.providers.egoverneiss.provider import CHAVE_OCULTA, EgoverneissProvider
from nfse.sandbox.egoverneiss import EgoverneissSandbox
from tests.support import a1_teste, nota_exemplo, pasta_sandbox

OSASCO = "3534401"
CHAVE = "5f2b9c1e-0a4d-4c3b-9e8f-7a6b5c4d3e2f"
MSG = "http://schemas.datacontract.org/2004/07/Eissnfe.Negocio.WebServices.Mensagem"
DTO = "http://schemas.datacontract.org/2004/07/Eissnfe.Dominio.DataTransferObject.Prestador"
PESSOA = ("http://schemas.datacontract.org/2004/07/"
          "Eissnfe.Dominio.DataTransferObject.Contribuinte")
NS = {"s": "http://schemas.xmlsoap.org/soap/envelope/", "tem": "http://tempuri.org/",
      "eis": MSG, "eis1": DTO, "eis2": PESSOA}


def nota_osasco(**overrides: object):
    body = nota_exemplo(**overrides)
    body["prestador"]["codigo_municipio"] = OSASCO
    body["servico"]["codigo_municipio"] = OSASCO
    return parse_nfse(body)


def emissor(box: EgoverneissSandbox | None = None, chave: str | None = CHAVE) -> Emissor:
    return Emissor(a1=a1_teste()[0], ambiente="homologacao",
                   base_url=box.url if box else "https://127.0.0.1:9/x.svc",
                   ca_file=str(box.ca_file) if box else None, razao_social="EMPRESA TESTE",
                   timeout=5.0, senha=chave)


@pytest.fixture
def box(tmp_path: Path) -> Iterator[EgoverneissSandbox]:
    sandbox = EgoverneissSandbox(pasta_sandbox(tmp_path / "sandbox-egoverneiss"))
    sandbox.start()
    sandbox.trust(a1_teste()[0].cert)
    sandbox.aceitar(CHAVE, "EMPRESA TESTE")
    yield sandbox
    sandbox.stop()


def test_osasco_is_served_by_egoverneiss_without_a_certificate() -> None:
    rota = routing.rota(OSASCO)
    assert (rota.provedor, rota.sistema) == ("egoverneiss", "eGoverneISS")
    assert rota.url("producao") == \
        "https://nfe.osasco.sp.gov.br/EissnfeWebServices/NotaFiscalEletronica.svc"
    assert routing.nao_atendido(OSASCO, "producao") is None


def test_the_emission_is_the_rtc_call_with_the_note_in_the_datacontract_namespaces() -> None:
    nota = nota_osasco()
    nota = replace(nota, servico=replace(nota.servico, valor_ir=Decimal("0.15"),
                                         reforma={"codigo_indicador_operacao": "100301"}))
    dry = EgoverneissProvider().dry_run(nota, Rps("1", 42), emissor())
    assert dry.erros == () and dry.document is not None
    assert CHAVE.encode() not in dry.document
    root = etree.fromstring(dry.document)
    [nf] = root.xpath("/s:Envelope/s:Body/tem:RTC_EmitirNFE/tem:request/eis:NotaFiscal_RTC",
                      namespaces=NS)
    nomes = [etree.QName(c).localname for c in nf]
    assert nomes == ["Aliquota", "Atividade", "ChaveAutenticacao", "DataRecibo", "Homologacao",
                     "InformacoesAdicionais", "NotificarTomadorPorEmail", "NumeroRecibo",
                     "SimplesNacional", "SubstituicaoTributaria", "BairroPrestacaoServico",
                     "CEPPrestacaoServico",
                     "CidadePrestacaoServico", "CodigoCidadeIBGEPrestacaoServico",
                     "EnderecoPrestacaoServico", "EstadoPrestacaoServico",
                     "NumeroPrestacaoServico", "PaisPrestacaoServico", "SemIncidenciaISS",
                     "Tomador", "TomadorEstrangeiro", "Valor", "ValorDeducao", "ValorIR",
                     "IndOperacao"]
    assert {etree.QName(c).namespace for c in nf} == {DTO}

    def campo(tag: str) -> str:
        return nf.findtext(f"eis1:{tag}", namespaces=NS)

    assert (campo("Aliquota"), campo("Valor"), campo("ValorIR")) == ("3.0000", "1.00", "0.15")
    assert (campo("Atividade"), campo("NumeroRecibo")) == ("620910000", "42")
    assert (campo("Homologacao"), campo("SubstituicaoTributaria")) == ("true", "false")
    assert campo("ChaveAutenticacao") == CHAVE_OCULTA
    assert campo("CidadePrestacaoServico") == "Curitiba"
    assert campo("IndOperacao") == "100301"
    assert campo("InformacoesAdicionais") == "Nota fiscal referente a serviços prestados"
    tomador = nf.find("eis1:Tomador", NS)
    assert tomador.findtext("eis2:CNPJ", namespaces=NS) == "07504505000132"
    assert tomador.findtext("eis2:Endereco/eis2:CodigoCidadeIBGE", namespaces=NS) == "4106902"


def test_without_the_access_key_nothing_is_sent() -> None:
    outcome = EgoverneissProvider().emit(nota_osasco(), Rps("1", 1), emissor(chave=None))
    assert outcome.result == Result.REJECTED
    [erro] = outcome.erros
    assert erro.codigo == CREDENCIAIS_AUSENTES
    assert "senha_responsavel" in (erro.correcao or "")
    assert outcome.exchanges == ()


def test_a_lost_emission_answer_is_reconciled_by_the_rps_and_never_resent(
        box: EgoverneissSandbox) -> None:
    provider, nota, rps = EgoverneissProvider(), nota_osasco(), Rps("1", 7)
    box.inject("reset")
    perdida = provider.emit(nota, rps, emissor(box))
    assert perdida.result == Result.UNKNOWN
    achada = provider.query(nota, rps, emissor(box))
    [emitida] = box.emitidas()
    assert achada.result == Result.AUTHORIZED
    assert (achada.numero, achada.codigo_verificacao) == \
        (emitida["numero"], emitida["autenticador"])
    assert CHAVE.encode() not in achada.xml
    assert all(CHAVE.encode() not in e.request for e in perdida.exchanges + achada.exchanges)
    nunca = provider.query(nota, Rps("1", 8), emissor(box))
    assert nunca.result == Result.NOT_FOUND


def test_a_query_the_authority_refuses_leaves_the_note_waiting(box: EgoverneissSandbox) -> None:
    outcome = EgoverneissProvider().query(nota_osasco(), Rps("1", 7), emissor(box, "outra"))
    assert outcome.result == Result.UNKNOWN
    assert "não é reenviado" in (outcome.mensagem or "")


def test_a_refusal_in_the_answer_rejects_the_note(box: EgoverneissSandbox) -> None:
    outcome = EgoverneissProvider().emit(nota_osasco(), Rps("1", 3), emissor(box, "outra"))
    assert outcome.result == Result.REJECTED
    assert [e.mensagem for e in outcome.erros] == ["Chave de autenticação inválida"]
    assert box.emitidas() == []


@pytest.mark.parametrize("status", [401, 403])
def test_a_key_refused_over_http_is_the_companys_failure(box: EgoverneissSandbox,
                                                         status: int) -> None:
    box.status_recusa = status
    outcome = EgoverneissProvider().emit(nota_osasco(), Rps("1", 4), emissor(box))
    assert (outcome.result, outcome.failure_of) == (Result.RETRY, Party.COMPANY)
    assert "chave de acesso" in (outcome.mensagem or "")
    assert box.emitidas() == []


def test_a_fault_of_the_message_itself_is_told_from_a_failure_of_the_service() -> None:
    def falha(codigo: str) -> respostas.Falha:
        lida = respostas.resultado(
            f'<s:Envelope xmlns:s="{NS["s"]}"><s:Body><s:Fault><faultcode xmlns:a='
            f'"http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/'
            f'dispatcher">{codigo}</faultcode><faultstring>O formatador gerou uma exceção'
            f'</faultstring></s:Fault></s:Body></s:Envelope>'.encode(), "RTC_EmitirNFE")
        assert isinstance(lida, respostas.Falha)
        return lida

    assert falha("a:DeserializationFailed").do_cliente
    assert falha("s:Client").do_cliente
    assert not falha("a:InternalServiceFault").do_cliente
