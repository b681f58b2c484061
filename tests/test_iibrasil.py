"""iiBrasil 2.04 (issue 22; Limeira/SP, São Sebastião/SP) through its shipped profile
``iibrasil_204`` against the ABRASF sandbox, which reads its dialect: the note is emitted (the
answer lost: found by ConsultarNfsePorRps, which answers ``InformacoesNfse``) and cancelled
by its series and number; every request is unsigned, valid in iiBrasil's schema (the
cancellation as ACBr writes it) and ends in the Integridade of its content with the
company's token. Unit tests: the digest rule, the schema's one widened place, the refusal
without a token, the registry's routing."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import replace
from datetime import date

import pytest
from lxml import etree
from sqlalchemy import select

from nfse.model.nfse import parse_nfse
from nfse.municipios.provedores import rota
from nfse.providers.abrasf import iibrasil
from nfse.providers.abrasf.provider import AbrasfProvider
from nfse.providers.abrasf.variante import variante_de
from nfse.providers.base import Result, Rps
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.store.tables import artefatos
from nfse.xml import esquema_iibrasil
from tests.providers.abrasf.test_abrasf_pedidos import emissor, rica
from tests.support import CNPJ, Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "http://www.abrasf.org.br/nfse.xsd"
N = f"{{{NS}}}"
WS = "http://nfse.abrasf.org.br"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
LIMEIRA, SAO_SEBASTIAO = "3526902", "3550704"
TOKEN = "token-da-prefeitura-de-limeira"


def _pedidos(gateway: Gateway, nome: str) -> list[bytes]:
    with gateway.runtime.engine.connect() as conn:
        rows = conn.execute(select(artefatos.c.content)
                            .where(artefatos.c.kind == f"exchange:{nome}:request")
                            .order_by(artefatos.c.id)).scalars().all()
    return [zlib.decompress(row) for row in rows]


def _dados(envelope: bytes, operacao: str) -> str:
    """The request document's text, as the municipality reads it out of nfseDadosMsg."""
    [body] = etree.fromstring(envelope).findall(f"{{{SOAP11}}}Body")
    chamada = next(e for e in body if isinstance(e.tag, str))
    assert chamada.tag == f"{{{WS}}}{operacao}Request"
    assert [etree.QName(p).text for p in chamada] == ["nfseCabecMsg", "nfseDadosMsg"]
    cabecalho = etree.fromstring(chamada[0].text.encode())
    assert cabecalho.findtext(N + "versaoDados") == "2.04"
    return chamada[1].text


def _digest_esperado(texto: str, token: str) -> str:
    """The rule written out again: SHA-512 of the root's content, '!'..'~' only, + token."""
    inicio, fim = texto.index(">") + 1, texto.rindex("<Integridade>")
    visivel = "".join(c for c in texto[inicio:fim] if 33 <= ord(c) <= 126)
    return hashlib.sha512((visivel + token).encode()).hexdigest()


