"""EloTech's own ABRASF 2.03 layout (issue 22, point 4) through its shipped profile
``elotech_203`` against the ABRASF sandbox, which reads it: the note is emitted by lot (the
answer lost: found by ConsultarNfsePorRps), cancelled with its ChaveAcesso, and every request
went as EloTech's document, the SOAP body itself, valid in its schema, with the company's
password in IdentificacaoRequerente."""

from __future__ import annotations

import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from nfse.model.nfse import parse_nfse
from nfse.providers.abrasf import elotech
from nfse.providers.abrasf.pedidos import DocumentoInvalido
from nfse.providers.abrasf.variante import variante_de
from nfse.providers.base import Rps
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.sandbox.abrasf.elotech import PrefeituraElotech
from nfse.sandbox.abrasf.state import Estado
from nfse.store.tables import artefatos
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.providers.abrasf.test_abrasf_pedidos import emissor, rica
from tests.support import CNPJ, IM, Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
ELOTECH = "http://shad.elotech.com.br/schemas/iss/nfse_v2_03.xsd"
E = f"{{{ELOTECH}}}"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
NOVA_BRASILANDIA = "1100148"
"""Nova Brasilândia d'Oeste/RO: EloTech 2.03 (ACBrNFSeXServicos.ini)."""
SENHA = "s3nh@-da-empresa"


def _pedidos(gateway: Gateway, nome: str) -> list[etree._Element]:
    """The SOAP envelopes the gateway sent for exchange ``nome``, oldest first."""
    with gateway.runtime.engine.connect() as conn:
        rows = conn.execute(select(artefatos.c.content)
                            .where(artefatos.c.kind == f"exchange:{nome}:request")
                            .order_by(artefatos.c.id)).scalars().all()
    return [etree.fromstring(zlib.decompress(row)) for row in rows]


def _documento(envelope: etree._Element) -> etree._Element:
    """The request document: the only child of the SOAP body."""
    [body] = envelope.findall(f"{{{SOAP11}}}Body")
    [documento] = [e for e in body if isinstance(e.tag, str)]
    return documento


def _nota(ibge: str = NOVA_BRASILANDIA) -> dict:
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = ibge
    body["servico"]["codigo_cnae"] = "6201501"
    return body


