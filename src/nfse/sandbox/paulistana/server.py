"""The HTTPS server of the Paulistana sandbox: mutual TLS, one SOAP endpoint
``/lotenfe.asmx`` (SOAP 1.2, or 1.1 tolerated) for every operation, plus
``/_sandbox/emitidas`` and ``/_sandbox/faults`` for tests.

A call is ``<Op>Request`` in ``http://www.prefeitura.sp.gov.br/nfe`` with ``VersaoSchema``
(1 or 2, the layout) and ``MensagemXML`` (escaped text); the answer is
``<Op>Response/RetornoXML``. The action (Content-Type ``action`` or ``SOAPAction`` header) is
not checked: the operation is the body's element."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from nfse.certs.a1 import A1
from nfse.sandbox.https import HttpsSandbox, SandboxHandler
from nfse.sandbox.paulistana.estado import Estado
from nfse.sandbox.paulistana.prefeitura import MUTANTES, NS, PEDIDOS, Prefeitura

ENDPOINT = "/lotenfe.asmx"
ESQUEMAS_V2 = Path(str(resources.files("nfse.providers.paulistana") / "esquemas_v02"))
"""The official layout-2 schemas the package ships (the default of ``xsd_dir_v2``)."""
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
TIPOS = {SOAP12: "application/soap+xml; charset=utf-8", SOAP11: "text/xml; charset=utf-8"}
_parser = etree.XMLParser(resolve_entities=False, no_network=True)


class ChamadaInvalida(Exception):
    def __init__(self, mensagem: str, soap: str = SOAP12):
        super().__init__(mensagem)
        self.soap = soap


def ler_chamada(corpo: bytes) -> tuple[str, str, int, str]:
    """(SOAP namespace, operation, VersaoSchema, MensagemXML) of a call; ``ChamadaInvalida``
    otherwise."""
    try:
        envelope = etree.fromstring(corpo, _parser)
    except etree.XMLSyntaxError as exc:
        raise ChamadaInvalida(f"Envelope SOAP mal formado: {exc}") from exc
    nome = etree.QName(envelope)
    if nome.localname != "Envelope" or nome.namespace not in (SOAP11, SOAP12):
        raise ChamadaInvalida("O documento não é um envelope SOAP")
    soap = nome.namespace
    body = envelope.find(f"{{{soap}}}Body")
    pedido = next((e for e in body if isinstance(e.tag, str)), None) \
        if body is not None else None
    if pedido is None:
        raise ChamadaInvalida("Envelope SOAP sem operação", soap)
    operacao = etree.QName(pedido).localname.removesuffix("Request")
    if etree.QName(pedido).namespace != NS or operacao not in PEDIDOS:
        raise ChamadaInvalida(f"Operação desconhecida: {etree.QName(pedido).text}", soap)
    versao = pedido.findtext(f"{{{NS}}}VersaoSchema")
    mensagem = pedido.findtext(f"{{{NS}}}MensagemXML")
    if versao not in ("1", "2"):
        raise ChamadaInvalida(f"VersaoSchema {versao!r} não atendida (leiautes 1 e 2)", soap)
    if not mensagem:
        raise ChamadaInvalida("MensagemXML ausente", soap)
    return soap, operacao, int(versao), mensagem


def responder(soap: str, operacao: str, retorno: bytes) -> bytes:
    texto = retorno.decode("utf-8")
    return (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{soap}">'
            f'<soap:Body><{operacao}Response xmlns="{NS}"><RetornoXML>{escape(texto)}'
            f"</RetornoXML></{operacao}Response></soap:Body></soap:Envelope>").encode()


def falha(soap: str, mensagem: str) -> bytes:
    if soap == SOAP12:
        corpo = (f"<soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code>"
                 f'<soap:Reason><soap:Text xml:lang="pt-BR">{escape(mensagem)}</soap:Text>'
                 "</soap:Reason></soap:Fault>")
    else:
        corpo = (f"<soap:Fault><faultcode>soap:Client</faultcode>"
                 f"<faultstring>{escape(mensagem)}</faultstring></soap:Fault>")
    return (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{soap}">'
            f"<soap:Body>{corpo}</soap:Body></soap:Envelope>").encode()


class _Handler(SandboxHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.partes() == ["_sandbox", "emitidas"]:
            self.emitidas()
        else:
            self.nao_encontrado()

    def do_POST(self) -> None:  # noqa: N802
        sandbox: PaulistanaSandbox = self.server.sandbox
        parts = self.partes()
        raw = self.read_body()
        if parts == ["_sandbox", "faults"]:
            self.injetar(raw)
            return
        if parts != [ENDPOINT.strip("/")]:
            self.nao_encontrado()
            return
        try:
            soap, operacao, versao, mensagem = ler_chamada(raw)
        except ChamadaInvalida as exc:
            self._send(500, falha(exc.soap, str(exc)), TIPOS[exc.soap])
            return
        cliente = self.caller_cert()

        def handle() -> bytes:
            return responder(soap, operacao,
                             sandbox.prefeitura.atender(operacao, mensagem, cliente, versao))

        def deliver(answer: bytes) -> None:
            self._send(200, answer, TIPOS[soap])

        if operacao in MUTANTES:
            self.with_faults(handle, deliver, (b"\x00\x01 isto nao e XML", TIPOS[soap]))
        else:
            deliver(handle())


class PaulistanaSandbox(HttpsSandbox):
    """A local Prefeitura de São Paulo web service (layouts 1 and 2) over mutual TLS; with
    ``xsd_dir`` (the official ``*_v01.xsd``) and ``xsd_dir_v2`` (``*_v02.xsd``, by default the
    copy the package ships) every request of that layout is checked against its schema."""

    handler = _Handler
    thread_name = "sandbox-paulistana"

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 xsd_dir: Path | None = None, fault_rates: dict[str, float] | None = None,
                 seed: int | None = None, slow_seconds: float = 1.0,
                 xsd_dir_v2: Path | None = ESQUEMAS_V2):
        super().__init__(data_dir, host, port, fault_rates=fault_rates, seed=seed,
                         slow_seconds=slow_seconds)
        self.xsd_dir = Path(xsd_dir) if xsd_dir is not None else None
        self.xsd_dir_v2 = Path(xsd_dir_v2) if xsd_dir_v2 is not None else None

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}{ENDPOINT}"

    def _open(self, identity: A1) -> None:
        self.estado = Estado(self.data_dir / "paulistana.db")
        self.prefeitura = Prefeitura(self.estado, self.trusted, self.xsd_dir, self.xsd_dir_v2)

    def _close(self) -> None:
        if getattr(self, "estado", None) is not None:
            self.estado.close()

    def emitidas(self) -> list[dict[str, Any]]:
        """Every note issued, in its present state (``xml`` is its ``NFe``)."""
        return [{
            "inscricao": nota["inscricao"], "numero": nota["numero"],
            "codigo_verificacao": nota["codigo_verificacao"], "serie": nota["serie"],
            "rps_numero": nota["rps_numero"], "cnpj": nota["remetente"],
            "status": "cancelada" if nota["cancelada_em"] else "autorizada",
            "xml": etree.tostring(self.prefeitura.nfe(nota), encoding="unicode"),
        } for nota in self.estado.notas()]


def run_forever(data_dir: Path, host: str, port: int, trust_files: list[Path],
                fault_rates: dict[str, float] | None = None, seed: int | None = None) -> None:
    """``nfse sandbox paulistana``: serve until interrupted."""
    from nfse.providers.paulistana.pedidos import xsd_dir, xsd_dir_v2

    esquemas = xsd_dir()
    sandbox = PaulistanaSandbox(data_dir, host, port, xsd_dir=esquemas,
                                fault_rates=fault_rates, seed=seed, xsd_dir_v2=xsd_dir_v2())
    sandbox.start()
    sandbox.serve_until_stopped(
        trust_files,
        f"Sandbox NFS-e Paulistana (São Paulo, leiautes 1 e 2, SOAP 1.2) em {sandbox.url}",
        f"CA do servidor: {sandbox.ca_file}",
        "Validação pelos esquemas oficiais v1: " + (str(esquemas) if esquemas else
                                                   "desligada (NFSE_PAULISTANA_XSD_DIR liga)"),
        f"Validação pelos esquemas oficiais v2: {xsd_dir_v2()}")
