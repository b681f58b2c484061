"""ABRASF families made possible by the profile options of issue 22, point 4 (docs/
abrasf-layouts.md, "IPM 2.04, Centi, SigCorp, Prodata"), each through its shipped profile
against the ABRASF sandbox, which checks every document against the layout's official schema:
the note is emitted (its answer lost, found by ConsultarNfsePorRps) and cancelled (its answer
lost, reconciled by the family's means). What went over the wire is the family's dialect."""

from __future__ import annotations

from lxml import etree

from nfse.sandbox.abrasf import AbrasfSandbox
from tests.support import Gateway
from tests.test_abrasf_corpo import _corpo, _no_esquema, _rota
from tests.test_abrasf_layouts import _ciclo, _pedidos


def test_sigcorp_round_trip(gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    """Ipatinga/MG (SigCorp, ABRASF 2.04): GerarNfse in the service namespace of the
    environment called — its own address, here the homologação one — with the document as
    the text of an unqualified ``xml``; SOAPAction that address + "#" + operation; the lost
    cancellation answer reconciled by cancelling again."""
    _rota(gateway, "3131307", "SigCorp")
    _ciclo(gateway, abrasf, "3131307", "sigcorp-1")
    endereco = gateway.runtime.settings.abrasf_url_homologacao.rstrip("/")
    for troca, operacao in (("emissao", "GerarNfse"), ("consulta_rps", "ConsultarNfsePorRps")):
        envios = _pedidos(gateway, troca)
        assert envios, troca
        for envio in envios:
            elemento = _corpo(envio)
            assert etree.QName(elemento).text == f"{{{endereco}}}{operacao}"
            [parametro] = elemento
            assert parametro.tag == "xml"
            _no_esquema(etree.fromstring(parametro.text.encode()), "2.04")


def test_sigcorp_cities_of_the_reference_wsdl_are_not_served(gateway: Gateway) -> None:
    """Franco da Rocha/SP speaks SigCorp's other dialect (nfseCabecMsg in a namespace not known):
    not routed."""
    municipio = gateway.client.get("/v2/municipios/3516408").json()
    assert municipio["nfse_habilitada"] is False