def test_elotech_round_trip_in_its_own_layout(gateway: Gateway,
                                              abrasf: AbrasfSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{NOVA_BRASILANDIA}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf", "EloTech")
    abrasf.senhas_elotech = {CNPJ: SENHA}
    gateway.credenciais_prefeitura(None, SENHA)
    gateway.runtime.settings.authority_timeout = 1.0
    abrasf.inject("timeout_after_commit")
    nota = gateway.autorizar("elotech-1", _nota())
    [emitida] = abrasf.emitidas()
    assert (str(emitida["numero"]), emitida["status"]) == (nota["numero"], "autorizada")
    cancel = gateway.client.request("DELETE", "/v2/nfse/elotech-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/elotech-1").json()["status"] == "cancelado"
    assert [e["status"] for e in abrasf.emitidas()] == ["cancelada"]

    esquema = abrasf_xsd_dir() / "elotech_nfse_v2_03.xsd"
    raizes = {"emissao": "EnviarLoteRpsSincronoEnvio", "consulta_rps": "ConsultarNfseRpsEnvio"}
    for troca, raiz in raizes.items():
        envelopes = _pedidos(gateway, troca)
        assert envelopes, troca
        for envelope in envelopes:
            documento = _documento(envelope)
            assert documento.tag == E + raiz
            assert validate(etree.fromstring(etree.tostring(documento)), esquema) == []
            requerente = documento.find(E + "IdentificacaoRequerente")
            assert requerente is not None
            assert [requerente.findtext(f"{E}CpfCnpj/{E}Cnpj"),
                    requerente.findtext(E + "InscricaoMunicipal"),
                    requerente.findtext(E + "Senha"),
                    requerente.findtext(E + "Homologa")] == [CNPJ, IM, SENHA, "true"]
            assert not list(documento.iter(f"{{{DSIG}}}Signature"))
    envio = _documento(_pedidos(gateway, "emissao")[0])
    item = envio.find(f"{E}LoteRps/{E}ListaRps/{E}Rps/{E}InfDeclaracaoPrestacaoServico/"
                      f"{E}Servico/{E}ListaItensServico/{E}ItemServico")
    assert item is not None
    assert (item.findtext(E + "ItemListaServico"), item.findtext(E + "CodigoCnae"),
            item.findtext(E + "ValorLiquido")) == ("01.07", "6201501", "1.00")
    # the cancellation (checked in the schema by the sandbox) repeated the note's key
    [registrada] = abrasf.estado.notas()
    chave = etree.fromstring(registrada["nfse"]).findtext(f"{E}InfNfse/{E}ChaveAcesso")
    assert chave and len(chave) == 32
    assert etree.fromstring(registrada["cancelamento"]).findtext(
        f"{E}ConfirmacaoCancelamento/{E}Pedido/{E}InfPedidoCancelamento/{E}ChaveAcesso") == chave


def test_elotech_with_another_password_is_refused_by_the_municipality(
        gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    abrasf.senhas_elotech = {CNPJ: SENHA}
    gateway.credenciais_prefeitura(None, "senha-de-outra-empresa")
    answer = gateway.client.post("/v2/nfse?ref=elotech-outra", json=_nota())
    assert answer.status_code == 202, answer.text
    nota = gateway.wait_final("elotech-outra")
    assert nota["status"] == "erro_autorizacao", nota
    assert "Senha do requerente" in str(nota["erros"]), nota
    assert abrasf.emitidas() == []


def test_elotech_without_a_password_sends_nothing_and_says_what_to_register(
        gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    gateway.credenciais_prefeitura(None, None)
    answer = gateway.client.post("/v2/nfse?ref=elotech-sem", json=_nota())
    assert answer.status_code == 202, answer.text
    nota = gateway.wait_final("elotech-sem")
    assert nota["status"] == "erro_autorizacao", nota
    [erro] = nota["erros"]
    assert erro["codigo"] == "credenciais_prefeitura_ausentes"
    assert "senha_responsavel" in erro["correcao"]
    assert _pedidos(gateway, "emissao") == []


def test_every_elotech_document_of_a_rich_note_is_valid_in_its_schema(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every field the layout carries (tomador with address and contact, intermediário,
    retentions, construction, special regime), each request in EloTech's schema."""
    monkeypatch.setenv("NFSE_ABRASF_XSD_DIR", str(abrasf_xsd_dir()))
    em = replace(emissor(leiaute_proprio="elotech", versao_layout="2.03",
                         emissao="RecepcionarLoteRpsSincrono"), senha=SENHA)
    variante = variante_de(em.opcoes)
    nota = parse_nfse(rica())
    esquema = abrasf_xsd_dir() / "elotech_nfse_v2_03.xsd"
    rps = Rps(numero=15, serie="A1")
    lote = etree.fromstring(elotech.lote_rps(nota, rps, em, variante))
    consulta = etree.fromstring(elotech.consultar_nfse_rps(nota, rps, em, variante))
    cancelamento = etree.fromstring(elotech.cancelar_nfse(nota, "77", "ab" * 16, em, variante))
    for documento in (lote, consulta, cancelamento):
        assert validate(documento, esquema) == []
    inf = lote.find(f"{E}LoteRps/{E}ListaRps/{E}Rps/{E}InfDeclaracaoPrestacaoServico")
    assert inf is not None
    assert [inf.findtext(f"{E}Servico/{E}ListaItensServico/{E}ItemServico/{E}{campo}")
            for campo in ("CodigoCnae", "Descricao", "ValorUnitario")] == [
        "6201501", "Linha 1 & <2> Linha", "1000.00000"]
    assert inf.find(f"{E}Intermediario/{E}CodigoMunicipio").text == "4106902"


def test_elotech_needs_the_cnae_of_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    em = replace(emissor(leiaute_proprio="elotech", versao_layout="2.03"), senha=SENHA)
    body = rica()
    del body["servico"]["codigo_cnae"]
    with pytest.raises(DocumentoInvalido) as exc:
        elotech.lote_rps(parse_nfse(body), Rps(numero=1, serie="1"), em, variante_de(em.opcoes))
    assert [e.codigo for e in exc.value.erros] == ["servico.codigo_cnae"]


def test_the_sandbox_refuses_a_cancellation_with_another_key(tmp_path: Path) -> None:
    """The ChaveAcesso is what names the note in EloTech's cancellation: another key is
    refused (E206), the note's own cancels it."""
    estado = Estado(tmp_path / "abrasf.db")
    prefeitura = PrefeituraElotech(estado, abrasf_xsd_dir(), None, lambda: {CNPJ: SENHA})
    em = replace(emissor(leiaute_proprio="elotech", versao_layout="2.03"), senha=SENHA)
    variante = variante_de(em.opcoes)
    nota = parse_nfse(_nota())
    resposta = _corpo(prefeitura.atender(etree.fromstring(
        elotech.lote_rps(nota, Rps(numero=3, serie="1"), em, variante))))
    numero = resposta.findtext(f"{E}ListaNfse/{E}CompNfse/{E}Nfse/{E}InfNfse/{E}Numero")
    chave = resposta.findtext(f"{E}ListaNfse/{E}CompNfse/{E}Nfse/{E}InfNfse/{E}ChaveAcesso")
    assert numero and chave

    def cancelar(com: str) -> etree._Element:
        return _corpo(prefeitura.atender(etree.fromstring(
            elotech.cancelar_nfse(nota, numero, com, em, variante))))

    outra = cancelar("0" * 32 if chave != "0" * 32 else "1" * 32)
    assert outra.findtext(f"{E}ListaMensagemRetorno/{E}MensagemRetorno/{E}Codigo") == "E206"
    assert [n["status"] for n in estado.notas()] == ["autorizada"]
    certa = cancelar(chave)
    assert certa.find(f"{E}tcRetCancelamento/{E}NfseCancelamento") is not None
    assert [n["status"] for n in estado.notas()] == ["cancelada"]
    estado.close()


def _corpo(resposta: bytes) -> etree._Element:
    return _documento(etree.fromstring(resposta))
