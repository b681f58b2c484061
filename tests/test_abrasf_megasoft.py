"""MegaSoft's own layout (issue 22, point 4) through its shipped profile ``megasoft_200``
against the ABRASF sandbox, which reads it: the note is emitted (the answer lost: found by
ConsultarNfsePorRps, the RPS named by its number alone), every document in MegaSoft's
namespace, valid in its schema, under a 1.00 header; and since MegaSoft's web service has no
cancellation, DELETE is refused in Portuguese and /v2/municipios says so."""

from __future__ import annotations

import zlib

import pytest
from lxml import etree
from sqlalchemy import select

from nfse.model.nfse import parse_nfse
from nfse.providers.abrasf import megasoft
from nfse.providers.abrasf.provider import AbrasfProvider
from nfse.providers.abrasf.variante import variante_de
from nfse.providers.base import Result, Rps
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.store.tables import artefatos
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.providers.abrasf.test_abrasf_pedidos import emissor, rica
from tests.support import Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
MEGASOFT = "http://megasoftarrecadanet.com.br/xsd/nfse_v01.xsd"
M = f"{{{MEGASOFT}}}"
WS = "http://ws.megasoftarrecadanet.com.br"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
NOVO_GAMA = "5215231"
"""Novo Gama/GO: MegaSoft 2.00 (ACBrNFSeXServicos.ini), the family's largest city."""


def _pedidos(gateway: Gateway, nome: str) -> list[etree._Element]:
    with gateway.runtime.engine.connect() as conn:
        rows = conn.execute(select(artefatos.c.content)
                            .where(artefatos.c.kind == f"exchange:{nome}:request")
                            .order_by(artefatos.c.id)).scalars().all()
    return [etree.fromstring(zlib.decompress(row)) for row in rows]


def _chamada(envelope: etree._Element) -> tuple[str, etree._Element, etree._Element]:
    [body] = envelope.findall(f"{{{SOAP11}}}Body")
    operacao = next(e for e in body if isinstance(e.tag, str))
    assert [etree.QName(p).text for p in operacao] == ["nfseCabecMsg", "nfseDadosMsg"]
    cabecalho, dados = (etree.fromstring(p.text.encode()) for p in operacao)
    return etree.QName(operacao).text, cabecalho, dados


def test_megasoft_emits_in_its_own_layout_and_refuses_cancellation(
        gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{NOVO_GAMA}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"],
            municipio["possui_cancelamento_nfse"]) == ("abrasf", "MegaSoft", False)
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = NOVO_GAMA
    gateway.runtime.settings.authority_timeout = 1.0
    abrasf.inject("timeout_after_commit")
    nota = gateway.autorizar("megasoft-1", body)
    [emitida] = abrasf.emitidas()
    assert (str(emitida["numero"]), emitida["status"]) == (nota["numero"], "autorizada")

    esquema = abrasf_xsd_dir() / "megasoft_nfse_v01.xsd"
    raizes = {"emissao": ("GerarNfse", "GerarNfseEnvio"),
              "consulta_rps": ("ConsultarNfsePorRps", "ConsultarNfseRpsEnvio")}
    for troca, (operacao, raiz) in raizes.items():
        envelopes = _pedidos(gateway, troca)
        assert envelopes, troca
        for envelope in envelopes:
            elemento, cabecalho, dados = _chamada(envelope)
            assert elemento == f"{{{WS}}}{operacao}Request"
            assert (cabecalho.tag, cabecalho.get("versao"),
                    cabecalho.findtext(M + "versaoDados")) == (M + "cabecalho", "1.00", "1.00")
            assert dados.tag == M + raiz
            assert validate(dados, esquema) == []
    [consulta] = _pedidos(gateway, "consulta_rps")
    ident = _chamada(consulta)[2].find(M + "IdentificacaoRps")
    assert [etree.QName(e).localname for e in ident] == ["Numero"]
    envio = _chamada(_pedidos(gateway, "emissao")[0])[2]
    rps = envio.find(M + "Rps")
    assert [etree.QName(e).text for e in rps] == [M + "InfDeclaracaoPrestacaoServico",
                                                  f"{{{DSIG}}}Signature"]
    for ausente in ("ItemListaServico", "ExigibilidadeISS", "Competencia"):
        assert next(envio.iter(M + ausente), None) is None, ausente

    cancel = gateway.client.request("DELETE", "/v2/nfse/megasoft-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.status_code == 400, cancel.text
    erro = cancel.json()
    assert erro["codigo"] == "operacao_indisponivel"
    assert "cancelamento de NFS-e não está disponível" in erro["mensagem"]
    assert gateway.client.get("/v2/nfse/megasoft-1").json()["status"] == "autorizado"
    assert [e["status"] for e in abrasf.emitidas()] == ["autorizada"]


def test_every_megasoft_document_of_a_rich_note_is_valid_and_cancel_is_never_sent(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A note using every field: MegaSoft's documents keep what its layout has and are
    valid in its schema; the provider refuses a cancellation without sending anything."""
    monkeypatch.setenv("NFSE_ABRASF_XSD_DIR", str(abrasf_xsd_dir()))
    em = emissor(leiaute_proprio="megasoft", versao_layout="2.00",
                 namespace_servico=WS)
    variante = variante_de(em.opcoes)
    nota = parse_nfse(rica())
    rps = Rps(numero=15, serie="A1")
    esquema = abrasf_xsd_dir() / "megasoft_nfse_v01.xsd"
    gerar = etree.fromstring(megasoft.gerar_nfse(nota, rps, em, variante))
    consulta = etree.fromstring(megasoft.consultar_nfse_rps(nota, rps, variante))
    for documento in (gerar, consulta):
        assert validate(documento, esquema) == []
    valores = gerar.find(f"{M}Rps/{M}InfDeclaracaoPrestacaoServico/{M}Servico/{M}Valores")
    assert [etree.QName(e).localname for e in valores] == [
        "ValorServicos", "ValorPis", "ValorCofins", "ValorInss", "ValorIr", "ValorCsll",
        "Aliquota", "DescontoIncondicionado"]

    class Transporte:
        def request(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("nada deve ser enviado")

    outcome = AbrasfProvider(Transporte()).cancel(  # type: ignore[arg-type]
        nota, "", "77", "Erro na emissão da nota fiscal", em)
    assert outcome.result == Result.REJECTED
    assert [e.codigo for e in outcome.erros] == ["operacao_indisponivel"]
