"""Own municipal systems served by a profile of an existing provider (issue 22, point 4;
docs/sistemas-outros.md), each through the shipped registry against the ABRASF sandbox: the
note is emitted (the answer lost: found by ConsultarNfsePorRps), cancelled (the answer lost:
found by ConsultarNfsePorFaixa), and what went over the wire is the system's dialect."""

from __future__ import annotations

import pytest
from lxml import etree

from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.support import Gateway
from tests.test_abrasf_layouts import _chamada, _ciclo, _pedidos

NS = "http://www.abrasf.org.br/nfse.xsd"
X = {"a": NS}


@pytest.mark.parametrize("ibge", ["3300100", "3304524"])  # Angra dos Reis, Rio das Ostras
def test_tiplan_203_round_trip(gateway: Gateway, abrasf: AbrasfSandbox, ibge: str) -> None:
    """Tiplan 2.03: the ABRASF reference WSDL with the service namespace written with its
    trailing slash, <Op>Request, versaoDados 2.03, every document valid in Tiplan's own 2.03
    schema, the item with its dot."""
    municipio = gateway.client.get(f"/v2/municipios/{ibge}").json()
    assert (municipio["provedor_nfse"], municipio["sistema_nfse"]) == ("abrasf", "Tiplan")
    _ciclo(gateway, abrasf, ibge, f"tiplan-{ibge}")
    for troca, operacao in {"emissao": "GerarNfse", "consulta_rps": "ConsultarNfsePorRps"}.items():
        envelopes = _pedidos(gateway, troca)
        assert envelopes, troca
        for envelope in envelopes:
            elemento, cabecalho, dados = _chamada(envelope)
            assert elemento == f"{{http://nfse.abrasf.org.br/}}{operacao}Request"
            assert cabecalho.findtext("a:versaoDados", namespaces=X) == "2.03"
            assert validate(dados, abrasf_xsd_dir() / "nfse_v2-03.xsd") == []
    [envio] = _pedidos(gateway, "emissao")
    inf = _chamada(envio)[2].find("a:Rps/a:InfDeclaracaoPrestacaoServico", X)
    assert inf.find("a:Tomador/a:RazaoSocial", X) is not None
    assert inf.findtext("a:Servico/a:ItemListaServico", namespaces=X) == "01.07"
    [emitida] = abrasf.emitidas()
    comp = etree.fromstring(emitida["xml"])
    assert comp.find("a:Nfse", X).get("versao") == "2.03"
    assert validate(comp, abrasf_xsd_dir() / "nfse_v2-03.xsd") == []

