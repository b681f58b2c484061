"""Centi's dialect of ABRASF 2.02 (issue 22, "any municipality") through its shipped profile
``centi_202`` against the ABRASF sandbox, which reads it: every call a JSON body with the
document and the company's portal user and password; the note emitted (the answer lost:
found by ConsultarNfseRps) and cancelled with its Id and verification code; each document in
Centi's namespace, valid in its schema (the sandbox checks the cancellation's), signed as
ACBr signs it."""

from __future__ import annotations

import json
import zlib
from dataclasses import replace
from datetime import date

import pytest
from lxml import etree
from sqlalchemy import select

from nfse.model.nfse import parse_nfse
from nfse.municipios import provedores
from nfse.providers.abrasf import centi
from nfse.providers.abrasf.provider import AbrasfProvider
from nfse.providers.abrasf.variante import variante_de
from nfse.providers.base import Party, Result, Rps
from nfse.providers.transport import Answer
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.sandbox.assinatura import ds, verificar_assinatura
from nfse.store.tables import artefatos
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.providers.abrasf.test_abrasf_pedidos import emissor, rica
from tests.support import CNPJ, Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

CENTI = "http://www.centi.com.br/files/nfse.xsd"
C = f"{{{CENTI}}}"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RIO_VERDE = "5218805"
"""Rio Verde/GO: Centi 2.02 at api.centi.com.br, NaoFormatarItemServico (the family's largest)."""
QUIRINOPOLIS = "5218508"
"""Quirinópolis/GO: Centi 2.02 at one https address of app.centi.com.br."""
HEITORAI = "5209606"
"""Heitoraí/GO: Centi 2.02 at an http address: not served."""
USUARIO, SENHA = "empresa.teste", "s3nh@-do-portal"


def _chamadas(gateway: Gateway, nome: str) -> list[dict]:
    """The JSON bodies the gateway sent for exchange ``nome``, oldest first."""
    with gateway.runtime.engine.connect() as conn:
        rows = conn.execute(select(artefatos.c.content)
                            .where(artefatos.c.kind == f"exchange:{nome}:request")
                            .order_by(artefatos.c.id)).scalars().all()
    return [json.loads(zlib.decompress(row)) for row in rows]


def _nota(ibge: str = RIO_VERDE) -> dict:
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = ibge
    body["servico"]["codigo_tributario_municipio"] = "0107"
    return body