def test_iibrasil_emits_queries_and_cancels_by_series(
        gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{LIMEIRA}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf", "iiBrasil")
    abrasf.tokens_iibrasil[CNPJ] = TOKEN
    gateway.credenciais_prefeitura(None, TOKEN)
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = LIMEIRA
    body["servico"]["codigo_municipio"] = LIMEIRA
    abrasf.inject("reset")  # the note is issued, its answer lost: the RPS query finds it
    nota = gateway.autorizar("iibrasil-1", body)
    [emitida] = abrasf.emitidas()
    assert (str(emitida["numero"]), nota["codigo_verificacao"]) == (
        nota["numero"], emitida["codigo_verificacao"])

    cancel = gateway.client.request("DELETE", "/v2/nfse/iibrasil-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["status"] == "cancelado"
    [cancelada] = abrasf.emitidas()  # the sandbox accepted its Integridade with the token
    assert cancelada["status"] == "cancelada"
    assert etree.fromstring(cancelada["xml"].encode()).findtext(
        f".//{N}InfPedidoCancelamento/{N}IdentificacaoNfse/{N}Serie") == "1"

    raizes = {"emissao": ("GerarNfse", "GerarNfseEnvio"),
              "consulta_rps": ("ConsultarNfsePorRps", "ConsultarNfseRpsEnvio")}
    for troca, (operacao, raiz) in raizes.items():
        [envelope] = _pedidos(gateway, troca)
        texto = _dados(envelope, operacao)
        documento = etree.fromstring(texto.encode())
        assert documento.tag == N + raiz
        assert next(documento.iter(f"{{{DSIG}}}Signature"), None) is None
        assert documento[-1].tag == N + "Integridade"
        assert documento[-1].text == _digest_esperado(texto, TOKEN)
        assert esquema_iibrasil.problemas(documento, como_o_acbr=False) == []
    envio = etree.fromstring(_dados(_pedidos(gateway, "emissao")[0], "GerarNfse").encode())
    for ausente in ("ExigibilidadeISS", "OptanteSimplesNacional", "IncentivoFiscal"):
        assert next(envio.iter(N + ausente), None) is None, ausente
    assert envio.findtext(f".//{N}CodigoTributacaoNacional") == "010701"

    # the sandbox refuses a request digested with another token
    texto = _dados(_pedidos(gateway, "emissao")[0], "GerarNfse")
    outro = texto.replace(_digest_esperado(texto, TOKEN), _digest_esperado(texto, "outro"))
    resposta = etree.fromstring(abrasf.prefeitura.atender("GerarNfse", None, outro, None))
    assert resposta.findtext(f"{N}ListaMensagemRetorno/{N}MensagemRetorno/{N}Codigo") == "E160"


def test_integridade_digests_the_visible_characters_and_the_token() -> None:
    esperado = hashlib.sha512(b"<a>bc</a><d>e</d>TOKEN").hexdigest()
    assert iibrasil.integridade("<a>b c\n</a>\t<d>eçã</d>", "TOKEN") == esperado


def test_the_cancellation_differs_from_iibrasils_schema_in_acbrs_two_places_only() -> None:
    em = replace(emissor(leiaute_proprio="iibrasil"), senha=TOKEN)
    variante = variante_de(em.opcoes)
    nota = parse_nfse(rica(codigo_obra=None, art=None))
    rps = Rps(numero=15, serie="A1")
    for documento in (iibrasil.gerar_nfse(nota, rps, em, variante),
                      iibrasil.consultar_nfse_rps(nota, rps, em)):
        assert esquema_iibrasil.problemas(etree.fromstring(documento), False) == []
    cancelamento = etree.fromstring(iibrasil.cancelar_nfse(nota, "77", "A", em, variante))
    assert esquema_iibrasil.problemas(cancelamento) == []
    problemas = esquema_iibrasil.problemas(cancelamento, como_o_acbr=False)
    assert len(problemas) == 3
    assert f"Element '{N}Serie': This element is not expected" in problemas[0]
    assert f"Element '{N}Pedido': Missing child element(s). Expected is ( {N}Integridade" \
        in problemas[1]
    assert f"Element '{N}Integridade': This element is not expected" in problemas[2]


def test_without_the_token_nothing_is_sent_and_the_reason_is_the_shared_one() -> None:
    """Also: the received-notes query, which iiBrasil's layout does not cover here, is
    answered without a call."""
    class Transporte:
        def request(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("nada deve ser enviado")

    em = emissor(leiaute_proprio="iibrasil")
    assert AbrasfProvider.usa_credenciais(em.opcoes)
    outcome = AbrasfProvider(Transporte()).emit(  # type: ignore[arg-type]
        parse_nfse(nota_exemplo()), Rps(numero=1, serie="1"), em)
    assert outcome.result == Result.REJECTED
    assert [e.codigo for e in outcome.erros] == ["credenciais_prefeitura_ausentes"]
    assert "senha_responsavel" in (outcome.erros[0].correcao or "")
    pagina = AbrasfProvider(Transporte()).received(  # type: ignore[arg-type]
        CNPJ, None, date(2026, 1, 1), date(2026, 1, 31), 1, em)
    assert pagina.erro == iibrasil.SEM_TOMADAS


@pytest.mark.parametrize("ibge", [LIMEIRA, SAO_SEBASTIAO])
def test_both_cities_go_to_the_iibrasil_profile_over_https(ibge: str) -> None:
    destino = rota(ibge)
    assert (destino.provedor, destino.perfil, destino.opcoes["leiaute_proprio"]) == (
        "abrasf", "iibrasil_204", "iibrasil")
    assert (destino.url_producao or "").startswith("https://")
