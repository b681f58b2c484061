"""The ABRASF sandbox's SOAP door (1.1 and 1.2, the parameter forms the WSDLs use), its
faults, and numbering under concurrent calls."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from lxml import etree

from nfse.sandbox.abrasf import AbrasfSandbox, parse_faults
from tests.sandbox.abrasf.pedidos import (
    SOAP11,
    SOAP12,
    WS,
    N,
    chamar,
    cliente,
    consultar_rps,
    envelope,
    gerar,
)


@pytest.mark.parametrize("soap", ["1.1", "1.2"])
def test_soap_versions_and_parameter_forms(client: httpx.Client, soap: str) -> None:
    env = SOAP12 if soap == "1.2" else SOAP11
    forms = [(qualificado, cdata, sufixo) for qualificado in (False, True)
             for cdata in (False, True) for sufixo in ("Request", "")]
    for numero, (qualificado, cdata, sufixo) in enumerate(forms, start=1):
        resposta = chamar(client, "GerarNfse", gerar(numero), soap=soap,
                          qualificado=qualificado, cdata=cdata, sufixo=sufixo)
        assert resposta.http.status_code == 200, resposta.http.text
        assert resposta.http.headers["content-type"].startswith(
            "application/soap+xml" if soap == "1.2" else "text/xml")
        assert resposta.envelope.tag == f"{{{env}}}Envelope"
        operation = resposta.envelope.find(f"{{{env}}}Body/{{{WS}}}GerarNfseResponse")
        assert operation is not None
        output = operation[0]
        assert output.tag == (f"{{{WS}}}outputXML" if qualificado else "outputXML")
        assert len(resposta.comps()) == 1, (qualificado, cdata, sufixo, resposta.mensagens())


def test_operation_from_the_soap_action(client: httpx.Client) -> None:
    """A body element in a provider's own namespace: the action names the operation."""
    for soap, numero in (("1.1", 1), ("1.2", 2)):
        resposta = chamar(client, "GerarNfse", gerar(numero), soap=soap,
                          namespace="http://outro.provedor/ws")
        assert len(resposta.comps()) == 1


def test_unreadable_calls_get_a_soap_fault(client: httpx.Client) -> None:
    garbage = client.post("", content=b"<nao-e-soap", headers={"Content-Type": "text/xml"})
    assert garbage.status_code == 500
    fault = etree.fromstring(garbage.content)
    assert fault.find(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault/faultstring") is not None

    not_soap = client.post("", content=b"<a/>", headers={
        "Content-Type": "application/soap+xml; charset=utf-8"})
    assert not_soap.status_code == 500
    assert etree.fromstring(not_soap.content).tag == f"{{{SOAP12}}}Envelope"

    body, headers = envelope("Inexistente", gerar(1))
    unknown = client.post("", content=body, headers={**headers, "SOAPAction": ""})
    assert unknown.status_code == 500 and b"Inexistente" in unknown.content

    body, headers = envelope("GerarNfse", "", soap="1.2")
    empty = client.post("", content=body, headers=headers)
    assert empty.status_code == 500 and b"nfseDadosMsg" in empty.content
    reason = etree.fromstring(empty.content).find(f".//{{{SOAP12}}}Reason/{{{SOAP12}}}Text")
    assert reason is not None

    body, headers = envelope("ConsultarNfseServicoPrestado", "<x/>")
    unsupported = client.post("", content=body, headers=headers)
    assert unsupported.status_code == 500 and "disponível" in unsupported.text


def _consultado(client: httpx.Client, numero: int) -> bool:
    return bool(chamar(client, "ConsultarNfsePorRps", consultar_rps(numero)).comps())


def test_each_fault(abrasf: AbrasfSandbox, client: httpx.Client) -> None:
    abrasf.inject("http500")
    body, headers = envelope("GerarNfse", gerar(1))
    failed = client.post("", content=body, headers=headers)
    assert failed.status_code == 500 and failed.headers["content-type"] == "text/html"
    assert not _consultado(client, 1)  # nothing done

    abrasf.inject("garbage")
    body, headers = envelope("GerarNfse", gerar(1))
    garbage = client.post("", content=body, headers=headers)
    assert garbage.status_code == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(garbage.content)
    assert not _consultado(client, 1)

    abrasf.inject("reset")
    with pytest.raises(httpx.TransportError):
        chamar(client, "GerarNfse", gerar(1))
    assert _consultado(client, 1)  # done, answer lost

    abrasf.inject("timeout_after_commit")
    with cliente(abrasf, timeout=0.5) as impatient, pytest.raises(httpx.ReadTimeout):
        chamar(impatient, "GerarNfse", gerar(2))
    assert _consultado(client, 2)
    assert chamar(client, "GerarNfse", gerar(2)).codigos() == ["E10"]  # a resend is refused

    abrasf.inject("slow")
    start = time.monotonic()
    assert len(chamar(client, "GerarNfse", gerar(3)).comps()) == 1
    assert time.monotonic() - start >= abrasf.slow_seconds

    # queries never fail on purpose: they are how a client learns what happened
    abrasf.inject("http500")
    assert _consultado(client, 3)
    assert abrasf.next_fault() == "http500"  # still pending: the query did not take it
    assert [e["numero"] for e in abrasf.emitidas()] == [1, 2, 3]


def test_faults_endpoint_and_rates(abrasf: AbrasfSandbox, client: httpx.Client,
                                   tmp_path: Path) -> None:
    faults = abrasf.url.replace("/nfse", "/_sandbox/faults")
    assert client.post(faults, json={"fault": "http500", "count": 2}).status_code == 200
    assert client.post(faults, json={"fault": "nope"}).status_code == 400
    for _ in range(2):
        body, headers = envelope("GerarNfse", gerar(1))
        assert client.post("", content=body, headers=headers).status_code == 500
    assert len(chamar(client, "GerarNfse", gerar(1)).comps()) == 1
    with pytest.raises(ValueError):
        abrasf.inject("unknown")

    assert parse_faults("reset=0.5") == {"reset": 0.5}
    box = AbrasfSandbox(tmp_path / "x", fault_rates={"garbage": 0.5}, seed=3)
    drawn = [box.next_fault() for _ in range(400)]
    assert set(drawn) == {"garbage", None}
    again = AbrasfSandbox(tmp_path / "y", fault_rates={"garbage": 0.5}, seed=3)
    assert [again.next_fault() for _ in range(400)] == drawn


def test_concurrent_emissions_get_distinct_numbers(abrasf: AbrasfSandbox) -> None:
    numeros: list[int] = []
    erros: list[BaseException] = []
    lock = threading.Lock()

    def emit(rps: int) -> None:
        try:
            with cliente(abrasf) as client:
                (comp,) = chamar(client, "GerarNfse", gerar(rps)).comps()
            with lock:
                numeros.append(int(comp.findtext("n:Nfse/n:InfNfse/n:Numero", namespaces=N)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            erros.append(exc)

    threads = [threading.Thread(target=emit, args=(100 + i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert erros == []
    assert sorted(numeros) == list(range(1, 21))
    assert len({e["codigo_verificacao"] for e in abrasf.emitidas()}) == 20
