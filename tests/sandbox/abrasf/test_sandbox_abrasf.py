"""The ABRASF 2.04 sandbox as a municipality: emission, exactly-once per RPS, queries,
cancellation, substitution and lots, every answer valid against the official schema."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from lxml import etree

from nfse.certs.a1 import document_of
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.sandbox.assinatura import verificar_assinatura
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.sandbox.abrasf.pedidos import (
    A1_NAO_CONFIAVEL,
    A1_OUTRO,
    A1_TESTE,
    CNPJ,
    NS,
    N,
    Resposta,
    cancelar,
    chamar,
    cliente,
    consultar_lote,
    consultar_rps,
    consultar_tomado,
    gerar,
    hoje,
    lote,
    substituir,
)


def valido(resposta: Resposta) -> etree._Element:
    """The answer's document, asserted valid against nfse_v2-04.xsd."""
    assert resposta.http.status_code == 200, resposta.http.text
    assert resposta.documento is not None
    assert validate(resposta.documento, abrasf_xsd_dir() / "nfse_v2-04.xsd") == []
    return resposta.documento


def numero(comp: etree._Element) -> int:
    return int(comp.findtext("n:Nfse/n:InfNfse/n:Numero", namespaces=N))


def test_gerar_nfse_authorizes_with_computed_values(client: httpx.Client,
                                                    abrasf: AbrasfSandbox) -> None:
    resposta = chamar(client, "GerarNfse", gerar(1))
    doc = valido(resposta)
    assert doc.tag == f"{{{NS}}}GerarNfseResposta"
    (comp,) = resposta.comps()
    inf = comp.find("n:Nfse/n:InfNfse", N)
    assert inf.findtext("n:Numero", namespaces=N) == "1"
    codigo = inf.findtext("n:CodigoVerificacao", namespaces=N)
    assert codigo.isalnum() and len(codigo) == 9
    valores = {e.tag.split("}")[1]: e.text for e in inf.find("n:ValoresNfse", N)}
    assert valores == {"BaseCalculo": "1000.00", "Aliquota": "2.00", "ValorIss": "20.00",
                       "ValorLiquidoNfse": "993.50"}  # 1000 − PIS 6,50
    assert inf.findtext("n:PrestadorServico/n:RazaoSocial", namespaces=N) == \
        "EMPRESA TESTE LTDA"
    assert inf.findtext("n:OrgaoGerador/n:Uf", namespaces=N) == "SP"
    # the municipality signs InfNfse; the RPS comes back with the prestador's signature,
    # which still verifies where it now sits
    nfse = comp.find("n:Nfse", N)
    verificar_assinatura(nfse.find("ds:Signature", N), inf)
    declaracao = inf.find("n:DeclaracaoPrestacaoServico", N)
    cert = verificar_assinatura(declaracao.find("ds:Signature", N),
                                declaracao.find("n:InfDeclaracaoPrestacaoServico", N))
    assert document_of(cert) == CNPJ

    (emitida,) = abrasf.emitidas()
    assert {k: emitida[k] for k in ("numero", "codigo_verificacao", "cnpj", "rps_numero",
                                    "rps_serie", "rps_tipo", "status", "valor_servicos")} == {
        "numero": 1, "codigo_verificacao": codigo, "cnpj": CNPJ, "rps_numero": "1",
        "rps_serie": "A", "rps_tipo": "1", "status": "autorizada", "valor_servicos": "1000.00"}
    assert "<CompNfse" in emitida["xml"]
    listed = client.get(abrasf.url.replace("/nfse", "/_sandbox/emitidas"))
    assert listed.json() == abrasf.emitidas()
    assert client.get(abrasf.url.replace("/nfse", "/outra")).status_code == 404


def test_duplicate_rps_is_rejected_and_the_note_stays_one(client: httpx.Client,
                                                          abrasf: AbrasfSandbox) -> None:
    assert numero(chamar(client, "GerarNfse", gerar(7)).comps()[0]) == 1
    again = chamar(client, "GerarNfse", gerar(7))
    valido(again)
    assert again.codigos() == ["E10"]
    assert "NFS-e 1" in again.mensagens()
    assert len(abrasf.emitidas()) == 1
    # the same number in another series is another RPS; numbering goes on per prestador
    assert numero(chamar(client, "GerarNfse", gerar(7, "B")).comps()[0]) == 2


