"""The NFS-e Nacional sandbox as a client meets it: mutual TLS, the Sefin's rules and
answer shapes."""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from lxml import etree

from nfse.certs.a1 import A1 as A1_
from nfse.certs.generate import generate_a1
from nfse.certs.tls import client_context
from nfse.providers.nacional import respostas
from nfse.providers.nacional.chave import chave_valida
from nfse.sandbox.nacional import NacionalSandbox, parse_faults
from nfse.sandbox.nacional.assinatura import verificar
from nfse.sandbox.nacional.state import Estado
from nfse.xml.sign import sign
from nfse.xml.validate import nacional_schema_dir, validate
from tests.sandbox import dps_nacional
from tests.support import CNPJ

NS = {"n": "http://www.sped.fazenda.gov.br/nfse"}
A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
OTHER = generate_a1("07504505000132", "OUTRA EMPRESA LTDA")


@pytest.fixture
def client(sandbox: NacionalSandbox) -> httpx.Client:
    sandbox.trust(A1.cert)
    with httpx.Client(base_url=sandbox.url, verify=client_context(A1, str(sandbox.ca_file)),
                      timeout=10) as c:
        yield c


def dps(numero: int = 1) -> bytes:
    """A DPS written from the layout (``dps_nacional``), not by the gateway's builder."""
    return dps_nacional.dps(A1, nDPS=str(numero))


def send(client: httpx.Client, xml: bytes) -> httpx.Response:
    return client.post("/nfse", json={"dpsXmlGZipB64": respostas.pack(xml)})


def codes(response: httpx.Response) -> set[str]:
    return {e["Codigo"] for e in response.json()["erros"]}


def test_emission_then_duplicate(client: httpx.Client, sandbox: NacionalSandbox) -> None:
    first = send(client, dps())
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["tipoAmbiente"] == 2 and body["versaoAplicativo"]
    assert chave_valida(body["chaveAcesso"])
    nfse = etree.fromstring(respostas.unpack(body["nfseXmlGZipB64"]))
    assert validate(nfse, nacional_schema_dir() / "NFSe_v1.01.xsd") == []
    assert nfse.find("n:infNFSe", NS).get("Id") == "NFS" + body["chaveAcesso"]
    assert verificar(nfse) is not None  # the Sefin's signature over infNFSe verifies
    assert nfse.findtext("n:infNFSe/n:emit/n:xNome", namespaces=NS) == "EMPRESA TESTE LTDA"

    again = send(client, dps())
    assert again.status_code == 400 and codes(again) == {"E0014"}
    assert again.json()["idDPS"] == body["idDps"]
    assert len(sandbox.emitidas()) == 1

    assert client.get(f"/dps/{body['idDps']}").json()["chaveAcesso"] == body["chaveAcesso"]
    assert client.head(f"/dps/{body['idDps']}").status_code == 200
    unknown = "DPS" + "0" * 42
    assert client.get(f"/dps/{unknown}").json()["erro"]["codigo"] == "E2404"
    assert client.head(f"/dps/{unknown}").status_code == 404
    assert client.get("/dps/xyz").status_code == 400
    assert client.get(f"/nfse/{body['chaveAcesso']}").status_code == 200
    assert client.get(f"/nfse/{'1' * 50}").json()["erro"]["codigo"] == "E2401"
    assert client.get("/nfse/123").status_code == 400
    assert client.get(f"/nfse/{body['chaveAcesso']}/eventos/101101").status_code == 405
    assert client.get(f"/nfse/{body['chaveAcesso']}/eventos/101101/1").status_code == 404
    assert client.get("/nada").headers["content-type"].startswith("text/html")


def test_signature_schema_and_identity_rules(client: httpx.Client) -> None:
    tampered = dps(2).replace(b"<vServ>1000.00</vServ>", b"<vServ>9.00</vServ>")
    assert codes(send(client, tampered)) == {"E0714"}

    broken = dps(3).replace(b"<tpEmit>1</tpEmit>", b"")
    assert codes(send(client, broken)) == {"E1235"}

    root = etree.fromstring(dps(4))
    root.remove(root[-1])
    inf = root.find("n:infDPS", NS)
    inf.set("Id", inf.get("Id")[:-1] + "9")
    sign(root, inf.get("Id"), A1)
    assert "E0004" in codes(send(client, etree.tostring(root)))

    garbage = client.post("/nfse", json={"dpsXmlGZipB64": "não é base64"})
    assert codes(garbage) == {"E1225"}


