"""Corporate networks reach the authorities only through a proxy: with a provider's proxy
set (``NFSE_NACIONAL_PROXY``, ``NFSE_ABRASF_PROXY``), the Nacional and the ABRASF notes go to
their sandboxes through a local CONNECT proxy, are authorized and cancelled."""

from __future__ import annotations

from nfse.sandbox.abrasf import AbrasfSandbox
from tests.proxy import ConnectProxy
from tests.support import MUNICIPIO_ABRASF, Gateway, nota_exemplo

CANCELAR = {"justificativa": "Erro na emissão da nota fiscal"}


def test_both_providers_reach_their_sandboxes_through_the_proxy(
        gateway: Gateway, abrasf: AbrasfSandbox) -> None:
    abrasf_body = nota_exemplo()
    abrasf_body["prestador"]["codigo_municipio"] = MUNICIPIO_ABRASF
    with ConnectProxy() as nacional_proxy, ConnectProxy() as abrasf_proxy:
        gateway.runtime.settings.proxies = {"nacional": nacional_proxy.url,
                                            "abrasf": abrasf_proxy.url}
        gateway.autorizar("via-proxy", nota_exemplo())
        gateway.autorizar("via-proxy-abrasf", abrasf_body)
        for ref in ("via-proxy", "via-proxy-abrasf"):
            cancel = gateway.client.request("DELETE", f"/v2/nfse/{ref}", json=CANCELAR)
            assert cancel.json() == {"status": "cancelado"}, cancel.text
    assert set(nacional_proxy.targets) == {f"127.0.0.1:{gateway.sandbox.port}"}
    assert set(abrasf_proxy.targets) == {f"127.0.0.1:{abrasf.port}"}
    assert len(gateway.sandbox.emitidas()) == 1 and len(abrasf.emitidas()) == 1
