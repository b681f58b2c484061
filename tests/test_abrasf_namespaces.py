"""The ABRASF families whose documents live in the system's own namespaces, or whose calls
carry the company's credentials (issue 22, point 4), each through its shipped profile
against the ABRASF sandbox, which reads each dialect: the note is emitted (the answer lost:
found by ConsultarNfsePorRps), cancelled (the answer lost: found by ConsultarNfsePorFaixa),
and what went over the wire is the family's dialect."""

from __future__ import annotations

import copy
import zlib
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from nfse.model.nfse import parse_nfse
from nfse.municipios import routing
from nfse.providers.abrasf import namespaces, pedidos
from nfse.providers.abrasf.variante import variante_de
from nfse.providers.base import Rps
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.store.tables import artefatos
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.providers.abrasf.amostras import verify
from tests.providers.abrasf.test_abrasf_pedidos import A1, emissor, rica
from tests.support import Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "http://www.abrasf.org.br/nfse.xsd"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
GISS = "http://www.giss.com.br/"
TIPOS = GISS + "tipos-v2_04.xsd"
MACEIO = "2704302"
ABREU_E_LIMA = "2600054"
"""Abreu e Lima/PE: Tributus (ACBrNFSeXServicos.ini)."""
CHAVE = "chave-tributus-da-empresa"


def _pedidos(gateway: Gateway, nome: str) -> list[etree._Element]:
    """The SOAP envelopes the gateway sent for exchange ``nome``, oldest first."""
    with gateway.runtime.engine.connect() as conn:
        rows = conn.execute(select(artefatos.c.content)
                            .where(artefatos.c.kind == f"exchange:{nome}:request")
                            .order_by(artefatos.c.id)).scalars().all()
    return [etree.fromstring(zlib.decompress(row)) for row in rows]


def _chamada(envelope: etree._Element) -> tuple[str, etree._Element, etree._Element]:
    """(body element, header document, request document) of a SOAP 1.1 call."""
    [body] = envelope.findall(f"{{{SOAP11}}}Body")
    operacao = next(e for e in body if isinstance(e.tag, str))
    assert [etree.QName(p).text for p in operacao] == ["nfseCabecMsg", "nfseDadosMsg"]
    cabecalho, dados = (etree.fromstring(p.text.encode()) for p in operacao)
    return etree.QName(operacao).text, cabecalho, dados


