"""The official DPS samples shipped in nfelib (``nfse/samples/v1_0``), signed with a test
certificate, are accepted by the NFS-e Nacional sandbox.

The samples are anonymised: their CNPJs are placeholders (all zeros, or a company we hold no
certificate for) and one is dated for production (tpAmb 1). Each is sent as published except
for exactly that: the prestador becomes the test certificate's CNPJ (and the Id, which
concatenates it, follows), a placeholder tomador CNPJ becomes a real one, and tpAmb becomes 2
(the sandbox is homologação). The regime-normal sample is of layout 1.00, whose tomador
address could omit ``endNac``; layout 1.01 (the one in force, and the only schema nfelib
ships) requires it, so the sample's own municipality and a CEP of it are added there.

The regime-normal sample dates from the 2023 pilot: its prestador is a MEI (opSimpNac 2) that
fills tribFed with zero IRRF and CSLL, which the rules of Anexo I v1.01 refuse (E0676, E0700,
E0701); the sandbox refuses it for exactly those, and authorizes it without that group."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import httpx
import pytest
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.certs.tls import client_context
from nfse.providers.nacional import respostas
from nfse.sandbox.nacional import NacionalSandbox
from nfse.xml.sign import sign
from nfse.xml.validate import nacional_schema_dir, validate
from tests.support import CNPJ

NS = {"n": "http://www.sped.fazenda.gov.br/nfse"}
SAMPLES = Path(str(resources.files("nfelib") / "nfse" / "samples" / "v1_0"))
A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
TOMADOR = "07504505000132"


def assinada(sample: str, sem_federais: bool = False) -> bytes:
    root = etree.parse(str(SAMPLES / sample), etree.XMLParser(remove_blank_text=True)).getroot()
    inf = root.find("n:infDPS", NS)
    inf.find("n:tpAmb", NS).text = "2"
    inf.find("n:prest/n:CNPJ", NS).text = CNPJ
    tomador = inf.find("n:toma/n:CNPJ", NS)
    if tomador is not None:
        tomador.text = TOMADOR
    end = inf.find("n:toma/n:end", NS)
    if end is not None and end.find("n:endNac", NS) is None and end.find("n:endExt", NS) is None:
        nac = etree.Element(f"{{{NS['n']}}}endNac")
        etree.SubElement(nac, f"{{{NS['n']}}}cMun").text = inf.findtext("n:cLocEmi", namespaces=NS)
        etree.SubElement(nac, f"{{{NS['n']}}}CEP").text = "89010000"
        end.insert(0, nac)
    federais = inf.find("n:valores/n:trib/n:tribFed", NS)
    if sem_federais and federais is not None:
        federais.getparent().remove(federais)
    old = inf.get("Id")
    inf.set("Id", old[:10] + "2" + CNPJ + old[25:])  # DPS + cMun(7) + tipo + CNPJ + série + nº
    sign(root, inf, A1)
    assert validate(root, nacional_schema_dir() / "DPS_v1.01.xsd") == []
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_pilot_sample_breaks_the_federal_tax_rules(sandbox: NacionalSandbox) -> None:
    sandbox.trust(A1.cert)
    with httpx.Client(base_url=sandbox.url, verify=client_context(A1, str(sandbox.ca_file)),
                      timeout=10) as client:
        answer = client.post("/nfse", json={
            "dpsXmlGZipB64": respostas.pack(assinada("dps-regime-normal.xml"))})
    assert answer.status_code == 400
    assert [e["Codigo"] for e in answer.json()["erros"]] == ["E0676", "E0700", "E0701"]


@pytest.mark.parametrize("sample", ["dps-regime-normal.xml", "dps-simples.xml"])
def test_official_sample_is_authorized(sandbox: NacionalSandbox, sample: str) -> None:
    sandbox.trust(A1.cert)
    xml = assinada(sample, sem_federais=True)
    with httpx.Client(base_url=sandbox.url, verify=client_context(A1, str(sandbox.ca_file)),
                      timeout=10) as client:
        answer = client.post("/nfse", json={"dpsXmlGZipB64": respostas.pack(xml)})
    assert answer.status_code == 201, answer.text
    nfse = etree.fromstring(respostas.unpack(answer.json()["nfseXmlGZipB64"]))
    assert validate(nfse, nacional_schema_dir() / "NFSe_v1.01.xsd") == []
    sent = etree.fromstring(xml).find("n:infDPS", NS)
    echoed = nfse.find("n:infNFSe/n:DPS/n:infDPS", NS)
    assert echoed.get("Id") == sent.get("Id")
    assert echoed.findtext("n:serv/n:cServ/n:xDescServ", namespaces=NS) == \
        sent.findtext("n:serv/n:cServ/n:xDescServ", namespaces=NS)