def test_consulta_por_rps(client: httpx.Client, abrasf: AbrasfSandbox) -> None:
    issued = chamar(client, "GerarNfse", gerar(3)).comps()[0]
    found = chamar(client, "ConsultarNfsePorRps", consultar_rps(3))
    doc = valido(found)
    (comp,) = found.comps()
    assert comp.getparent() is doc and numero(comp) == numero(issued)
    missing = chamar(client, "ConsultarNfsePorRps", consultar_rps(4))
    valido(missing)
    assert missing.codigos() == ["E4"]
    with cliente(abrasf, A1_OUTRO) as other:
        foreign = chamar(other, "ConsultarNfsePorRps", consultar_rps(3))
    assert foreign.codigos() == ["E157"]


def test_cancel_then_cancel_again(client: httpx.Client) -> None:
    chamar(client, "GerarNfse", gerar(10))
    unsigned = chamar(client, "CancelarNfse", cancelar(1, signer=None))
    valido(unsigned)
    assert unsigned.codigos() == ["E1"]

    done = chamar(client, "CancelarNfse", cancelar(1))
    doc = valido(done)
    confirmacao = doc.find("n:RetCancelamento/n:NfseCancelamento/n:Confirmacao", N)
    assert confirmacao is not None
    assert confirmacao.findtext("n:Pedido/n:InfPedidoCancelamento/n:IdentificacaoNfse/"
                                "n:Numero", namespaces=N) == "1"
    verificar_assinatura(confirmacao.getparent().find("ds:Signature", N), confirmacao)

    consulta = chamar(client, "ConsultarNfsePorRps", consultar_rps(10))
    valido(consulta)
    assert consulta.comps()[0].find("n:NfseCancelamento", N) is not None

    twice = chamar(client, "CancelarNfse", cancelar(1))
    valido(twice)
    assert twice.codigos() == ["E79"]
    unknown = chamar(client, "CancelarNfse", cancelar(99))
    valido(unknown)
    assert unknown.codigos() == ["E78"]


def test_substitution_is_atomic_and_final(client: httpx.Client, abrasf: AbrasfSandbox) -> None:
    chamar(client, "GerarNfse", gerar(20))
    done = chamar(client, "SubstituirNfse", substituir(1, 21))
    doc = valido(done)
    ret = doc.find("n:RetSubstituicao", N)
    old = ret.find("n:NfseSubstituida/n:CompNfse", N)
    new = ret.find("n:NfseSubstituidora/n:CompNfse", N)
    assert numero(old) == 1 and numero(new) == 2
    assert old.findtext("n:NfseSubstituicao/n:SubstituicaoNfse/n:NfseSubstituidora",
                        namespaces=N) == "2"
    assert new.findtext("n:Nfse/n:InfNfse/n:NfseSubstituida", namespaces=N) == "1"

    consulta = chamar(client, "ConsultarNfsePorRps", consultar_rps(20))
    valido(consulta)
    assert consulta.comps()[0].find("n:NfseSubstituicao", N) is not None
    assert {e["numero"]: e["status"] for e in abrasf.emitidas()} == {
        1: "substituida", 2: "autorizada"}
    assert abrasf.emitidas()[0]["substituida_por"] == 2

    assert chamar(client, "SubstituirNfse", substituir(1, 22)).codigos() == ["E7"]
    assert chamar(client, "CancelarNfse", cancelar(1)).codigos() == ["E7"]
    assert chamar(client, "SubstituirNfse", substituir(50, 23)).codigos() == ["E5"]
    unsigned = chamar(client, "SubstituirNfse", substituir(2, 24, assinado=False))
    assert unsigned.codigos() == ["E1"]
    assert len(abrasf.emitidas()) == 2  # nothing of the refused attempts was kept


def test_rps_substituido_in_gerar_nfse(client: httpx.Client, abrasf: AbrasfSandbox) -> None:
    chamar(client, "GerarNfse", gerar(30))
    novo = chamar(client, "GerarNfse", gerar(31, substitui=(30, "A")))
    valido(novo)
    assert novo.comps()[0].findtext("n:Nfse/n:InfNfse/n:NfseSubstituida",
                                    namespaces=N) == "1"
    assert chamar(client, "GerarNfse", gerar(32, substitui=(99, "A"))).codigos() == ["E76"]
    assert [e["status"] for e in abrasf.emitidas()] == ["substituida", "autorizada"]


