"""The HTTPS server of the ABRASF 1.0 sandbox: mutual TLS, one SOAP endpoint at
``/ServiceGinfesImpl`` for every operation (ISSSalvador: one per operation under ``/rps/``),
plus ``/_sandbox/emitidas`` and ``/_sandbox/faults`` for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from nfse.certs.a1 import A1
from nfse.sandbox.abrasf1 import issintel, issnet, salvador, soap, speedgov, tiplan, webiss
from nfse.sandbox.abrasf1.estado import Estado
from nfse.sandbox.abrasf1.prefeitura import ESQUEMAS, MUTANTES, OperacaoIndisponivel, Prefeitura
from nfse.sandbox.faults import Latencia
from nfse.sandbox.https import HttpsSandbox, SandboxHandler

ENDPOINT = "/ServiceGinfesImpl"
FORTALEZA = "ISSFortaleza"
SALVADOR = "ISSSalvador"
WEBISS = "WebISS"
PUBLICA = "Publica"
TIPLAN = "Tiplan"
SPEEDGOV = "SpeedGov"
ISSINTEL = "ISSIntel"
ISSNET = "ISSNet"
NAMESPACES_FORTALEZA = ("http://producao.issfortaleza.com.br",
                        "http://homologacao.issfortaleza.com.br")
"""ISSFortaleza's operation namespaces (ACBr ``ISSFortaleza.Provider.pas``, ``GetNameSpace``)."""


def fora_do_dialeto(chamada: soap.Chamada, sistema: str | None, caminho: str = ENDPOINT,
                    acao: str | None = None) -> str | None:
    """Why a call does not follow ``sistema``'s way, or None. ISSFortaleza: arguments named
    after the documents, its own namespace, the v02 cancellation; ISSSalvador: its .NET
    services, each at its own path with its SOAPAction; Ginfes: ``arg0``/``arg1``; None (the
    demo's): any of them. WebISS: its WCF operations with their SOAPAction."""
    if sistema is None:
        return None
    if sistema == FORTALEZA:
        if chamada.estilo != "documento":
            return ("ISSFortaleza recebe os argumentos Cabecalho e com o nome do documento "
                    "(EnviarLoteRpsEnvio...), não arg0/arg1")
        if chamada.namespace not in NAMESPACES_FORTALEZA:
            return (f"Namespace da operação {chamada.namespace!r} desconhecido; use "
                    + " ou ".join(NAMESPACES_FORTALEZA))
        if chamada.operacao == "CancelarNfseV3":
            return "ISSFortaleza cancela com CancelarNfse (leiaute v02), não CancelarNfseV3"
    elif sistema == SALVADOR:
        if chamada.estilo != "tempuri":
            return ("ISSSalvador recebe as operações .NET de http://tempuri.org/ "
                    "(EnviarLoteRPS/loteXML...)")
        if caminho != salvador.caminho(chamada.operacao):
            return (f"{chamada.operacao} é atendida em {salvador.caminho(chamada.operacao)}, "
                    f"não em {caminho}")
        if (acao or "").strip('"') != salvador.acao(chamada.operacao):
            return f"SOAPAction {acao!r} não corresponde a {chamada.operacao}"
    elif sistema == WEBISS:
        if chamada.estilo != "wcf":
            return ("O WebISS 1.00 recebe as operações WCF de http://tempuri.org/ com cabec e "
                    "msg")
        if (acao or "").strip('"') != webiss.acao(chamada.operacao):
            return f"SOAPAction {acao!r} não corresponde a {chamada.operacao}"
    elif sistema == TIPLAN:
        if chamada.estilo != "inputxml":
            return ("A Tiplan 1.0 recebe as operações <Operação>Request de http://www.nfe.com.br/"
                    " com o documento em inputXML")
        if (acao or "").strip('"') != tiplan.acao(chamada.operacao):
            return f"SOAPAction {acao!r} não corresponde a {chamada.operacao}"
    elif sistema == ISSINTEL:
        if chamada.estilo != "urn":
            return "O ISSIntel recebe o documento como elementos dentro da operação"
        if not chamada.namespace.startswith("http://") or \
                not chamada.namespace.endswith(caminho.rstrip("/")):
            return (f"Namespace da operação {chamada.namespace!r} não é o endereço do serviço "
                    "com http://")
        if (acao or "").strip('"') != issintel.acao(chamada.namespace, chamada.operacao):
            return f"SOAPAction {acao!r} não corresponde a {chamada.operacao}"
    elif sistema == ISSNET:
        if chamada.estilo != "xml":
            return ("O ISSNet 1.0 recebe as operações de http://www.issnetonline.com.br/"
                    "webservice/nfd com o documento em xml")
        if (acao or "").strip('"') != issnet.acao(chamada.operacao):
            return f"SOAPAction {acao!r} não corresponde a {chamada.operacao}"
    elif sistema == PUBLICA:
        if chamada.estilo != "publica":
            return ("A Publica recebe as operações de http://service.nfse.integracao.ws.publica/ "
                    "com o documento em XML")
    elif sistema == SPEEDGOV:
        if chamada.estilo != "speedgov":
            return (f"A SpeedGov recebe as operações de {speedgov.SERVICO} com header e "
                    "parameters")
        if (acao or "").strip('"'):
            return f"SOAPAction {acao!r}: a SpeedGov espera a SOAPAction vazia"
    elif chamada.estilo != "arg":
        return "O Ginfes recebe os argumentos arg0 (cabecalho) e arg1 (documento)"
    return None


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
        elif parts == [ENDPOINT.strip("/")] or (parts[:1] == ["rps"] and len(parts) == 3) \
                or (self.server.sandbox.sistema is None and parts[:1] != ["_sandbox"]):
            self._soap(raw)
        else:
            self.nao_encontrado()

    def _soap(self, raw: bytes) -> None:
        sandbox: Abrasf1Sandbox = self.server.sandbox
        try:
            chamada = soap.ler(raw)
        except soap.FalhaSoap as exc:
            self._send(500, soap.falha(exc.soap, str(exc), exc.cliente), soap.CONTENT_TYPE)
            return
        caminho = "/" + "/".join(self.partes())
        motivo = fora_do_dialeto(chamada, sandbox.sistema, caminho, self.headers.get("SOAPAction"))
        if motivo:
            self._send(500, soap.falha(soap.SOAP11, motivo, True), soap.CONTENT_TYPE)
            return
        cliente = self.caller_cert()

        def handle() -> bytes | soap.FalhaSoap:
            try:
                documento = sandbox.prefeitura.atender(
                    chamada.interna, chamada.cabecalho, chamada.dados, cliente,
                    {"tempuri": "salvador", "wcf": "abrasf_nfse",
                     "publica": "publica", "inputxml": "tiplan",
                     "speedgov": "speedgov", "urn": "issintel", "xml": "issnet"}.get(chamada.estilo,
                                                           "ginfes_v03"))
            except OperacaoIndisponivel as exc:
                return soap.FalhaSoap(str(exc))
            return soap.resposta(chamada, documento)

        def deliver(answer: bytes | soap.FalhaSoap) -> None:
            if isinstance(answer, soap.FalhaSoap):
                self._send(500, soap.falha(answer.soap, str(answer), answer.cliente),
                           soap.CONTENT_TYPE)
            else:
                self._send(200, answer, soap.CONTENT_TYPE)

        if chamada.interna in MUTANTES:
            self.with_faults(handle, deliver, (b"\x00\x01 isto nao e XML", "text/xml"))
        else:
            deliver(handle())