def _ciclo(gateway: Gateway, abrasf: AbrasfSandbox, ibge: str, ref: str) -> dict:
    """Emit (answer lost), cancel (answer lost); the note as the gateway shows it."""
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = ibge
    gateway.runtime.settings.authority_timeout = 1.0
    abrasf.inject("timeout_after_commit")
    nota = gateway.autorizar(ref, body)
    [emitida] = abrasf.emitidas()
    assert (str(emitida["numero"]), emitida["status"]) == (nota["numero"], "autorizada")
    abrasf.inject("timeout_after_commit")
    cancel = gateway.client.request("DELETE", f"/v2/nfse/{ref}",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get(f"/v2/nfse/{ref}").json()["status"] == "cancelado"
    assert [e["status"] for e in abrasf.emitidas()] == ["cancelada"]
    return nota


def _em_abrasf(documento: etree._Element) -> etree._Element:
    """The document with every element (signatures excepted) in ABRASF's namespace."""
    copia = etree.fromstring(etree.tostring(documento))
    for elemento in copia.iter():
        if isinstance(elemento.tag, str) and etree.QName(elemento).namespace != DSIG:
            elemento.tag = f"{{{NS}}}{etree.QName(elemento).localname}"
    return etree.fromstring(etree.tostring(copia))


def _namespaces(documento: etree._Element) -> set[tuple[int, str | None]]:
    """(depth, namespace) of every element outside the signatures: 0 the root, 1 its
    children, 2 anything below."""
    found = set()
    for elemento in documento.iter():
        if not isinstance(elemento.tag, str) or etree.QName(elemento).namespace == DSIG:
            continue
        found.add((min(len(list(elemento.iterancestors())), 2), etree.QName(elemento).namespace))
    return found


def test_giss_round_trip_in_its_own_namespaces(gateway: Gateway,
                                               abrasf: AbrasfSandbox) -> None:
    """Maceió (GISS Online, ABRASF 2.04) through the shipped registry: each message in its
    GISS namespace, its contents in tipos-v2_04.xsd, the header in cabecalho-v2_04.xsd,
    signed there (the sandbox checks the signatures in that dialect); the content is ABRASF
    2.04's."""
    municipio = gateway.client.get(f"/v2/municipios/{MACEIO}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf", "Giss")
    _ciclo(gateway, abrasf, MACEIO, "giss-1")
    mensagens = {"emissao": ("GerarNfse", "GerarNfseEnvio", "gerar-nfse-envio"),
                 "consulta_rps": ("ConsultarNfsePorRps", "ConsultarNfseRpsEnvio",
                                  "consultar-nfse-rps-envio")}
    for troca, (operacao, raiz, mensagem) in mensagens.items():
        envelopes = _pedidos(gateway, troca)
        assert envelopes, troca
        for envelope in envelopes:
            elemento, cabecalho, dados = _chamada(envelope)
            assert elemento == f"{{http://nfse.abrasf.org.br}}{operacao}Request"
            assert cabecalho.tag == f"{{{GISS}cabecalho-v2_04.xsd}}cabecalho"
            assert cabecalho.findtext(f"{{{GISS}cabecalho-v2_04.xsd}}versaoDados") == "2.04"
            proprio = f"{GISS}{mensagem}-v2_04.xsd"
            assert dados.tag == f"{{{proprio}}}{raiz}"
            assert _namespaces(dados) == {(0, proprio), (1, proprio), (2, TIPOS)}
            assert validate(_em_abrasf(dados), abrasf_xsd_dir() / "nfse_v2-04.xsd") == []
    [envio] = _pedidos(gateway, "emissao")
    dados = _chamada(envio)[2]
    inf = dados.find(f"{{{GISS}gerar-nfse-envio-v2_04.xsd}}Rps/{{{TIPOS}}}"
                     "InfDeclaracaoPrestacaoServico")
    assert inf is not None and inf.getnext().tag == f"{{{DSIG}}}Signature"


def test_tributus_sends_the_companys_key_in_the_address(gateway: Gateway,
                                                        abrasf: AbrasfSandbox) -> None:
    """Abreu e Lima (Tributus, ABRASF 2.04): every call carries ?tokenAuth= with the
    company's key (senha_responsavel); the sandbox refuses any call without it."""
    municipio = gateway.client.get(f"/v2/municipios/{ABREU_E_LIMA}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf", "Tributus")
    abrasf.tokens = {CHAVE}
    gateway.credenciais_prefeitura(None, CHAVE)
    _ciclo(gateway, abrasf, ABREU_E_LIMA, "tributus-1")
    [envio] = _pedidos(gateway, "emissao")
    elemento, cabecalho, dados = _chamada(envio)
    assert elemento == "{https://tributosmunicipais.com.br/nfse/api/}GerarNfseRequest"
    assert etree.QName(dados).namespace == NS


def test_tributus_with_another_key_is_refused_by_the_municipality(
        gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    abrasf.tokens = {CHAVE}
    gateway.credenciais_prefeitura(None, "chave-de-outro-contribuinte")
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = ABREU_E_LIMA
    answer = gateway.client.post("/v2/nfse?ref=tributus-outra", json=body)
    assert answer.status_code == 202, answer.text
    nota = gateway.wait_final("tributus-outra")
    assert nota["status"] == "erro_autorizacao", nota
    assert "tokenAuth" in str(nota["erros"]), nota
    assert abrasf.emitidas() == []


def test_tributus_without_a_key_sends_nothing_and_says_what_to_register(
        gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    abrasf.tokens = {CHAVE}
    gateway.credenciais_prefeitura(None, None)
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = ABREU_E_LIMA
    answer = gateway.client.post("/v2/nfse?ref=tributus-sem", json=body)
    assert answer.status_code == 202, answer.text
    nota = gateway.wait_final("tributus-sem")
    assert nota["status"] == "erro_autorizacao", nota
    [erro] = nota["erros"]
    assert erro["codigo"] == "credenciais_prefeitura_ausentes"
    assert "senha_responsavel" in erro["correcao"]
    assert _pedidos(gateway, "emissao") == []


DIAS_DAVILA = "2910057"
"""Dias d'Ávila/BA: Saatri 2.03 (ACBrNFSeXServicos.ini)."""
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"


def test_saatri_sends_the_companys_user_in_ws_security(gateway: Gateway,
                                                       abrasf: AbrasfSandbox) -> None:
    """Dias d'Ávila (Saatri, ABRASF 2.03): every call carries a WS-Security UsernameToken
    with the company's portal user and password; the documents are ABRASF 2.03's."""
    municipio = gateway.client.get(f"/v2/municipios/{DIAS_DAVILA}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf", "Saatri")
    abrasf.usuarios = {"empresa.teste": "s3nh@<&>"}
    gateway.credenciais_prefeitura("empresa.teste", "s3nh@<&>")
    _ciclo(gateway, abrasf, DIAS_DAVILA, "saatri-1")
    for troca in ("emissao", "consulta_rps"):
        for envelope in _pedidos(gateway, troca):
            token = envelope.find(f"{{{SOAP11}}}Header/{{{WSSE}}}Security/"
                                  f"{{{WSSE}}}UsernameToken")
            assert token is not None, troca
            assert token.findtext(f"{{{WSSE}}}Username") == "empresa.teste"
            assert token.findtext(f"{{{WSSE}}}Password") == "s3nh@<&>"
            _, cabecalho, dados = _chamada(envelope)
            assert cabecalho.findtext(f"{{{NS}}}versaoDados") == "2.03"
            assert validate(dados, abrasf_xsd_dir() / "nfse_v2-03.xsd") == []


def test_saatri_with_a_wrong_password_is_refused_by_the_municipality(
        gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    abrasf.usuarios = {"empresa.teste": "certa"}
    gateway.credenciais_prefeitura("empresa.teste", "errada")
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = DIAS_DAVILA
    answer = gateway.client.post("/v2/nfse?ref=saatri-errada", json=body)
    assert answer.status_code == 202, answer.text
    nota = gateway.wait_final("saatri-errada")
    assert nota["status"] == "erro_autorizacao", nota
    assert "WS-Security" in str(nota["erros"]), nota
    assert abrasf.emitidas() == []


GISS_LOTE = """
[perfis.giss_lote]
padrao = "abrasf"
emissao = "RecepcionarLoteRpsSincrono"
namespace_documentos = "http://www.giss.com.br/{mensagem}-v2_04.xsd"
namespace_tipos = "http://www.giss.com.br/tipos-v2_04.xsd"
namespace_cabecalho = "http://www.giss.com.br/cabecalho-v2_04.xsd"

[municipios."2704302"]
perfil = "giss_lote"
sistema = "Giss"
url_producao = "https://ws-maceio.giss.com.br/service-ws/nf/nfse-ws"
"""


def test_a_giss_lot_is_signed_inside_out_in_its_namespaces(
        gateway: Gateway, abrasf: AbrasfSandbox, tmp_path: Path) -> None:
    """The synchronous lot in GISS's namespaces (as the public integration sends it): the
    declaration signed, then the lot around it; the sandbox checks both signatures in that
    dialect before issuing."""
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(GISS_LOTE, encoding="utf-8")
    routing.carregar(arquivo)
    try:
        body = nota_exemplo()
        body["prestador"]["codigo_municipio"] = MACEIO
        nota = gateway.autorizar("giss-lote", body)
    finally:
        routing.carregar(None)
    [emitida] = abrasf.emitidas()
    assert str(emitida["numero"]) == nota["numero"]
    [envio] = _pedidos(gateway, "emissao")
    elemento, _, dados = _chamada(envio)
    assert elemento == "{http://nfse.abrasf.org.br}RecepcionarLoteRpsSincronoRequest"
    proprio = f"{GISS}enviar-lote-rps-sincrono-envio-v2_04.xsd"
    assert dados.tag == f"{{{proprio}}}EnviarLoteRpsSincronoEnvio"
    lote = dados.find(f"{{{proprio}}}LoteRps")
    assert lote is not None and lote.getnext().tag == f"{{{DSIG}}}Signature"
    inf = lote.find(f"{{{TIPOS}}}ListaRps/{{{TIPOS}}}Rps/{{{TIPOS}}}"
                    "InfDeclaracaoPrestacaoServico")
    assert inf is not None and inf.getnext().tag == f"{{{DSIG}}}Signature"
    assert validate(_em_abrasf(dados), abrasf_xsd_dir() / "nfse_v2-04.xsd") == []
    # the signatures cover GISS's namespaces: a declaration changed after signing is refused
    [corpo] = envio.findall(f"{{{SOAP11}}}Body")
    cabecalho_texto = next(p for p in corpo[0] if etree.QName(p).localname == "nfseCabecMsg")
    inf.find(f"{{{TIPOS}}}Servico/{{{TIPOS}}}Discriminacao").text = "alterada depois"
    resposta = etree.fromstring(abrasf.prefeitura.atender(
        "RecepcionarLoteRpsSincrono", cabecalho_texto.text,
        etree.tostring(dados, encoding="unicode"), gateway.a1.cert))
    assert etree.QName(resposta).namespace == \
        f"{GISS}enviar-lote-rps-sincrono-resposta-v2_04.xsd"
    codigos = [c.text for c in resposta.iter(f"{{{TIPOS}}}Codigo")]
    assert codigos == ["E1"], etree.tostring(resposta)
    assert len(abrasf.emitidas()) == 1


def _c14n_em_escopo(elemento: etree._Element) -> bytes:
    """C14N 1.0 of a subset as the recommendation says: every namespace in scope."""
    return etree.tostring(copy.deepcopy(elemento), method="c14n")


def _c14n_usados(elemento: etree._Element) -> bytes:
    """C14N of the element re-read alone: only the namespaces it uses (what signers that
    sign an element before placing it compute)."""
    return etree.tostring(etree.fromstring(etree.tostring(elemento)), method="c14n")


@pytest.mark.parametrize("documento", ["cancelar", "substituir", "lote"])
def test_giss_signatures_read_the_same_for_every_verifier(documento: str) -> None:
    """Cancellation, substitution (three signatures, the outer over the inner) and lot in
    GISS's namespaces: every signature verifies, and each signed element and SignedInfo has
    one C14N whether a verifier renders the namespaces in scope or only those used."""
    em = emissor(namespace_documentos=f"{GISS}{{mensagem}}-v2_04.xsd", namespace_tipos=TIPOS,
                 namespace_cabecalho=f"{GISS}cabecalho-v2_04.xsd")
    variante = variante_de(em.opcoes)
    nota = parse_nfse(rica())
    abrasf = {"cancelar": lambda: pedidos.cancelar_nfse(nota, "15", em, variante),
              "substituir": lambda: pedidos.substituir_nfse(nota, Rps("1", 8), "15", em,
                                                            variante),
              "lote": lambda: pedidos.lote_rps(nota, Rps("1", 7), em, variante)}[documento]()
    root = etree.fromstring(namespaces.traduzir(abrasf, em, variante))
    assert etree.QName(root).namespace.startswith(GISS)
    assinados = [s.getprevious() for s in root.iter(f"{{{DSIG}}}Signature")]
    assert len(assinados) == len(etree.fromstring(abrasf).findall(f".//{{{DSIG}}}Signature"))
    for elemento in assinados:
        assert verify(elemento)[0] == A1.cert
        info = elemento.getnext().find(f"{{{DSIG}}}SignedInfo")
        for parte in (elemento, info):
            assert _c14n_em_escopo(parte) == _c14n_usados(parte)
    assert validate(_em_abrasf(root), abrasf_xsd_dir() / "nfse_v2-04.xsd") == []
