"""The ABRASF families on layouts older than 2.04 (issue 22, point 4), each through its
shipped profile against the ABRASF sandbox, which takes the layout from the header and checks
every document against that version's official schema: the note is emitted, found again by
ConsultarNfsePorRps after a lost answer, and cancelled, its lost answer reconciled by
ConsultarNfsePorFaixa. What went over the wire is the family's dialect (the emission and the
query as the gateway kept them; the cancellation as the sandbox recorded it, in the version
the call's header named)."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import httpx
import pytest
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import select

from nfse.municipios import routing
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.store.tables import artefatos
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.support import Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
WS = "http://nfse.abrasf.org.br"
NS = "http://www.abrasf.org.br/nfse.xsd"
X = {"a": NS}
ESQUEMAS = {"2.04": "nfse_v2-04.xsd", "2.03": "nfse_v2-03.xsd", "2.02": "nfse_v2-02.xsd",
            "2.00": "nfse_v2-01.xsd"}


def _pedidos(gateway: Gateway, nome: str) -> list[etree._Element]:
    """The SOAP envelopes the gateway sent for exchange ``nome``, oldest first."""
    with gateway.runtime.engine.connect() as conn:
        rows = conn.execute(select(artefatos.c.content)
                            .where(artefatos.c.kind == f"exchange:{nome}:request")
                            .order_by(artefatos.c.id)).scalars().all()
    return [etree.fromstring(zlib.decompress(row)) for row in rows]


def _chamada(envelope: etree._Element) -> tuple[str, etree._Element, etree._Element]:
    """(body element, header document, request document) of a SOAP 1.1 call."""
    assert etree.QName(envelope).namespace == SOAP11
    [body] = envelope.findall(f"{{{SOAP11}}}Body")
    operacao = next(e for e in body if isinstance(e.tag, str))
    assert [etree.QName(p).text for p in operacao] == ["nfseCabecMsg", "nfseDadosMsg"]
    cabecalho, dados = (etree.fromstring(p.text.encode()) for p in operacao)
    return etree.QName(operacao).text, cabecalho, dados


def _ciclo(gateway: Gateway, abrasf: AbrasfSandbox, ibge: str, ref: str) -> dict:
    """Emit (the answer lost: found by ConsultarNfsePorRps), then cancel (the answer lost:
    found by ConsultarNfsePorFaixa); the note as the gateway shows it."""
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = ibge
    gateway.runtime.settings.authority_timeout = 1.0
    abrasf.inject("timeout_after_commit")
    nota = gateway.autorizar(ref, body)
    assert nota["codigo_verificacao"]
    [emitida] = abrasf.emitidas()
    assert (str(emitida["numero"]), emitida["status"]) == (nota["numero"], "autorizada")
    # the DANFSe reads the layout's note: the prestador named in PrestadorServico up to 2.03
    pdf = httpx.get(nota["url_danfse"])
    assert pdf.status_code == 200
    pagina = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "11.222.333/0001-81" in pagina and body["tomador"]["razao_social"] in pagina
    abrasf.inject("timeout_after_commit")
    cancel = gateway.client.request("DELETE", f"/v2/nfse/{ref}",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert gateway.client.get(f"/v2/nfse/{ref}").json()["status"] == "cancelado"
    assert [e["status"] for e in abrasf.emitidas()] == ["cancelada"]
    return nota


def _no_leiaute(gateway: Gateway, abrasf: AbrasfSandbox, versao: str, corpo: str) -> None:
    """Every call kept was ``<Op>{corpo}`` in the ABRASF service namespace, headed with
    ``versao``, its document valid under that version's schema (and the declaration's
    tomador named as the version does); the sandbox issued and cancelled in ``versao``."""
    operacoes = {"emissao": "GerarNfse", "consulta_rps": "ConsultarNfsePorRps"}
    for troca, operacao in operacoes.items():
        envelopes = _pedidos(gateway, troca)
        assert envelopes, troca
        for envelope in envelopes:
            elemento, cabecalho, dados = _chamada(envelope)
            assert elemento == f"{{{WS}}}{operacao}{corpo}"
            assert cabecalho.findtext("a:versaoDados", namespaces=X) == versao
            assert validate(dados, abrasf_xsd_dir() / ESQUEMAS[versao]) == []
    [envio] = _pedidos(gateway, "emissao")
    inf = _chamada(envio)[2].find("a:Rps/a:InfDeclaracaoPrestacaoServico", X)
    tomador = "TomadorServico" if versao == "2.04" else "Tomador"
    assert inf.find(f"a:{tomador}/a:RazaoSocial", X) is not None
    [emitida] = abrasf.emitidas()
    comp = etree.fromstring(emitida["xml"])
    assert comp.find("a:Nfse", X).get("versao") == versao
    assert comp.find("a:NfseCancelamento", X).get("versao") == versao
    # the sandbox answered in the version's dialect: its cancelled note is valid there
    assert validate(comp, abrasf_xsd_dir() / ESQUEMAS[versao]) == []


@pytest.mark.parametrize(("ibge", "sistema", "versao", "item"), [
    ("1100049", "WebISS", "2.02", "0107"),     # Cacoal/RO
    ("4108304", "GestaoISS", "2.02", "0107"),  # Foz do Iguaçu/PR
    ("1502004", "Futurize", "2.02", "01.07"),  # Cachoeira do Arari/PA
    ("3103504", "GovDigital", "2.00", "01.07"),  # Araguari/MG
])
def test_families_on_older_layouts(gateway: Gateway, abrasf: AbrasfSandbox, ibge: str,
                                   sistema: str, versao: str, item: str) -> None:
    """WebISS, GestaoISS, Futurize (ABRASF 2.02) and GovDigital (2.00) through the shipped
    registry: SOAP 1.1, <Op>Request with unqualified parameters, the family's layout and
    item format."""
    municipio = gateway.client.get(f"/v2/municipios/{ibge}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf", sistema)
    _ciclo(gateway, abrasf, ibge, f"{sistema.lower()}-1")
    _no_leiaute(gateway, abrasf, versao, "Request")
    [envio] = _pedidos(gateway, "emissao")
    servico = _chamada(envio)[2].find("a:Rps/a:InfDeclaracaoPrestacaoServico/a:Servico", X)
    assert servico.findtext("a:ItemListaServico", namespaces=X) == item


OPERADOR = """
[perfis.teste_{nome}]
padrao = "abrasf"
versao_layout = "{versao}"
sufixo_requisicao = ""

[municipios."{ibge}"]
perfil = "teste_{nome}"
url_producao = "https://abrasf.example.invalid/producao"
url_homologacao = "https://abrasf.example.invalid/homologacao"
"""


@pytest.mark.parametrize(("versao", "ibge"), [("2.03", "2211001"), ("2.00", "3305802")])
def test_an_operator_profile_on_layouts_203_and_200(gateway: Gateway, abrasf: AbrasfSandbox,
                                                    tmp_path: Path, versao: str,
                                                    ibge: str) -> None:
    """A layout without a shipped family yet, given by an operator's file (Teresina/PI,
    DSF 2.03; Teresópolis/RJ, Fiorilli 2.00, on the ABRASF reference WSDL): the same round
    trip in the layout's own schema."""
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(OPERADOR.format(nome=versao.replace(".", ""), versao=versao,
                                       ibge=ibge), encoding="utf-8")
    routing.carregar(arquivo)
    try:
        assert gateway.client.get(f"/v2/municipios/{ibge}").json()["provedor_nfse"] == "abrasf"
        _ciclo(gateway, abrasf, ibge, f"layout-{versao.replace('.', '')}")
        _no_leiaute(gateway, abrasf, versao, "")
    finally:
        routing.carregar(None)
