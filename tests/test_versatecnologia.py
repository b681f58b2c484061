"""VersaTecnologia 2.04 (issue 22; five https cities of Minas Gerais) through its shipped
profile ``versatecnologia_204`` against the ABRASF sandbox: the note is emitted (the answer
lost: found by ConsultarNfsePorRps) and cancelled; every call goes to the city's own WSDL
namespace, the header says ``versao="204"`` in the city's document namespace, and every
document, in that namespace, is valid in the city's own schema (ACBr's copy of
``nfse_v204.xsd``, ``tests/esquemas/versatecnologia``: Conselheiro Pena's, the same file for
every city but for its namespace)."""

from __future__ import annotations

import shutil
import zlib
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from nfse.municipios.provedores import rota
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.store.tables import artefatos
from nfse.xml.validate import validate
from tests.support import Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
ESQUEMAS = Path(__file__).parent / "esquemas" / "versatecnologia"
CONSELHEIRO_PENA = "3118403"
BASE = "https://conselheiropena.nfsebrasil.net.br/webservices/2.04"
CIDADES = {CONSELHEIRO_PENA: "https://conselheiropena.nfsebrasil.net.br",
           "3129301": "https://nfe.iapu.mg.gov.br",
           "3150158": "https://nfepiedadedecaratinga.versatecnologia.com.br",
           "3154150": "https://nfe.reduto.mg.gov.br",
           "3156502": "https://rubelita.nfsebrasil.net.br"}


def _esquema(pasta: Path, namespace: str) -> Path:
    """The city's schema: ACBr's copy with the city's namespace."""
    texto = (ESQUEMAS / "nfse_v204.xsd").read_text(encoding="utf-8")
    (pasta / "nfse_v204.xsd").write_text(texto.replace(f"{BASE}/nfse_v204.xsd", namespace),
                                         encoding="utf-8")
    shutil.copy(ESQUEMAS / "xmldsig-core-schema20020212.xsd", pasta)
    return pasta / "nfse_v204.xsd"


def _pedidos(gateway: Gateway, nome: str) -> list[etree._Element]:
    with gateway.runtime.engine.connect() as conn:
        rows = conn.execute(select(artefatos.c.content)
                            .where(artefatos.c.kind == f"exchange:{nome}:request")
                            .order_by(artefatos.c.id)).scalars().all()
    return [etree.fromstring(zlib.decompress(row)) for row in rows]


def test_versatecnologia_emits_queries_and_cancels_in_the_citys_namespaces(
        gateway: Gateway, abrasf: AbrasfSandbox, tmp_path: Path) -> None:
    municipio = gateway.client.get(f"/v2/municipios/{CONSELHEIRO_PENA}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == (
        "abrasf", "VersaTecnologia")
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = CONSELHEIRO_PENA
    body["servico"]["codigo_municipio"] = CONSELHEIRO_PENA
    abrasf.inject("reset")  # the note is issued, its answer lost: the RPS query finds it
    nota = gateway.autorizar("versa-1", body)
    cancel = gateway.client.request("DELETE", "/v2/nfse/versa-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["status"] == "cancelado"
    [emitida] = abrasf.emitidas()
    assert (str(emitida["numero"]), emitida["status"]) == (nota["numero"], "cancelada")

    ns = f"{BASE}/nfse_v204.xsd"
    esquema = _esquema(tmp_path, ns)
    raizes = {"emissao": ("GerarNfse", "GerarNfseEnvio"),
              "consulta_rps": ("ConsultarNfsePorRps", "ConsultarNfseRpsEnvio")}
    for troca, (operacao, raiz) in raizes.items():
        [envelope] = _pedidos(gateway, troca)
        [body_] = envelope.findall(f"{{{SOAP11}}}Body")
        chamada = next(e for e in body_ if isinstance(e.tag, str))
        assert chamada.tag == f"{{{BASE}/nfse.wsdl}}{operacao}Request"
        assert [etree.QName(p).text for p in chamada] == ["nfseCabecMsg", "nfseDadosMsg"]
        cabecalho, dados = (etree.fromstring(p.text.encode()) for p in chamada)
        assert (cabecalho.tag, cabecalho.get("versao"),
                cabecalho.findtext(f"{{{ns}}}versaoDados")) == (
            f"{{{ns}}}cabecalho", "204", "2.04")
        assert dados.tag == f"{{{ns}}}{raiz}"
        assert validate(dados, esquema) == []
    envio = _pedidos(gateway, "emissao")[0]
    assert next(envio.iter(f"{{{DSIG}}}Signature"), None) is None  # inside nfseDadosMsg
    rps = etree.fromstring(next(
        p for p in envio.iter("nfseDadosMsg")).text.encode()).find(f"{{{ns}}}Rps")
    assert [etree.QName(e).localname for e in rps] == [
        "InfDeclaracaoPrestacaoServico", "Signature"]


@pytest.mark.parametrize("ibge", sorted(CIDADES))
def test_each_https_city_has_its_own_namespaces(ibge: str) -> None:
    destino = rota(ibge)
    base = f"{CIDADES[ibge]}/webservices/2.04"
    assert (destino.provedor, destino.perfil, destino.sistema) == (
        "abrasf", "versatecnologia_204", "VersaTecnologia")
    assert destino.url_producao == f"{base}/servicos"
    assert (destino.opcoes["namespace_servico"], destino.opcoes["namespace_documentos"],
            destino.opcoes["namespace_cabecalho"], destino.opcoes["versao_sem_ponto"]) == (
        f"{base}/nfse.wsdl", f"{base}/nfse_v204.xsd", f"{base}/nfse_v204.xsd", True)