class Abrasf1Sandbox(HttpsSandbox):
    """A local Ginfes (ABRASF 1.0, schemas v03) over mutual TLS. Every request document is
    validated against the shipped schemas and every answer too; lots are processed after
    ``consultas_pendentes`` situation queries and ``atraso`` seconds. ``sistema`` = ``"Ginfes"``,
    ``"ISSFortaleza"``, ``"ISSSalvador"``, ``"WebISS"``, ``"Publica"`` or ``"SpeedGov"``
    (``tls=False``: plain http, as SpeedGov's) takes only that system's way
    (``fora_do_dialeto``); None, any (the demo serves every system with one sandbox)."""

    handler = _Handler
    thread_name = "sandbox-abrasf1"

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 xsd_dir: Path = ESQUEMAS, fault_rates: dict[str, float] | None = None,
                 seed: int | None = None, slow_seconds: float = 1.0,
                 municipio: str | None = None, consultas_pendentes: int = 1,
                 atraso: float = 0.0, latency: Latencia | None = None,
                 sistema: str | None = None, tls: bool = True):
        super().__init__(data_dir, host, port, fault_rates=fault_rates, seed=seed,
                         slow_seconds=slow_seconds, latency=latency, tls=tls)
        self.xsd_dir = Path(xsd_dir)
        self.municipio = municipio
        self.consultas_pendentes = consultas_pendentes
        self.atraso = atraso
        self.sistema = sistema

    @property
    def url(self) -> str:
        """The address a profile names: the one endpoint, or ISSSalvador's lot service (the
        others beside it)."""
        caminho = salvador.caminho("EnviarLoteRPS") if self.sistema == SALVADOR else ENDPOINT
        return f"{self.scheme}://{self.host}:{self.port}{caminho}"

    def _open(self, identity: A1) -> None:
        self.estado = Estado(self.data_dir / "abrasf1.db")
        self.prefeitura = Prefeitura(self.estado, identity, self.trusted, self.xsd_dir,
                                     self.municipio, consultas_pendentes=self.consultas_pendentes,
                                     atraso=self.atraso)
        self.prefeitura.sem_tls = not self.tls

    def _close(self) -> None:
        if getattr(self, "estado", None) is not None:
            self.estado.close()

    def pendencia(self, consultas_pendentes: int, atraso: float = 0.0) -> None:
        """From now on, lots wait ``consultas_pendentes`` situation queries and ``atraso``
        seconds before they are processed."""
        self.prefeitura.consultas_pendentes = consultas_pendentes
        self.prefeitura.atraso = atraso

    def emitidas(self) -> list[dict[str, Any]]:
        """Every note issued, as it is now (``xml`` is its ``CompNfse``)."""
        ns = "http://www.ginfes.com.br/servico_consultar_nfse_resposta_v03.xsd"
        return [{
            "numero": nota["numero"], "codigo_verificacao": nota["codigo_verificacao"],
            "cnpj": nota["prestador"], "rps_numero": nota["rps_numero"],
            "rps_serie": nota["rps_serie"], "protocolo": nota["protocolo"],
            "status": "cancelada" if nota["cancelamento"] else "autorizada",
            "valor_servicos": nota["valor_servicos"], "data_emissao": nota["data_emissao"],
            "xml": etree.tostring(self.prefeitura.comp_nfse(nota, ns), encoding="unicode"),
        } for nota in self.estado.notas()]

    def lotes(self) -> list[dict[str, Any]]:
        """Every lot received, with its situation and how often it was asked."""
        return self.estado.lotes()