def test_lote_sincrono_is_all_or_nothing(client: httpx.Client, abrasf: AbrasfSandbox) -> None:
    done = chamar(client, "RecepcionarLoteRpsSincrono", lote([1, 2, 3]))
    doc = valido(done)
    assert doc.findtext("n:NumeroLote", namespaces=N) == "1"
    assert sorted(numero(c) for c in done.comps()) == [1, 2, 3]

    # RPS 3 already became a note: the whole lot is refused, RPS 4 and 5 included
    refused = chamar(client, "RecepcionarLoteRpsSincrono", lote([4, 3, 5]))
    doc = valido(refused)
    item = doc.find("n:ListaMensagemRetornoLote/n:MensagemRetorno", N)
    assert item.findtext("n:IdentificacaoRps/n:Numero", namespaces=N) == "3"
    assert refused.codigos() == ["E10"]
    assert len(abrasf.emitidas()) == 3

    assert chamar(client, "RecepcionarLoteRpsSincrono",
                  lote([6, 7], quantidade=3)).codigos() == ["E69"]
    assert chamar(client, "RecepcionarLoteRpsSincrono",
                  lote([8, 8])).codigos() == ["E71"]
    unsigned_lot = chamar(client, "RecepcionarLoteRpsSincrono", lote([9], assinado=False))
    assert len(unsigned_lot.comps()) == 1  # the lot's own signature is optional


def test_lote_assincrono_and_its_query(client: httpx.Client) -> None:
    received = chamar(client, "RecepcionarLoteRps", lote([1, 2], raiz="EnviarLoteRpsEnvio"))
    doc = valido(received)
    protocolo = doc.findtext("n:Protocolo", namespaces=N)
    result = chamar(client, "ConsultarLoteRps", consultar_lote(protocolo))
    doc = valido(result)
    assert doc.findtext("n:Situacao", namespaces=N) == "4" and len(result.comps()) == 2

    failed = chamar(client, "RecepcionarLoteRps", lote([2, 3], raiz="EnviarLoteRpsEnvio"))
    result = chamar(client, "ConsultarLoteRps",
                    consultar_lote(failed.documento.findtext("n:Protocolo", namespaces=N)))
    doc = valido(result)
    assert doc.findtext("n:Situacao", namespaces=N) == "3" and result.codigos() == ["E10"]
    unknown = chamar(client, "ConsultarLoteRps", consultar_lote("NAOEXISTE"))
    valido(unknown)
    assert unknown.codigos() == ["E86"]


def test_schema_and_header_errors(client: httpx.Client) -> None:
    broken = chamar(client, "GerarNfse", gerar(40, sem=("Competencia",)))
    valido(broken)
    assert set(broken.codigos()) == {"E160"}
    assert "Competencia" in broken.mensagens() or "Servico" in broken.mensagens()

    old = chamar(client, "GerarNfse", gerar(41), cabecalho=(
        f'<cabecalho xmlns="{NS}" versao="2.05"><versaoDados>2.05</versaoDados></cabecalho>'))
    assert old.codigos() == ["E160"] and "2.05 não suportada" in old.mensagens()
    # a 2.04 declaration under a 2.03 header is checked against the 2.03 schema
    mixed = chamar(client, "GerarNfse", gerar(41), cabecalho=(
        f'<cabecalho xmlns="{NS}" versao="2.03"><versaoDados>2.03</versaoDados></cabecalho>'))
    assert set(mixed.codigos()) == {"E160"} and "TomadorServico" in mixed.mensagens()
    missing = chamar(client, "GerarNfse", gerar(42), cabecalho=None)
    assert missing.codigos() == ["E160"]
    wrong = chamar(client, "GerarNfse", consultar_rps(1))
    valido(wrong)
    assert wrong.codigos() == ["E160"] and "ConsultarNfseRpsEnvio" in wrong.mensagens()
    malformed = chamar(client, "GerarNfse", "<GerarNfseEnvio>")
    assert malformed.codigos() == ["E160"]