def test_centi_round_trip_over_json(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{RIO_VERDE}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf", "Centi")
    abrasf.usuarios_centi = {USUARIO: SENHA}
    gateway.credenciais_prefeitura(USUARIO, SENHA)
    gateway.runtime.settings.authority_timeout = 1.0
    abrasf.inject("timeout_after_commit")
    nota = gateway.autorizar("centi-1", _nota())
    [emitida] = abrasf.emitidas()
    assert (str(emitida["numero"]), emitida["status"]) == (nota["numero"], "autorizada")
    cancel = gateway.client.request("DELETE", "/v2/nfse/centi-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get("/v2/nfse/centi-1").json()["status"] == "cancelado"
    assert [e["status"] for e in abrasf.emitidas()] == ["cancelada"]

    esquema = abrasf_xsd_dir() / "centi_nfse.xsd"
    raizes = {"emissao": "GerarNfseEnvio", "consulta_rps": "ConsultarNfseRpsEnvio"}
    for troca, raiz in raizes.items():
        chamadas = _chamadas(gateway, troca)
        assert chamadas, troca
        for chamada in chamadas:
            assert set(chamada) == {"xml", "usuario", "senha"}
            assert (chamada["usuario"], chamada["senha"]) == (USUARIO, SENHA)
            documento = etree.fromstring(chamada["xml"].encode())
            assert documento.tag == C + raiz
            assert validate(documento, esquema) == []
    envio = etree.fromstring(_chamadas(gateway, "emissao")[0]["xml"].encode())
    assert envio.findtext(f"{C}Rps/{C}InfDeclaracaoPrestacaoServico/{C}Servico/"
                          f"{C}ItemListaServico") == "0107"  # NaoFormatarItemServico
    # the cancellation (checked in the schema by the sandbox) named the note as issued
    [registrada] = abrasf.estado.notas()
    inf = etree.fromstring(registrada["nfse"]).find(C + "InfNfse")
    ident = etree.fromstring(registrada["cancelamento"]).find(
        f"{C}Confirmacao/{C}Pedido/{C}InfPedidoCancelamento/{C}IdentificacaoNfse")
    assert [ident.findtext(C + t) for t in ("Id", "CodigoVerificacao",
                                           "DescricaoCancelamento")] == [
        inf.get("Id"), inf.findtext(C + "CodigoVerificacao"), "Erro na emissão da nota fiscal"]


def test_centi_is_served_where_its_address_is_https_and_each_operation_has_its_own() -> None:
    rota = provedores.rota(RIO_VERDE)
    assert (rota.provedor, rota.perfil, rota.sistema) == ("abrasf", "centi_202", "Centi")
    assert rota.url("producao") == "https://api.centi.com.br/nfe/gerar/go/rioverde"
    assert (centi.endereco("ConsultarNfsePorRps", rota.url("producao")),
            centi.endereco("CancelarNfse", rota.url("producao"))) == (
        "https://api.centi.com.br/nfe/consultar/rps/go/rioverde",
        "https://api.centi.com.br/nfe/cancelar/go/rioverde")
    homologacao = rota.url("homologacao")
    assert homologacao == "https://api.centi.com.br/nfe/gerar/homologacao/go/rioverde"
    assert (centi.endereco("ConsultarNfsePorRps", homologacao),
            centi.endereco("CancelarNfse", homologacao)) == (
        "https://api.centi.com.br/nfe/consultar/homologacao/rps/go/rioverde",
        "https://api.centi.com.br/nfe/cancelar/homologacao/go/rioverde")
    unica = provedores.rota(QUIRINOPOLIS).url("producao")
    assert unica == "https://app.centi.com.br/quirinopolis/wcf/service/ServiceNfse.svc/ws"
    assert {centi.endereco(op, unica) for op in ("GerarNfse", "ConsultarNfsePorRps",
                                                  "CancelarNfse")} == {unica}
    assert provedores.rota(QUIRINOPOLIS).opcoes.get("formato_item_lista") is None
    assert "não usa TLS" in (provedores.rota(HEITORAI).problema("producao") or "")


def test_every_centi_document_of_a_rich_note_is_valid_and_signed_as_acbr_signs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every field the layout carries, each request valid in Centi's schema; what ABRASF 2.02
    has and Centi's layout must not is left out; the RPS is signed whole with exclusive
    C14N, the cancellation whole with C14N 1.0."""
    monkeypatch.setenv("NFSE_ABRASF_XSD_DIR", str(abrasf_xsd_dir()))
    em = replace(emissor(leiaute_proprio="centi", versao_layout="2.02"),
                 login=USUARIO, senha=SENHA)
    variante = variante_de(em.opcoes)
    body = rica()
    body["servico"]["codigo_tributario_municipio"] = "0107"
    nota = parse_nfse(body)
    rps = Rps(numero=15, serie="A1")
    esquema = abrasf_xsd_dir() / "centi_nfse.xsd"
    gerar = etree.fromstring(centi.gerar_nfse(nota, rps, em, variante))
    cancelar = etree.fromstring(centi.cancelar_nfse(nota, "12", "ab12|XYZ9", "Erro na emissão",
                                                    em, variante))
    for documento in (gerar, cancelar,
                      etree.fromstring(centi.consultar_nfse_rps(nota, rps, variante))):
        assert validate(documento, esquema) == []
    declaracao = gerar.find(f"{C}Rps/{C}InfDeclaracaoPrestacaoServico")
    assert declaracao.get("Id") is None and declaracao.find(C + "Rps").get("Id") == "rpsA1_15"
    for ausente in centi._FORA:
        assert next(gerar.iter(C + ausente), None) is None, ausente
    servico = declaracao.find(C + "Servico")
    assert servico.findtext(C + "ItemListaServico") == "107"
    assert "T" in declaracao.findtext(f"{C}Rps/{C}DataEmissao")
    rps_assinado = etree.fromstring(etree.tostring(gerar.find(C + "Rps")))
    sig = rps_assinado.find(ds("Signature"))
    assert sig.find(f"{ds('SignedInfo')}/{ds('Reference')}").get("URI") == ""
    assert sig.find(f"{ds('SignedInfo')}/{ds('CanonicalizationMethod')}").get(
        "Algorithm") == EXC_C14N
    assert verificar_assinatura(sig, rps_assinado) is not None
    assert verificar_assinatura(cancelar.find(f"{C}Pedido/{ds('Signature')}"),
                                cancelar) is not None


class _Registro:
    """A transport that records what it was asked and answers ``status``."""

    def __init__(self, status: int = 200, body: bytes = b""):
        self.status, self.body, self.pedidos = status, body, []

    def request(self, method: str, url: str, *args: object, **kwargs: object) -> Answer:
        self.pedidos.append((url, kwargs))
        return Answer(self.status, self.body)


def test_centi_without_the_portal_login_sends_nothing_and_a_refused_login_waits(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NFSE_ABRASF_XSD_DIR", str(abrasf_xsd_dir()))
    sem = emissor(leiaute_proprio="centi", versao_layout="2.02")
    assert AbrasfProvider.usa_credenciais(sem.opcoes)
    nota = parse_nfse(_nota())
    nada = _Registro()
    outcome = AbrasfProvider(nada).emit(nota, Rps(numero=3, serie="1"), sem)  # type: ignore[arg-type]
    assert outcome.result == Result.REJECTED
    assert [e.codigo for e in outcome.erros] == ["credenciais_prefeitura_ausentes"]
    assert nada.pedidos == []

    recusa = _Registro(401, b'{"mensagem": "Usu\xc3\xa1rio ou senha inv\xc3\xa1lidos"}')
    com = replace(sem, login=USUARIO, senha="outra", base_url="https://api.centi.com.br/nfe/"
                  "gerar/homologacao/go/rioverde")
    outcome = AbrasfProvider(recusa).emit(nota, Rps(numero=3, serie="1"), com)  # type: ignore[arg-type]
    assert (outcome.result, outcome.failure_of) == (Result.RETRY, Party.COMPANY)
    assert "recusou o usuário e a senha" in (outcome.mensagem or "")
    [(url, kwargs)] = recusa.pedidos
    assert url == com.base_url
    assert kwargs["headers"]["Content-Type"] == "application/json"
    assert json.loads(kwargs["content"])["usuario"] == USUARIO
    assert CNPJ in json.loads(kwargs["content"])["xml"]

    # Centi has no query of the notes taken: refused without a call
    pagina = AbrasfProvider(recusa).received(CNPJ, None, date(2026, 1, 1), date(2026, 1, 31), 1,
                                             com)  # type: ignore[arg-type]
    assert "não oferece" in pagina.erro and len(recusa.pedidos) == 1
