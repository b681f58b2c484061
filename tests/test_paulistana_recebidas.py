"""Received notes in São Paulo (ConsultaNFeRecebidas): a note the test company issues through
the Paulistana sandbox to another company of São Paulo appears in that company's
``/v2/nfses_recebidas``, then its cancellation as a new versao."""

from __future__ import annotations

import time

import httpx

from nfse.admin import criar_empresa
from nfse.certs.generate import generate_a1
from nfse.sandbox.paulistana import PaulistanaSandbox
from tests.support import CNPJ, Gateway, nota_exemplo

SAO_PAULO = "3550308"
CLIENTE = "07504505000132"
"""The tomador of ``nota_exemplo``: here a company of São Paulo with its own token."""


def test_a_note_issued_in_sao_paulo_is_the_tomadors_received_note(
        gateway: Gateway, paulistana: PaulistanaSandbox) -> None:
    a1 = generate_a1(CLIENTE, "CLIENTE PAULISTANO LTDA")
    cliente = criar_empresa(gateway.runtime, cnpj=CLIENTE, nome="CLIENTE PAULISTANO LTDA",
                            inscricao_municipal="45678901", codigo_municipio=SAO_PAULO,
                            pfx=a1.to_pfx("x"), senha="x", regime_tributario=3)
    gateway.sandbox.trust(a1.cert)  # its national walk
    paulistana.trust(a1.cert)
    body = nota_exemplo()
    body["prestador"].update(codigo_municipio=SAO_PAULO, inscricao_municipal="31000000")
    body["servico"]["codigo_tributario_municipio"] = "02658"
    emitida = gateway.autorizar("sp-recebida", body)

    with httpx.Client(base_url=gateway.base_url, auth=(cliente.token_homologacao, ""),
                      timeout=30) as api:
        def esperar(versao: int) -> dict:
            assert api.post("/v2/nfses_recebidas/sincronizar").status_code == 202
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                pagina = api.get(f"/v2/nfses_recebidas?cnpj={CLIENTE}&versao={versao}").json()
                if pagina:
                    return pagina[-1]
                time.sleep(0.1)
            raise AssertionError(f"nothing after versao {versao}")

        recebida = esperar(0)
        assert (recebida["status"], recebida["numero"]) == ("autorizado", emitida["numero"])
        assert recebida["documento_prestador"] == CNPJ
        assert recebida["codigo_verificacao"] == emitida["codigo_verificacao"]
        assert recebida["inscricao_municipal_prestador"] == "31000000"
        assert (recebida["codigo_municipio"], recebida["sigla_uf"]) == (SAO_PAULO, "SP")
        assert recebida["chave"] == f"A{SAO_PAULO}{CNPJ}{int(emitida['numero']):015d}"

        cancelada = gateway.client.request("DELETE", "/v2/nfse/sp-recebida", json={
            "justificativa": "Erro na emissão da nota fiscal"})
        assert cancelada.json()["status"] == "cancelado"
        mudou = esperar(recebida["versao"])
        assert (mudou["chave"], mudou["status"]) == (recebida["chave"], "cancelado")
        completa = api.get(f"/v2/nfses_recebidas/{recebida['chave']}.json").json()
        assert "<NFe " in completa["xml_nfse"] and "<StatusNFe>C" in completa["xml_cancelamento"]
