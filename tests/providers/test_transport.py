"""The HTTPS transport against a real TLS server on loopback that answers with scripted
bytes: the framings an authority may use, connections kept alive or not, which failures
leave the outcome unknown, which are the company's (its certificate refused), and proxies."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from nfse.certs.generate import generate_a1, generate_ca, generate_server_cert
from nfse.certs.tls import server_context
from nfse.providers.transport import NotSent, Refused, Transport, Unknown, classify
from tests.proxy import ConnectProxy
from tests.support import CNPJ

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
CA = generate_ca("Autoridade de teste")
SERVER = generate_server_cert(CA)


@dataclass
class Script:
    """Answers each request with the next item of ``answers``: the raw bytes to send and
    whether to close the connection after them."""

    answers: list[tuple[bytes, bool]]
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0
    closed: threading.Event = field(default_factory=threading.Event)


def _request(stream: ssl.SSLSocket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = stream.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += stream.recv(65536)
    return head + b"\r\n\r\n" + body


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Script, str, str]]:
    clients = tmp_path / "clientes.pem"
    clients.write_bytes(A1.cert_pem())
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(CA.cert_pem())
    context = server_context(SERVER, str(clients))
    listener = socket.create_server(("127.0.0.1", 0))
    script = Script([])

    def serve(conn: socket.socket) -> None:
        try:
            stream = context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):  # the client's certificate refused
            conn.close()
            return
        with stream:
            while (request := _request(stream)) is not None:
                script.requests.append(request)
                answer, close = script.answers.pop(0)
                stream.sendall(answer)
                if close:
                    break
        script.closed.set()

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            script.connections += 1
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield script, f"https://127.0.0.1:{listener.getsockname()[1]}/SefinNacional", str(ca_file)
    listener.close()


def _post(transport: Transport, url: str, ca_file: str, timeout: float = 5) -> tuple[int, bytes]:
    answer = transport.request("POST", f"{url}/nfse", A1, ca_file, timeout, {"dps": "x"})
    return answer.status, answer.body


def test_a_request_leaves_whole_and_the_connection_is_kept(server) -> None:  # noqa: ANN001
    script, url, ca_file = server
    ok = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"
    script.answers += [(ok, False), (ok, False)]
    transport = Transport()
    assert _post(transport, url, ca_file) == (201, b"{}")
    assert _post(transport, url, ca_file) == (201, b"{}")
    assert script.connections == 1
    head, _, body = script.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /SefinNacional/nfse HTTP/1.1"
    assert b"Content-Type: application/json" in lines and b"Content-Length: 12" in lines
    assert body == b'{"dps": "x"}'


def test_chunked_answer_with_extension_and_trailer(server) -> None:  # noqa: ANN001
    script, url, ca_file = server
    script.answers.append((b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"5;nome=valor\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\nX-Fim: 1\r\n\r\n", False))
    script.answers.append((b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", False))
    transport = Transport()
    assert _post(transport, url, ca_file) == (200, b'{"a": 1}')
    assert _post(transport, url, ca_file) == (200, b"")
    assert script.connections == 1


def test_answer_delimited_by_close_and_interim_continue(server) -> None:  # noqa: ANN001
    script, url, ca_file = server
    script.answers.append((b"HTTP/1.1 100 Continue\r\n\r\n"
                           b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n"
                           b'{"erros": []}', True))
    script.answers.append((b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n1", False))
    script.answers.append((b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2", False))
    transport = Transport()
    assert _post(transport, url, ca_file) == (400, b'{"erros": []}')
    assert _post(transport, url, ca_file) == (200, b"1")  # HTTP/1.0 without keep-alive: closes
    assert _post(transport, url, ca_file) == (200, b"2")
    assert script.connections == 3


def test_a_connection_the_server_closed_while_idle_is_not_used(server) -> None:  # noqa: ANN001
    script, url, ca_file = server
    script.answers.append((b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1", True))
    script.answers.append((b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n2",
                           True))
    script.answers.append((b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n3", False))
    transport = Transport()
    assert _post(transport, url, ca_file) == (200, b"1")
    assert script.closed.wait(5)
    # without the check, this request would go out on a closed connection: outcome unknown
    assert _post(transport, url, ca_file) == (200, b"2")
    assert _post(transport, url, ca_file) == (200, b"3")
    assert script.connections == 3


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 201 Created\r\nContent-Length: 10\r\n\r\n{}",
    b"SEFIN 201\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: dois\r\n\r\n{}",
    b"",
])
def test_a_broken_answer_leaves_the_outcome_unknown(server, answer: bytes) -> None:  # noqa: ANN001
    script, url, ca_file = server
    script.answers.append((answer, True))
    with pytest.raises(Unknown):
        _post(Transport(), url, ca_file)
    assert len(script.requests) == 1


def test_silence_is_unknown_and_refusal_is_not_sent(server) -> None:  # noqa: ANN001
    script, url, ca_file = server
    script.answers.append((b"", False))  # the server reads the request and never answers
    with pytest.raises(Unknown):
        _post(Transport(), url, ca_file, timeout=0.3)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(NotSent):
        _post(Transport(), f"https://127.0.0.1:{port}/x", ca_file)


def test_a_certificate_the_authority_does_not_trust_is_refused_not_sent(server) -> None:  # noqa: ANN001
    """Refused at the TLS handshake: the company's failure, and nothing left (TLS 1.2 at
    most, so the verdict comes before the request is written)."""
    script, url, ca_file = server
    stranger = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
    with pytest.raises(Refused) as refused:
        Transport().request("POST", f"{url}/nfse", stranger, ca_file, 5, {"dps": "x"})
    assert "não reconhece a autoridade certificadora" in refused.value.reason
    assert script.requests == []


def test_a_403_is_the_companys_refusal_with_the_authoritys_words(server) -> None:  # noqa: ANN001
    script, url, ca_file = server
    body = (b'{"erros": [{"Codigo": "E1200", "Descricao": "Certificado de transmiss\\u00e3o '
            b'n\\u00e3o pertence ao emitente da DPS"}]}')
    script.answers.append((b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                           b"Content-Length: %d\r\n\r\n%s" % (len(body), body), False))
    with pytest.raises(Refused) as refused:
        _post(Transport(), url, ca_file)
    assert refused.value.reason == ("HTTP 403: E1200 Certificado de transmissão não pertence "
                                    "ao emitente da DPS")
    assert refused.value.answer is not None and refused.value.answer.body == body


def test_an_expired_certificate_is_not_sent(server) -> None:  # noqa: ANN001
    script, url, ca_file = server
    from datetime import UTC, datetime, timedelta

    old = generate_a1(CNPJ, "EMPRESA TESTE LTDA", not_before=datetime.now(UTC)
                      - timedelta(days=400), days=30)
    with pytest.raises(Refused, match="vencido"):
        Transport().request("GET", f"{url}/dps/1", old, ca_file, 5)
    assert script.connections == 0


def test_a_server_we_do_not_trust_is_the_authoritys_failure(server, tmp_path) -> None:  # noqa: ANN001
    script, url, _ = server
    other = tmp_path / "outra-ca.pem"
    other.write_bytes(generate_ca("Outra AC").cert_pem())
    with pytest.raises(NotSent) as failed:
        _post(Transport(), url, str(other))
    assert not isinstance(failed.value, Refused)
    assert script.requests == []


def test_the_authoritys_proxy_carries_the_requests(server) -> None:  # noqa: ANN001
    script, url, ca_file = server
    ok = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"
    script.answers += [(ok, False), (ok, False)]
    transport = Transport()
    with ConnectProxy() as proxy:
        for _ in range(2):
            answer = transport.request("POST", f"{url}/nfse", A1, ca_file, 5, {"dps": "x"},
                                       proxy=proxy.url)
            assert (answer.status, answer.body) == (201, b"{}")
    port = url.split(":")[2].split("/")[0]
    assert proxy.targets == [f"127.0.0.1:{port}"]  # one tunnel, kept alive
    assert script.connections == 1


def test_the_environments_proxy_and_no_proxy_are_honoured(server, monkeypatch) -> None:  # noqa: ANN001
    script, url, ca_file = server
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1"
    script.answers += [(ok, False), (ok, False)]
    with ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        assert _post(Transport(), url, ca_file) == (200, b"1")
        assert len(proxy.targets) == 1
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert _post(Transport(), url, ca_file) == (200, b"1")
        assert len(proxy.targets) == 1  # straight to the authority


def _caused_by(exc: BaseException, cause: BaseException) -> BaseException:
    exc.__cause__ = cause
    return exc


def _alert(reason: str) -> ssl.SSLError:
    error = ssl.SSLError(1, f"[SSL: {reason}] alert")
    error.reason = reason
    return error


@pytest.mark.parametrize(("exc", "kind"), [
    (httpx.ConnectError("refused"), NotSent),
    (httpx.ConnectTimeout("slow"), NotSent),
    (httpx.ProxyError("407"), NotSent),
    (httpx.PoolTimeout("full"), NotSent),
    (httpx.ReadTimeout("silent"), Unknown),
    (httpx.WriteError("broken"), Unknown),
    (httpx.RemoteProtocolError("garbage"), Unknown),
    # TLS 1.3: the server's verdict on our certificate is read after the request left, but
    # it ended the handshake, so nothing was processed
    (_caused_by(httpx.ReadError("alert"), _alert("TLSV1_ALERT_UNKNOWN_CA")), Refused),
    (_caused_by(httpx.ConnectError("alert"), _alert("SSLV3_ALERT_CERTIFICATE_REVOKED")),
     Refused),
    (_caused_by(httpx.ConnectError("ours"), ssl.SSLCertVerificationError(1, "server")),
     NotSent),
])
def test_httpx_failures_map_onto_the_outcome_classes(exc: httpx.HTTPError, kind: type) -> None:
    found = classify(exc)
    assert type(found) is kind
