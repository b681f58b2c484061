"""SilTecnologia (issue 22, point 2): the NFS-e the emitter builds around the DPS (schema
with nNFSe 0 admitted, key, values, emit), the SOAP envelope and answers, the event, the
sandbox's refusals, the registry's routing, and one round trip through the gateway (emit,
query, a resend found instead of issued twice, cancel)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from lxml import etree

from nfse.model.nfse import parse_nfse
from nfse.model.nota import Endereco
from nfse.municipios import routing
from nfse.providers.base import Emissor, Result, Rps
from nfse.providers.nacional.chave import chave_valida
from nfse.providers.nacional.dialetos import siltecnologia as sil
from nfse.providers.nacional.dialetos.comum import ENDERECO_AUSENTE
from nfse.providers.nacional.dps import build_dps
from nfse.providers.nacional.nfse_emitente import gerar_nfse
from nfse.providers.registry import get_provider
from nfse.sandbox.nacional import NacionalSandbox
from nfse.sandbox.nacional import siltecnologia as sandbox_sil
from nfse.sandbox.nacional.assinatura import verificar
from nfse.store import admin_tokens, empresas
from nfse.xml import nfse_transcrita
from nfse.xml.sign import sign
from nfse.xml.validate import nacional_schema_dir, validate
from tests.municipios.test_emissao_municipal import _segundo_sandbox
from tests.sandbox import dps_nacional
from tests.support import CNPJ, Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

FRANCA = "3516200"
PRODUCAO = "https://franca.siltecnologia.com.br/services/NotaFiscalNacional"
NS = "http://www.sped.fazenda.gov.br/nfse"
N = {"n": NS}
DSIG = "{http://www.w3.org/2000/09/xmldsig#}"
ENDERECO = Endereco(logradouro="Avenida Champagnat", numero="1808", bairro="Centro",
                    cep="14400000", uf="SP")


def _emissor(**campos: object) -> Emissor:
    return replace(Emissor(a1=dps_nacional.EMITENTE, ambiente="homologacao", base_url="",
                           ca_file=None, razao_social="EMPRESA TESTE LTDA",
                           endereco=ENDERECO), **campos)


def _nfse(**servico: object) -> tuple[str, etree._Element]:
    corpo = nota_exemplo()
    corpo["servico"].update(servico)
    nota, emissor = parse_nfse(corpo), _emissor()
    chave, xml = gerar_nfse(build_dps(nota, Rps("1", 42), emissor), nota, emissor,
                            nota.servico.aliquota)
    return chave, etree.fromstring(xml)


def test_the_emitters_nfse_follows_the_official_layout_but_for_the_number() -> None:
    """Valid against the official XSD but for nNFSe 0 (TSNNFSe), which only the widened
    facet admits; ambGer 1, tpEmis 2; the national service's description; the company's
    registered address; the DPS inside without its signature; infNFSe signed."""
    chave, nfse = _nfse()
    oficial = validate(nfse, nacional_schema_dir() / "NFSe_v1.01.xsd")
    assert len(oficial) == 1 and "nNFSe" in oficial[0] and "'0'" in oficial[0], oficial
    assert nfse_transcrita.problemas(nfse) == []
    inf = nfse.find("n:infNFSe", N)
    assert inf.get("Id") == "NFS" + chave
    assert [inf.findtext(f"n:{t}", namespaces=N) for t in
            ("nNFSe", "ambGer", "tpEmis", "cStat", "nDFSe", "cLocIncid", "xLocEmi")] == [
        "0", "1", "2", "100", "42", FRANCA, "Franca"]
    assert inf.findtext("n:xTribNac", namespaces=N).startswith("Suporte técnico em informática")
    assert [e.text for e in inf.find("n:emit/n:enderNac", N)] == [
        "Avenida Champagnat", "1808", "Centro", FRANCA, "SP", "14400000"]
    assert inf.findtext("n:emit/n:xNome", namespaces=N) == "EMPRESA TESTE LTDA"
    assert inf.find(f"n:DPS/{DSIG}Signature", N) is None
    assert verificar(nfse) is not None  # the emitter's signature over infNFSe


def test_the_key_is_the_national_composition() -> None:
    """Município, ambGer 1, CNPJ, the DPS number as nNFSe and code, AAMM of dhEmi, DV."""
    chave, nfse = _nfse()
    dh_emi = nfse.findtext("n:infNFSe/n:DPS/n:infDPS/n:dhEmi", namespaces=N)
    assert chave_valida(chave)
    assert (chave[:7], chave[7], chave[8], chave[9:23], chave[23:36], chave[36:40],
            chave[40:49]) == (FRANCA, "1", "2", CNPJ.zfill(14), "42".zfill(13),
                              dh_emi[2:4] + dh_emi[5:7], "42".zfill(9))


def test_the_values_the_emitter_computes() -> None:
    """R$ 1000 with R$ 100 unconditional discount at 5 %, the ISS retained: base 900, ISS
    45, retained 45, net 855."""
    _, nfse = _nfse(valor_servicos="1000.00", desconto_incondicionado="100.00",
                    aliquota="5.00", iss_retido="true")
    valores = nfse.find("n:infNFSe/n:valores", N)
    assert {etree.QName(e).localname: e.text for e in valores} == {
        "vBC": "900.00", "pAliqAplic": "5.00", "vISSQN": "45.00", "vTotalRet": "45.00",
        "vLiq": "855.00"}


def test_a_company_without_its_address_is_told_what_to_register() -> None:
    nota = parse_nfse(nota_exemplo())
    saida = sil.SilTecnologia({}).emit(get_provider("nacional"), nota, Rps("1", 1),
                                       _emissor(endereco=replace(ENDERECO, numero=None)))
    assert saida.result == Result.REJECTED and not saida.exchanges
    assert saida.erros[0].codigo == ENDERECO_AUSENTE
    assert "numero" in saida.erros[0].mensagem and "PUT /v2/empresas" in saida.erros[0].correcao


def test_the_envelope_carries_the_document_as_cdata() -> None:
    _, nfse = _nfse()
    pedido = sil.envelope(sil.EMISSAO, nfse)
    assert b"<![CDATA[<NFSe " in pedido and b'xmlns:nfse="http://webservices.sil.com/"' in pedido
    operacao = etree.fromstring(pedido).find(f"{{{sil.SOAP}}}Body/{{{sil.NS_SIL}}}"
                                             f"{sil.EMISSAO}")
    assert etree.fromstring(operacao.findtext("xml").encode()).tag == f"{{{NS}}}NFSe"


def _soap(retorno: str) -> bytes:
    escapado = retorno.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (f'<soap:Envelope xmlns:soap="{sil.SOAP}"><soap:Body><ns2:NotaFiscalNacionalGerar'
            f'Response xmlns:ns2="{sil.NS_SIL}"><return>{escapado}</return></ns2:NotaFiscal'
            f'NacionalGerarResponse></soap:Body></soap:Envelope>').encode()


@pytest.mark.parametrize(("retorno", "esperado"), [
    ("<Retorno><dhRecebimento>2026-12-07T10:00:00-03:00</dhRecebimento><protocolo>77"
     "</protocolo><Status>1</Status><nNFSe>15</nNFSe><chaveAcesso>351620011</chaveAcesso>"
     "</Retorno>", ("77", "1", "15", "351620011", [])),
    ("<Retorno><listaMensagens><mensagem><codigo>L0001</codigo><mensagem>aviso</mensagem>"
     "</mensagem><mensagem><codigo>E0160</codigo><mensagem>CEP inválido</mensagem>"
     "<correcao>Corrija</correcao></mensagem></listaMensagens></Retorno>",
     ("", "", "", "", [("E0160", "CEP inválido", "Corrija")])),
    ("<Retorno><codigo>X1</codigo><MensagemErro>Certificado revogado</MensagemErro></Retorno>",
     ("", "", "", "", [("X1", "Certificado revogado", None)])),
    ("Falha ao processar o XML", ("", "", "", "", [
        ("sem_codigo", "Falha ao processar o XML", None)])),
])
def test_the_answers_as_acbr_reads_them(retorno: str, esperado: tuple) -> None:
    resposta = sil.Resposta(_soap(retorno))
    assert (resposta.protocolo, resposta.status, resposta.numero, resposta.chave,
            [(e.codigo, e.mensagem, e.correcao) for e in resposta.erros]) == esperado


def test_the_cancellation_is_the_national_event_signed_by_the_emitter() -> None:
    chave, _ = _nfse()
    pedido = dps_nacional.pedido_cancelamento(chave)
    evento = sil.evento(pedido, chave, _emissor())
    assert validate(evento, nacional_schema_dir() / "evento_v1.01.xsd") == []
    info = evento.find("n:infEvento", N)
    assert info.get("Id") == f"EVT{chave}101101001"
    assert [info.findtext(f"n:{t}", namespaces=N) for t in ("ambGer", "nSeqEvento", "nDFSe")
            ] == ["1", "001", "1"]
    assert info.find(f"n:pedRegEvento/{DSIG}Signature", N) is None
    assert verificar(evento) is not None


@pytest.fixture
def sistema(tmp_path: Path) -> Iterator[NacionalSandbox]:
    box = NacionalSandbox(tmp_path / "sil", base="/services/NotaFiscalNacional",
                          dialeto="siltecnologia")
    box.start()
    yield box
    box.stop()


def _codigos(resposta: bytes) -> list[str]:
    return [e.codigo for e in sil.Resposta(resposta).erros]


def test_the_sandbox_refuses_a_note_changed_after_its_signature(
        sistema: NacionalSandbox) -> None:
    _, nfse = _nfse()
    nfse.find("n:infNFSe/n:valores/n:vLiq", N).text = "0.01"
    assert _codigos(sandbox_sil.receber_nfse(sistema, nfse, CNPJ)) == ["E0714"]
    assert sistema.emitidas() == []


def test_the_sandbox_refuses_a_number_the_emitter_chose(sistema: NacionalSandbox) -> None:
    _, nfse = _nfse()
    nfse.find("n:infNFSe/n:nNFSe", N).text = "42"
    nfse.remove(nfse.find(f"{DSIG}Signature"))
    sign(nfse, nfse[0].get("Id"), dps_nacional.EMITENTE)  # signed again: only the number
    assert _codigos(sandbox_sil.receber_nfse(sistema, nfse, CNPJ)) == ["S0002"]


def test_the_registry_serves_the_cities_in_producao_and_keeps_homologacao_national() -> None:
    rota = routing.rota(FRANCA)
    assert (rota.perfil, rota.sistema, rota.opcoes["dialeto"]) == (
        "dps_siltecnologia", "SilTecnologia", "siltecnologia")
    assert (rota.url("producao"), rota.url("homologacao")) == (PRODUCAO, None)
    assert rota.problema("producao") is None
    assert routing.rota("3513504").problema("producao")  # Cubatão: only an http address
    assert get_provider("nacional").usa_endereco(rota.opcoes)


def test_a_note_travels_through_siltecnologia_and_back(gateway: Gateway, tmp_path: Path
                                                       ) -> None:
    """Franca's homologação pointed at a sandbox playing SilTecnologia (operator file): the
    company registers its address, the note is emitted there and fetched from the national
    environment with the number and key the system assigned; the same DPS sent again is
    found, not issued twice; the cancellation goes to the system and its event is read
    back."""
    municipal = _segundo_sandbox(gateway, tmp_path / "sil", "/services/NotaFiscalNacional",
                                 "siltecnologia")
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(f'[municipios."{FRANCA}"]\nsistema = "SilTecnologia"\n'
                       f'perfil = "dps_siltecnologia"\nurl_producao = "{PRODUCAO}"\n'
                       f'url_homologacao = "{municipal.url}"\n', encoding="utf-8")
    routing.carregar(arquivo)
    gateway.runtime.settings.nacional_url_homologacao = municipal.sefin_url
    try:
        with gateway.runtime.engine.begin() as conn:
            admin = admin_tokens.criar(conn, "teste")
        cadastro = gateway.client.put("/v2/empresas/1", auth=(admin, ""), json={
            "logradouro": "Avenida Champagnat", "numero": "1808", "bairro": "Centro",
            "cep": "14400000", "uf": "SP"})
        assert cadastro.status_code == 200, cadastro.text
        nota = gateway.autorizar("sil-1", nota_exemplo())
        [emitida] = municipal.emitidas()
        assert (emitida["chaveAcesso"], str(emitida["numero"])) == (
            nota["chave_acesso"], nota["numero"])
        assert gateway.sandbox.emitidas() == []
        documento = etree.fromstring(httpx.get(
            gateway.base_url + nota["caminho_xml_nota_fiscal"]).content)
        inf = documento.find("n:infNFSe", N)
        assert [inf.findtext(f"n:{t}", namespaces=N) for t in ("nNFSe", "ambGer", "tpEmis")
                ] == [nota["numero"], "1", "2"]

        with gateway.runtime.engine.connect() as conn:
            empresa = empresas.get_empresa(conn, 1)
        emissor = gateway.runtime.emissores.for_empresa(empresa, "homologacao", "nacional",
                                                        FRANCA)
        de_novo = get_provider("nacional").emit(
            parse_nfse(nota_exemplo()), Rps(nota["serie_rps"], int(nota["numero_rps"])),
            emissor)
        assert de_novo.result == Result.AUTHORIZED
        assert de_novo.chave_acesso == nota["chave_acesso"] and len(municipal.emitidas()) == 1

        cancel = gateway.client.request(
            "DELETE", "/v2/nfse/sil-1",
            content=json.dumps({"justificativa": "Cancelamento de teste SilTecnologia"}))
        assert cancel.status_code == 200 and cancel.json() == {"status": "cancelado"}
        assert municipal.emitidas()[0]["cancelada"] is True
    finally:
        municipal.stop()
        routing.carregar(None)


def test_the_rate_of_the_note_when_the_dps_has_none() -> None:
    """A não optante in an active municipality: the DPS carries no pAliq (E0617), the note's
    aliquota gives the ISS of the NFS-e."""
    _, nfse = _nfse(aliquota="2.00")
    assert nfse.find("n:infNFSe/n:DPS/n:infDPS/n:valores/n:trib/n:tribMun/n:pAliq", N) is None
    assert nfse.findtext("n:infNFSe/n:valores/n:vISSQN", namespaces=N) == "0.02"
