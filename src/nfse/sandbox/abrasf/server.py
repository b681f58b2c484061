"""The HTTPS server of the ABRASF 2.0x sandbox (layouts 2.04, 2.03, 2.02 and 2.00, by the
header's ``versaoDados``): mutual TLS (a client certificate is required
and must be trusted), one SOAP endpoint at ``/nfse`` for every operation, plus
``/_sandbox/emitidas`` and ``/_sandbox/faults`` for tests; PublicSoft's REST calls under
``/nfse/api/`` (``nfse.sandbox.abrasf.rest``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from lxml import etree

from nfse.certs.a1 import A1
from nfse.sandbox.abrasf import (
    centi,
    credenciais,
    elotech,
    envelope,
    genexus,
    iibrasil,
    rest,
    soap,
)
from nfse.sandbox.abrasf.namespaces import PrefeituraNamespaces
from nfse.sandbox.abrasf.prefeitura import MUTANTES, OperacaoIndisponivel
from nfse.sandbox.abrasf.state import Estado
from nfse.sandbox.faults import FAULTS, Latencia, parse_faults
from nfse.sandbox.https import HttpsSandbox, SandboxHandler

__all__ = ["FAULTS", "AbrasfSandbox", "parse_faults", "run_forever"]

T = TypeVar("T")

ENDPOINT = "/nfse"


class _Handler(SandboxHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.partes() == ["_sandbox", "emitidas"]:
            self.emitidas()
        else:
            self.nao_encontrado()

    def do_POST(self) -> None:  # noqa: N802
        parts = self.partes()
        raw = self.read_body()
        if parts == ["_sandbox", "faults"]:
            self.injetar(raw)
        elif parts == [ENDPOINT.strip("/")]:
            self._soap(raw)
        elif parts[:2] == [ENDPOINT.strip("/"), "api"] and len(parts) == 3:
            self._rest(parts[2], raw)
        else:
            self.nao_encontrado()

    def _soap(self, raw: bytes) -> None:
        sandbox: AbrasfSandbox = self.server.sandbox
        content_type = self.headers.get("Content-Type") or ""
        if content_type.startswith("application/json"):
            self._centi(raw)
            return
        pedido = elotech.documento(raw)
        if pedido is not None:
            self._elotech(pedido)
            return
        try:
            acao = self.headers.get("SOAPAction")
            chamada: soap.Chamada | envelope.Chamada | genexus.Chamada = (
                genexus.ler(raw, acao)
                or envelope.ler(raw, content_type, acao) or soap.ler(raw, content_type, acao))
        except soap.FalhaSoap as exc:
            self._fault(exc.soap, str(exc), exc.cliente)
            return
        recusa = credenciais.recusa(self.path, raw, sandbox.tokens, sandbox.usuarios,
                                    self.headers.get("Authorization"), sandbox.usuarios_http,
                                    sandbox.chaves_autorizacao)
        if recusa is not None:
            self._fault(chamada.soap, recusa, True)
            return
        cliente = self.caller_cert()

        def handle() -> bytes | soap.FalhaSoap:
            try:
                documento = sandbox.prefeitura.atender(chamada.operacao, chamada.cabecalho,
                                                       chamada.dados, cliente)
            except OperacaoIndisponivel as exc:
                return soap.FalhaSoap(str(exc), chamada.soap)
            if isinstance(chamada, genexus.Chamada):
                return chamada.resposta(documento)
            return envelope.resposta(chamada, documento)

        def deliver(answer: bytes | soap.FalhaSoap) -> None:
            if isinstance(answer, soap.FalhaSoap):
                self._fault(answer.soap, str(answer), answer.cliente)
            else:
                self._send(200, answer, soap.CONTENT_TYPES[chamada.soap])

        self._responder(chamada.operacao in MUTANTES, handle, deliver)

    def _elotech(self, pedido: etree._Element) -> None:
        """A call in EloTech's own layout: the document is the SOAP body."""
        sandbox: AbrasfSandbox = self.server.sandbox

        def deliver(answer: bytes) -> None:
            self._send(200, answer, soap.CONTENT_TYPES[soap.SOAP11])

        def handle() -> bytes:
            return sandbox.elotech.atender(pedido)

        self._responder(etree.QName(pedido).localname in elotech.MUTANTES, handle, deliver)

    def _rest(self, recurso: str, raw: bytes) -> None:
        """A PublicSoft call: the document is the body, the answer document the reply."""
        sandbox: AbrasfSandbox = self.server.sandbox
        xml = "application/xml; charset=utf-8"
        if recurso == rest.GERAR_TOKEN:
            self._send(200, sandbox.sessoes.gerar(self.headers), xml)
            return
        try:
            chamada = sandbox.sessoes.ler(recurso, self.headers, raw)
        except rest.Recusa as exc:
            self._send(exc.status, str(exc).encode(), "text/plain; charset=utf-8")
            return
        cliente = self.caller_cert()

        def handle() -> bytes:
            return sandbox.prefeitura.atender(chamada.operacao, chamada.cabecalho,
                                              chamada.dados, cliente)

        def deliver(answer: bytes) -> None:
            self._send(200, answer, xml)

        self._responder(chamada.operacao in MUTANTES, handle, deliver)

    def _centi(self, raw: bytes) -> None:
        """A call in Centi's dialect: JSON with the document and the company's login."""
        sandbox: AbrasfSandbox = self.server.sandbox
        try:
            pedido = centi.ler(raw, sandbox.usuarios_centi)
        except centi.ChamadaInvalida as exc:
            self._send(exc.status, json.dumps({"mensagem": str(exc)}).encode(),
                       "application/json")
            return

        def deliver(answer: bytes) -> None:
            self._send(200, answer, "application/xml; charset=utf-8")

        def handle() -> bytes:
            return sandbox.centi.atender(pedido)

        self._responder(etree.QName(pedido).localname in centi.MUTANTES, handle, deliver)

    def _responder(self, mutante: bool, handle: Callable[[], T],
                   deliver: Callable[[T], None]) -> None:
        """Answer a call: one that changes state goes through the fault injection."""
        if mutante:
            self.with_faults(handle, deliver, (b"\x00\x01 isto nao e XML", "text/xml"))
        else:
            deliver(handle())

    def _fault(self, versao: str, mensagem: str, cliente: bool) -> None:
        self._send(500, soap.falha(versao, mensagem, cliente), soap.CONTENT_TYPES[versao])


