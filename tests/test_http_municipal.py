"""Plain http to a municipal system is the operator's opt-in (``NFSE_PERMITIR_HTTP_MUNICIPAL``,
docs/http-municipal.md): without it a municipality whose system publishes only an http
address is refused, naming the setting, and nothing is sent; with it, the address the
shipped registry holds is served like an https one — and no other http address ever is
(the operator's file, an internal address, a redirect)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from nfse.api.municipios_routes import Situacao, _json
from nfse.config import Settings
from nfse.municipios import registry, routing
from nfse.providers.base import Emissor
from nfse.providers.transport import Transport
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.work.emissor import EmissorFactory
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.support import Gateway, a1_teste, nota_exemplo, pasta_sandbox

pytestmark = pytest.mark.um_motor

SENADOR_CANEDO = "5220454"
"""Senador Canedo/GO: Fiorilli 2.00, whose only production address is plain http."""
PRODUCAO = "http://200.233.141.227:5661/IssWeb-ejb/IssWebWS/IssWebWS"
HOMOLOGACAO = ("http://fi1.fiorilli.com.br:5663/IssWeb-ejb/IssWebWSNacional/"
               "IssWebWSNacionalPortType")
OPT_IN = "NFSE_PERMITIR_HTTP_MUNICIPAL"


@pytest.fixture(autouse=True)
def tabela() -> Iterator[None]:
    routing.carregar(None)
    yield
    routing.carregar(None)


def test_without_the_opt_in_the_refusal_names_the_city_its_system_and_the_setting() -> None:
    rota = routing.rota(SENADOR_CANEDO)
    assert (rota.provedor, rota.sistema, rota.url_producao) == ("abrasf", "Fiorilli", PRODUCAO)
    recusa = routing.nao_atendido(SENADOR_CANEDO, "producao", Settings())
    assert recusa is not None
    for parte in ("Senador Canedo/GO", "Fiorilli", PRODUCAO, "sem TLS", f"{OPT_IN}=1"):
        assert parte in recusa
    assert routing.nao_atendido(SENADOR_CANEDO, "producao",
                                Settings(permitir_http_municipal=True)) is None
    # homologação: Fiorilli's test address is plain http too, taken only with the opt-in
    assert rota.url("homologacao") is None
    assert rota.url("homologacao", permitir_http=True) == HOMOLOGACAO


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(OPT_IN, raising=False)
    assert Settings().permitir_http_municipal is False
    monkeypatch.setenv(OPT_IN, "1")
    assert Settings().permitir_http_municipal is True


def test_municipios_says_why_and_then_that_it_is_without_tls() -> None:
    municipio = registry.get(SENADOR_CANEDO)
    assert municipio is not None
    fechado = _json(municipio, Situacao(set(), lambda _: "", "producao", False))
    assert (fechado["nfse_habilitada"], fechado["provedor_nfse"]) == (False, None)
    assert OPT_IN in fechado["motivo_nfse"] and fechado["sem_tls_nfse"] is False
    aberto = _json(municipio, Situacao(set(), lambda _: "", "producao", True))
    assert (aberto["nfse_habilitada"], aberto["provedor_nfse"]) == (True, "abrasf")
    assert aberto["motivo_nfse"] is None and aberto["sem_tls_nfse"] is True
    # an https city of the same system is not said to be without TLS
    teresopolis = _json(registry.get("3305802"), Situacao(set(), lambda _: "", "producao", True))
    assert teresopolis["sem_tls_nfse"] is False


@pytest.mark.parametrize("url", ["http://10.0.0.5:5661/IssWeb-ejb/IssWebWS/IssWebWS",
                                 "http://200.233.141.227:5661/outro/caminho"])
def test_the_operators_file_never_opens_an_http_address(tmp_path: Path, url: str) -> None:
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text(f'[municipios."{SENADOR_CANEDO}"]\nperfil = "fiorilli_200"\n'
                       f'url_producao = "{url}"\n', encoding="utf-8")
    routing.carregar(arquivo)
    assert routing.rota(SENADOR_CANEDO).url_producao == url
    recusa = routing.nao_atendido(SENADOR_CANEDO, "producao",
                                  Settings(permitir_http_municipal=True))
    assert recusa is not None and "não é um dos endereços http do cadastro embarcado" in recusa


def _emissor(url: str, ambiente: str = "producao") -> Emissor:
    return Emissor(a1=a1_teste()[0], ambiente=ambiente, base_url=url, ca_file=None,
                   razao_social="EMPRESA TESTE LTDA")


def test_before_sending_a_registry_address_must_resolve_to_public_addresses(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The send-time check: the shipped host resolved now; a name hijacked towards the
    gateway's own network is refused (no certificate check would stop it)."""
    fabrica = EmissorFactory(None, Settings(permitir_http_municipal=True), None)  # type: ignore[arg-type]
    sistema = "itaitubatributos.transparenciabr.net"
    url = routing.rota("1503606").url_producao
    assert url is not None and sistema in url
    respostas = {sistema: "192.168.0.7"}
    original = socket.getaddrinfo

    def resolver(host: str, *args: Any, **kwargs: Any) -> Any:
        if host in respostas:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (respostas[host], 5661))]
        return original(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    recusa = fabrica.recusa(_emissor(url), "abrasf", "1503606")
    assert recusa is not None and "endereço interno 192.168.0.7" in recusa
    respostas[sistema] = "177.70.1.2"
    assert fabrica.recusa(_emissor(url), "abrasf", "1503606") is None
    # without the opt-in, refused before any resolution
    fechada = EmissorFactory(None, Settings(), None)  # type: ignore[arg-type]
    assert OPT_IN in (fechada.recusa(_emissor(url), "abrasf", "1503606") or "")


class _Contador(BaseHTTPRequestHandler):
    """Answers every POST with ``server.resposta`` (status, Location) and counts them."""

    server: Any

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.pedidos += 1
        status, destino = self.server.resposta
        self.send_response(status)
        if destino:
            self.send_header("Location", destino)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        return


def _servidor(resposta: tuple[int, str | None]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Contador)
    server.pedidos = 0  # type: ignore[attr-defined]
    server.resposta = resposta  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_redirect_to_another_http_address_is_not_followed() -> None:
    interno = _servidor((200, None))
    autoridade = _servidor((302, f"http://127.0.0.1:{interno.server_address[1]}/interno"))
    transport = Transport()
    try:
        answer = transport.request("POST", f"http://127.0.0.1:{autoridade.server_address[1]}/ws",
                                   a1_teste()[0], None, 5.0, content=b"<x/>")
        assert answer.status == 302
        assert (autoridade.pedidos, interno.pedidos) == (1, 0)  # type: ignore[attr-defined]
    finally:
        transport.close()
        for server in (interno, autoridade):
            server.shutdown()
            server.server_close()


@pytest.fixture
def abrasf_http(gateway: Gateway, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[AbrasfSandbox]:
    """The ABRASF sandbox in plain http on loopback, as the homologação of every ABRASF
    municipality."""
    box = AbrasfSandbox(pasta_sandbox(tmp_path / "sandbox-http"), xsd_dir=abrasf_xsd_dir(),
                        tls=False)
    box.start()
    monkeypatch.setenv("NFSE_ABRASF_XSD_DIR", str(abrasf_xsd_dir()))
    gateway.runtime.settings.abrasf_url_homologacao = box.url
    gateway.runtime.settings.abrasf_ca_file = None
    box.trust(gateway.a1.cert)  # the signatures' certificate: no TLS identifies the caller
    yield box
    box.stop()


def test_fiorilli_in_plain_http_only_with_the_opt_in(gateway: Gateway,
                                                     abrasf_http: AbrasfSandbox) -> None:
    """Off: the POST is a 400 naming the setting and nothing reaches the sandbox. On: the
    note is issued, read and cancelled over http."""
    assert abrasf_http.url.startswith("http://127.0.0.1:")
    gateway.credenciais_prefeitura("usuario.fiorilli", "s3nha")
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = SENADOR_CANEDO
    recusa = gateway.client.post("/v2/nfse?ref=http-0", json=body)
    assert recusa.status_code == 400, recusa.text
    assert recusa.json()["codigo"] == "municipio_nao_atendido"
    assert f"{OPT_IN}=1" in recusa.json()["mensagem"]
    assert gateway.client.get("/v2/nfse/http-0").status_code == 404
    assert abrasf_http.conexoes == 0

    gateway.runtime.settings.permitir_http_municipal = True
    municipio = gateway.client.get(f"/v2/municipios/{SENADOR_CANEDO}").json()
    assert (municipio["nfse_habilitada"], municipio["sem_tls_nfse"]) == (True, True)
    nota = gateway.autorizar("http-1", body)
    [emitida] = abrasf_http.emitidas()
    assert (str(emitida["numero"]), emitida["status"]) == (nota["numero"], "autorizada")
    assert gateway.client.get("/v2/nfse/http-1").json()["codigo_verificacao"] == \
        emitida["codigo_verificacao"]
    cancel = gateway.client.request("DELETE", "/v2/nfse/http-1",
                                    json={"justificativa": "Erro na emissão da nota fiscal"})
    assert cancel.json() == {"status": "cancelado"}
    assert [e["status"] for e in abrasf_http.emitidas()] == ["cancelada"]