def test_transmission_certificate_must_be_trusted_and_the_emitters(
        sandbox: NacionalSandbox) -> None:
    plain = ssl.create_default_context(cafile=str(sandbox.ca_file))
    with httpx.Client(verify=plain) as anonymous:  # the Sefin completes TLS, then says 403
        for answer in (anonymous.get(sandbox.url + "/nfse/" + "1" * 50),
                       anonymous.post(sandbox.url + "/nfse", json={})):
            assert answer.status_code == 403
            assert answer.json()["erro"]["codigo"] == "E1200"
        assert anonymous.head(sandbox.url + "/dps/DPS" + "0" * 42).status_code == 403
    with pytest.raises(httpx.TransportError), httpx.Client(
            verify=client_context(OTHER, str(sandbox.ca_file))) as untrusted:
        untrusted.get(sandbox.url + "/nfse/" + "1" * 50)

    sandbox.trust(OTHER.cert)
    with httpx.Client(base_url=sandbox.url,
                      verify=client_context(OTHER, str(sandbox.ca_file))) as other:
        assert send(other, dps(5)).status_code == 403


def _sem_cnpj() -> A1_:
    """A client certificate a CA could issue, without the ICP-Brasil OtherName that carries
    the CNPJ or CPF."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "SEM CNPJ")])
    inicio = datetime.now(UTC) - timedelta(minutes=5)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(inicio).not_valid_after(inicio + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, True, False, False, False, False, False,
                                         False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return A1_(key=key, cert=cert)


def test_transmission_certificate_expired_or_without_cnpj(sandbox: NacionalSandbox) -> None:
    """E1203 and E1209: TLS completes and the Sefin answers 403 with the code (an expired
    certificate used to fail the handshake; one without CNPJ/CPF got E1200)."""
    vencido = generate_a1(CNPJ, "EMPRESA TESTE VENCIDO LTDA",
                          not_before=datetime.now(UTC) - timedelta(days=400), days=365)
    sem_cnpj = _sem_cnpj()
    for identidade in (vencido, sem_cnpj, A1):
        sandbox.trust(identidade.cert)
    with httpx.Client(base_url=sandbox.url,
                      verify=client_context(vencido, str(sandbox.ca_file))) as cliente:
        resposta = send(cliente, dps(7))
        assert resposta.status_code == 403
        assert codes(resposta) == {"E1203"}
        assert cliente.get(f"/nfse/{'1' * 50}").status_code == 403
    with httpx.Client(base_url=sandbox.url,
                      verify=client_context(sem_cnpj, str(sandbox.ca_file))) as cliente:
        resposta = send(cliente, dps(7))
        assert resposta.status_code == 403
        assert codes(resposta) == {"E1209"}
    with httpx.Client(base_url=sandbox.url,  # just inside: valid, with the CNPJ
                      verify=client_context(A1, str(sandbox.ca_file))) as cliente:
        assert send(cliente, dps(7)).status_code == 201
    assert len(sandbox.emitidas()) == 1


def test_faults_are_injected_once(client: httpx.Client, sandbox: NacionalSandbox) -> None:
    sandbox.inject("http500")
    assert send(client, dps(6)).status_code == 500
    assert sandbox.emitidas() == []
    assert send(client, dps(6)).status_code == 201
    with pytest.raises(ValueError):
        sandbox.inject("unknown")


def test_fault_rates_parse_and_draw(tmp_path) -> None:
    assert parse_faults("timeout_after_commit=0.1,http500=0.05, slow=0.05") == {
        "timeout_after_commit": 0.1, "http500": 0.05, "slow": 0.05}
    for bad in ("nope=0.1", "http500=0.7,reset=0.7"):
        with pytest.raises(ValueError):
            parse_faults(bad)
    box = NacionalSandbox(tmp_path, fault_rates={"http500": 0.25}, seed=7)
    drawn = [box.next_fault() for _ in range(2000)]
    assert set(drawn) == {"http500", None}
    assert 0.2 < drawn.count("http500") / 2000 < 0.3
    again = NacionalSandbox(tmp_path, fault_rates={"http500": 0.25}, seed=7)
    assert [again.next_fault() for _ in range(2000)] == drawn  # --seed reproduces a run


def _raw(sandbox: NacionalSandbox, request: bytes) -> bytes:
    """What the sandbox answers ``request``, sent as bytes over mutual TLS, until it closes
    the connection or goes quiet."""
    context = client_context(A1, str(sandbox.ca_file))
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(request)
        tls.settimeout(0.4)
        received = b""
        try:
            while chunk := tls.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


def test_http_framing_as_clients_send_it(sandbox: NacionalSandbox) -> None:
    """Keep-alive for HTTP/1.1, close for HTTP/1.0, 100-continue before a body, 400 for a
    malformed request line or header; header names in any case."""
    sandbox.trust(A1.cert)
    path = "/SefinNacional/dps/DPS0"
    two = _raw(sandbox, f"GET {path} HTTP/1.1\r\nhost: x\r\n\r\n"
                        f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert two.count(b"HTTP/1.1 400 ") == 2  # two answers (an Id that is no DPS's)
    assert b"Connection: close" not in two

    old = _raw(sandbox, f"GET {path} HTTP/1.0\r\n\r\n".encode())
    assert old.startswith(b"HTTP/1.1 ") and b"Connection: close\r\n" in old

    body = b'{"dpsXmlGZipB64": "nao e gzip"}'
    expect = _raw(sandbox, b"POST /SefinNacional/nfse HTTP/1.1\r\nHost: x\r\n"
                           b"content-type: application/json\r\nExpect: 100-continue\r\n"
                           b"CONTENT-LENGTH: %d\r\n\r\n%s" % (len(body), body))
    assert expect.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 ")
    assert b'"E1225"' in expect  # the body was read by its length, whatever the case

    assert _raw(sandbox, b"GET /\r\n\r\n").startswith(b"<!DOCTYPE HTML>")  # no version: 0.9
    assert _raw(sandbox, b"GET / HTTP/1.1\r\nsem dois pontos\r\n\r\n").startswith(
        b"HTTP/1.1 400 ")


def test_state_transaction_commits_all_or_nothing(tmp_path) -> None:
    estado = Estado(tmp_path / "sefin.db")
    with estado.transacao():
        assert estado.proximo("ndfse") == 1
        estado.registrar(chave="1" * 50, id_dps="DPS" + "1" * 42, inscricao=CNPJ, serie="1",
                         ndps="1", numero=1, xml=b"<NFSe/>")
    with pytest.raises(RuntimeError), estado.transacao():
        estado.proximo("ndfse")
        raise RuntimeError
    other = Estado(tmp_path / "sefin.db")  # what a restarted sandbox reads
    assert other.por_dps("DPS" + "1" * 42)["numero"] == 1
    assert other.proximo("ndfse") == 2
    other.close()
    estado.close()


def test_a_dps_with_a_comment_gets_an_nfse_whose_signature_verifies(
        client: httpx.Client) -> None:
    """A comment inside infDPS is not signed (XMLDSig's C14N drops it): the DPS is accepted,
    and the NFS-e that carries it is signed over infNFSe without comments too."""
    root = etree.fromstring(dps(7))
    root.find("n:infDPS", NS).insert(0, etree.Comment(" pedido 123 do ERP "))
    answer = send(client, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert answer.status_code == 201, answer.text
    nfse = etree.fromstring(respostas.unpack(answer.json()["nfseXmlGZipB64"]))
    assert verificar(nfse) is not None


def test_only_the_parties_of_a_note_may_read_it(client: httpx.Client,
                                                sandbox: NacionalSandbox) -> None:
    """GET /dps and GET /nfse answer the prestador, tomador or intermediário of the NFS-e,
    and refuse any other certificate (HEAD /dps answers any)."""
    body = send(client, dps_nacional.dps(A1, nDPS="40")).json()  # tomador: 07504505000132
    tomador = OTHER
    estranho = generate_a1("11444777000161", "ESTRANHA LTDA")
    for a1 in (tomador, estranho):
        sandbox.trust(a1.cert)
    for a1, permitido in ((tomador, True), (estranho, False)):
        with httpx.Client(base_url=sandbox.url,
                          verify=client_context(a1, str(sandbox.ca_file))) as other:
            por_dps = other.get(f"/dps/{body['idDps']}")
            por_chave = other.get(f"/nfse/{body['chaveAcesso']}")
            assert other.head(f"/dps/{body['idDps']}").status_code == 200
        if permitido:
            assert por_dps.json()["chaveAcesso"] == body["chaveAcesso"]
            assert por_chave.status_code == 200
        else:
            assert por_dps.status_code == por_chave.status_code == 403
            assert por_dps.json()["erro"]["codigo"] == "E2403"