def test_structural_checks_without_schema(tmp_path: Path) -> None:
    box = AbrasfSandbox(tmp_path / "sem-xsd")
    box.start()
    box.trust(A1_TESTE.cert)
    try:
        with cliente(box) as client:
            assert chamar(client, "GerarNfse", gerar(1, sem=("Competencia",))).codigos() == \
                ["E94"]
            assert len(chamar(client, "GerarNfse", gerar(2)).comps()) == 1
    finally:
        box.stop()


def test_signature_rules(client: httpx.Client, abrasf: AbrasfSandbox) -> None:
    tampered = gerar(50).replace("<ValorServicos>1000.00<", "<ValorServicos>9000.00<")
    assert chamar(client, "GerarNfse", tampered).codigos() == ["E1"]
    assert chamar(client, "GerarNfse", gerar(51, signer=None)).codigos() == ["E1"]
    untrusted = chamar(client, "GerarNfse", gerar(52, signer=A1_NAO_CONFIAVEL))
    assert untrusted.codigos() == ["E1"] and "confiável" in untrusted.mensagens()
    someone_else = chamar(client, "GerarNfse", gerar(53, signer=A1_OUTRO))
    assert someone_else.codigos() == ["E157"]
    assert len(chamar(client, "GerarNfse", gerar(54, algorithm="sha256")).comps()) == 1
    with cliente(abrasf, A1_OUTRO) as other:
        # a trusted transmitter that is not the prestador
        assert chamar(other, "GerarNfse", gerar(55)).codigos() == ["E157"]
    assert [e["rps_numero"] for e in abrasf.emitidas()] == ["54"]


def test_value_and_date_rules(client: httpx.Client) -> None:
    assert chamar(client, "GerarNfse", gerar(60, valor="0.00")).codigos() == ["E18"]
    assert chamar(client, "GerarNfse", gerar(61, iss="25.00")).codigos() == ["E153"]
    ok = chamar(client, "GerarNfse", gerar(62, iss="20.01"))  # within R$ 0,01
    assert ok.comps()[0].findtext("n:Nfse/n:InfNfse/n:ValoresNfse/n:ValorIss",
                                  namespaces=N) == "20.01"
    amanha = hoje() + timedelta(days=1)
    assert chamar(client, "GerarNfse", gerar(63, emissao=amanha)).codigos() == ["E16"]
    later = chamar(client, "GerarNfse", gerar(64, emissao=hoje() - timedelta(days=40),
                                              competencia=hoje()))
    assert later.codigos() == ["E2"]
    default_rate = chamar(client, "GerarNfse", gerar(65, aliquota=None, valor="50.00",
                                                     pis=None))
    valores = default_rate.comps()[0].find("n:Nfse/n:InfNfse/n:ValoresNfse", N)
    assert [e.text for e in valores] == ["50.00", "2.00", "1.00", "50.00"]


def test_untrusted_transport_certificate_is_refused(abrasf: AbrasfSandbox) -> None:
    with pytest.raises(httpx.TransportError), cliente(abrasf, A1_NAO_CONFIAVEL) as stranger:
        chamar(stranger, "GerarNfse", gerar(1))


def test_consulta_de_servico_tomado_rules(client: httpx.Client) -> None:
    """ConsultarNfseServicoTomado: the consulente acts with its own certificate and must be
    the tomador it asks about; a period backwards or longer than a year is refused; nothing
    found is E78."""
    def codigos(consulente: str, tomador: str | None, inicio: date, fim: date) -> list[str]:
        resposta = chamar(client, "ConsultarNfseServicoTomado",
                          consultar_tomado(consulente, tomador, inicio, fim))
        return valido(resposta) is not None and resposta.codigos()

    dia = hoje()
    assert codigos(CNPJ, None, dia, dia) == ["E138"]
    assert codigos(CNPJ, "07504505000132", dia, dia) == ["E138"]
    assert codigos("07504505000132", "07504505000132", dia, dia) == ["E157"]
    assert codigos(CNPJ, CNPJ, dia, dia - timedelta(days=1)) == ["E134"]
    assert codigos(CNPJ, CNPJ, dia - timedelta(days=400), dia) == ["E135"]
    assert codigos(CNPJ, CNPJ, dia, dia) == ["E78"]  # it took no note today
