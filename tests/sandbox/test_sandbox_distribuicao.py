"""The Nacional sandbox's ADN distribution (``/contribuintes/DFe/{NSU}``): each party of a
note reads its documents after an NSU, ascending; a ``cnpjConsulta`` of another CNPJ root is
refused; an empty result is a 404 with ``NENHUM_DOCUMENTO_LOCALIZADO``; notes injected as
issued elsewhere are distributed too."""

from __future__ import annotations

import base64
import gzip

import httpx

from nfse.certs.a1 import A1
from nfse.certs.generate import generate_a1
from nfse.certs.tls import client_context
from nfse.sandbox.nacional import NacionalSandbox
from tests.sandbox.test_sandbox_nacional import A1 as PRESTADOR
from tests.sandbox.test_sandbox_nacional import OTHER as TOMADOR
from tests.sandbox.test_sandbox_nacional import dps, send
from tests.support import CNPJ

ESTRANHO = generate_a1("11444777000161", "ESTRANHA LTDA")


def _dfe(sandbox: NacionalSandbox, a1: A1, nsu: int, consulta: str) -> httpx.Response:
    with httpx.Client(verify=client_context(a1, str(sandbox.ca_file)), timeout=10) as client:
        return client.get(f"{sandbox.adn_url}/DFe/{nsu}",
                          params={"lote": "true", "cnpjConsulta": consulta})


def test_each_party_reads_its_documents_after_an_nsu(sandbox: NacionalSandbox) -> None:
    for a1 in (PRESTADOR, TOMADOR, ESTRANHO):
        sandbox.trust(a1.cert)
    with httpx.Client(base_url=sandbox.url, timeout=10,
                      verify=client_context(PRESTADOR, str(sandbox.ca_file))) as client:
        emitida = send(client, dps()).json()

    for a1, documento in ((PRESTADOR, CNPJ), (TOMADOR, "07504505000132")):
        lote = _dfe(sandbox, a1, 0, documento)
        assert lote.status_code == 200, lote.text
        [item] = lote.json()["LoteDFe"]
        assert lote.json()["StatusProcessamento"] == "DOCUMENTOS_LOCALIZADOS"
        assert (item["ChaveAcesso"], item["TipoDocumento"]) == (emitida["chaveAcesso"], "NFSE")
        assert b"<NFSe" in gzip.decompress(base64.b64decode(item["ArquivoXml"]))
    vazio = _dfe(sandbox, ESTRANHO, 0, "11444777000161")
    assert vazio.status_code == 404
    assert vazio.json()["StatusProcessamento"] == "NENHUM_DOCUMENTO_LOCALIZADO"
    raiz = _dfe(sandbox, TOMADOR, 0, CNPJ)  # another CNPJ root than the certificate's
    assert raiz.status_code == 400 and raiz.json()["StatusProcessamento"] == "REJEICAO"

    nsu = _dfe(sandbox, TOMADOR, 0, "07504505000132").json()["LoteDFe"][0]["NSU"]
    assert _dfe(sandbox, TOMADOR, nsu, "07504505000132").status_code == 404
    xml = gzip.decompress(base64.b64decode(
        _dfe(sandbox, TOMADOR, 0, "07504505000132").json()["LoteDFe"][0]["ArquivoXml"]))
    injetada = sandbox.distribuicao.injetar("9" * 50, xml)
    [nova] = _dfe(sandbox, TOMADOR, nsu, "07504505000132").json()["LoteDFe"]
    assert (nova["NSU"], nova["ChaveAcesso"]) == (injetada, "9" * 50)
