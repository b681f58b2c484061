"""Third-party Sefin clients against the standalone NFS-e Nacional sandbox, unchanged but for
base URL and CA: what they send must be what the sandbox accepts (issue 18, point 8).
pynfse-nacional, brans-nfe and pynfsenacionalgt are not covered yet.

nfelib's ``NfseClient`` needs ``requests`` and signs with ``erpbrasil.assinatura`` (xmlsec);
where those cannot be installed the test is skipped and says why."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from nfse.sandbox.nacional import NacionalSandbox
from tests.sandbox import dps_nacional

pytest.importorskip("requests", reason="o NfseClient do nfelib usa requests")
pytest.importorskip("erpbrasil.assinatura",
                    reason="o NfseClient do nfelib assina com erpbrasil.assinatura (xmlsec)")

from nfelib.nfse.bindings.v1_0.dps_v1_01 import Dps  # noqa: E402
from nfelib.nfse.bindings.v1_0.ped_reg_evento_v1_01 import PedRegEvento  # noqa: E402
from nfelib.nfse.client.v1_0.nfse import NfseClient  # noqa: E402


def test_nfelib_client_emits_queries_and_cancels(sandbox: NacionalSandbox,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    a1 = dps_nacional.EMITENTE
    sandbox.trust(a1.cert)
    for nome in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # requests prefers these
        monkeypatch.setenv(nome, str(sandbox.ca_file))
    client = NfseClient(ambiente="2", pkcs12_data=a1.to_pfx("senha"), pkcs12_password="senha")
    client.base_url = sandbox.url  # the only change: where (and, above, which CA to trust)

    dps = Dps.from_xml(dps_nacional.xml(nDPS="1").decode())  # the client signs it
    emitida = client.envia_dps(dps)
    assert emitida.status_code == 201, emitida.body
    chave = emitida.body["chaveAcesso"]
    assert client.consulta_nfse(chave).status_code == 200
    assert client.consulta_dps(dps.infDPS.Id).body["chaveAcesso"] == chave

    # nfelib 3.2.0's PedRegEvento binding has no to_xml(): the client takes any object with
    # to_xml() and infPedReg.Id, as its docstring says, so the request goes in as text
    xml = dps_nacional.pedido_cancelamento(chave, assinar=False).decode()
    pedido = SimpleNamespace(to_xml=lambda: xml,
                             infPedReg=SimpleNamespace(Id=f"PRE{chave}101101"))
    assert not hasattr(PedRegEvento, "to_xml")
    cancelada = client.cancela_documento(chave, pedido)
    assert cancelada.status_code == 201, cancelada.body
    assert client.consulta_evento(chave, 101101).status_code == 200