class AbrasfSandbox(HttpsSandbox):
    """A local ABRASF 2.0x municipality (SOAP over mutual TLS). State, CA and trust live in
    ``data_dir``; with ``xsd_dir`` (holding ``nfse_v2-04.xsd`` and the xmldsig schema, and
    ``nfse_v2-03.xsd``, ``nfse_v2-02.xsd``, ``nfse_v2-01.xsd`` for the older layouts) every
    request document is validated against its version's official schema, and a version
    whose schema is missing is refused."""

    handler = _Handler
    thread_name = "sandbox-abrasf"

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 xsd_dir: Path | None = None, fault_rates: dict[str, float] | None = None,
                 seed: int | None = None, slow_seconds: float = 1.0,
                 municipio: str | None = None, aliquota_padrao: Decimal = Decimal("2.00"),
                 latency: Latencia | None = None, tls: bool = True):
        super().__init__(data_dir, host, port, fault_rates=fault_rates, seed=seed,
                         slow_seconds=slow_seconds, latency=latency, tls=tls)
        self.xsd_dir = Path(xsd_dir) if xsd_dir is not None else None
        self.municipio = municipio
        """The IBGE code answered as OrgaoGerador; None: the service's municipality."""
        self.aliquota_padrao = aliquota_padrao
        self.tokens: set[str] = set()
        """Tributus keys (``?tokenAuth=``) accepted; empty: none asked."""
        self.usuarios: dict[str, str] = {}
        """WS-Security users and passwords accepted (Saatri); empty: none asked."""
        self.senhas_elotech: dict[str, str] = {}
        """EloTech requerentes (CNPJ → password) accepted; empty: any password."""
        self.usuarios_http: dict[str, str] = {}
        """HTTP Basic users and passwords accepted (IPM 2.04); empty: none asked."""
        self.chaves_autorizacao: set[str] = set()
        """ISSLegal keys (the ``Authorization`` header) accepted; empty: none asked."""
        self.tokens_publicsoft: dict[str, str] = {}
        """PublicSoft: codigoCidade → the prefeitura token that generates session tokens;
        empty: any."""
        self.sessoes = rest.Sessoes(lambda: self.tokens_publicsoft)
        self.usuarios_centi: dict[str, str] = {}
        """Centi portal users and passwords accepted; empty: any non-empty pair."""
        self.tokens_iibrasil: dict[str, str] = {}
        """iiBrasil: prestador CNPJ → the token its Integridade digests; a prestador without
        one may send any SHA-512."""

    @property
    def url(self) -> str:
        """The SOAP endpoint (every operation)."""
        return f"{self.scheme}://{self.host}:{self.port}{ENDPOINT}"

    def _open(self, identity: A1) -> None:
        self.estado = Estado(self.data_dir / "abrasf.db")
        self.prefeitura = PrefeituraNamespaces(self.estado, identity, self.trusted, self.xsd_dir,
                                     self.municipio, self.aliquota_padrao)
        self.prefeitura.sem_tls = not self.tls
        self.elotech = elotech.PrefeituraElotech(self.estado, self.xsd_dir, self.municipio,
                                                 lambda: self.senhas_elotech)
        self.centi = centi.PrefeituraCenti(self.estado, self.xsd_dir, self.municipio,
                                           self.prefeitura.confiavel)
        self.prefeitura.iibrasil = iibrasil.PrefeituraIiBrasil(
            self.estado, self.municipio, lambda: self.tokens_iibrasil)

    def _close(self) -> None:
        if getattr(self, "estado", None) is not None:
            self.estado.close()

    def emitidas(self) -> list[dict[str, Any]]:
        """Every note issued, in the state it has now (``xml`` is its ``CompNfse``)."""
        return [{
            "numero": nota["numero"], "codigo_verificacao": nota["codigo_verificacao"],
            "cnpj": nota["prestador"], "rps_numero": nota["rps_numero"],
            "rps_serie": nota["rps_serie"], "rps_tipo": nota["rps_tipo"],
            "status": nota["status"], "valor_servicos": nota["valor_servicos"],
            "data_emissao": nota["data_emissao"], "substituida_por": nota["substituida_por"],
            "xml": etree.tostring(self.prefeitura.comp_nfse(nota), encoding="unicode"),
        } for nota in self.estado.notas()]


def run_forever(data_dir: Path, host: str, port: int, trust_files: list[Path],
                fault_rates: dict[str, float] | None = None, seed: int | None = None,
                xsd_dir: Path | None = None, latency: Latencia | None = None) -> None:
    sandbox = AbrasfSandbox(data_dir, host, port, xsd_dir=xsd_dir, fault_rates=fault_rates,
                            seed=seed, latency=latency)
    sandbox.start()
    sandbox.serve_until_stopped(
        trust_files,
        f"Sandbox NFS-e ABRASF 2.0x (SOAP 1.1 e 1.2) em {sandbox.url}",
        f"CA do servidor: {sandbox.ca_file}",
        "Validação pelo esquema oficial: "
        + (f"{sandbox.xsd_dir} (leiautes {', '.join(sandbox.prefeitura.versoes())})"
           if sandbox.xsd_dir else "desligada (--xsd-dir liga)"),
        f"  curl --cacert {sandbox.ca_file} --cert cliente.pem --key chave.pem "
        f"-H 'Content-Type: text/xml; charset=utf-8' "
        f"-H 'SOAPAction: \"{soap.WS}/GerarNfse\"' --data @envelope.xml {sandbox.url}")
