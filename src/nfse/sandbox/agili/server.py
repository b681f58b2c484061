"""The HTTPS server of the Agili sandbox: ``POST .../api/GerarNfse``, ``.../api/
ConsultarNfseRps`` and ``.../api/CancelarNfse`` under any prefix, each taking the document of
Agili's schema (``nfse_v_1.00.xsd``); plus ``/_sandbox/emitidas`` and ``/_sandbox/faults`` for
tests.

It checks what Agili reads: the document against the schema, the ``UnidadeGestora`` (the
Prefeitura's CNPJ it plays, ``unidade``), the ``ChaveDigital`` registered for the
prestador's CNPJ (``aceitar``); assigns numbers per prestador and a 32-character
``CodigoAutenticidade``; refuses an RPS already converted; answers with the schema's
structures (``GerarNfseResposta`` with the ``Nfse``, ``ConsultarNfseRpsResposta``,
``CancelarNfseResposta`` with the ``PedidoCancelamento`` back) or a ``ListaMensagemRetorno``.
Agili's real error codes and texts are not published: the sandbox's (``A0xx``) are its own.
TLS asks no client certificate (Agili names the company by its key)."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.providers.agili.documentos import ESQUEMA, NS, VERSAO
from nfse.sandbox.https import HttpsSandbox, SandboxHandler
from nfse.xml import seguro
from nfse.xml.validate import validate

TIPO = "application/xml; charset=UTF-8"
CAMINHO = "/api/EnviarLoteRps"
ESTRUTURA = "A001"
UNIDADE = "A002"
CHAVE = "A003"
RPS_CONVERTIDO = "A004"
RPS_NAO_ENCONTRADO = "A005"
NFSE_NAO_ENCONTRADA = "A006"
NFSE_CANCELADA = "A007"
EMITIDA, CANCELADA = "-8", "-2"


def _q(caminho: str) -> str:
    return "/".join(f"{{{NS}}}{parte}" for parte in caminho.split("/"))


@dataclass
class NotaSandbox:
    cnpj: str
    numero: int
    codigo: str
    rps: tuple[str, str]
    emissao: datetime
    declaracao: bytes
    municipio: str
    cancelamento: str | None = None


class Recusa(Exception):
    def __init__(self, codigo: str, mensagem: str):
        super().__init__(mensagem)
        self.codigo = codigo


class _No:
    def __init__(self, element: etree._Element):
        self.element = element

    def filho(self, tag: str, text: str | None = None) -> _No:
        child = etree.SubElement(self.element, f"{{{NS}}}{tag}")
        child.text = text
        return _No(child)


class Prefeitura:
    """The sandbox's notes, one sequence per prestador."""

    def __init__(self, unidade: str, chaves: dict[str, str]) -> None:
        self.unidade = unidade
        self.chaves = chaves
        self.notas: list[NotaSandbox] = []
        self._lock = threading.Lock()

    def responder(self, operacao: str, documento: bytes) -> bytes:
        resposta = _No(etree.Element(_q(f"{operacao}Resposta"), nsmap={None: NS}))
        resposta.filho("UnidadeGestora", self.unidade)
        try:
            root = self._conferir(operacao, documento)
            getattr(self, operacao)(root, resposta)
        except Recusa as recusa:
            for child in list(resposta.element)[1:]:
                resposta.element.remove(child)
            mensagem = resposta.filho("ListaMensagemRetorno").filho("MensagemRetorno")
            mensagem.filho("Codigo", recusa.codigo)
            mensagem.filho("Mensagem", str(recusa)[:2000])
            mensagem.filho("Versao", VERSAO)
        return etree.tostring(resposta.element, xml_declaration=True, encoding="UTF-8")

    def _conferir(self, operacao: str, documento: bytes) -> etree._Element:
        try:
            root = seguro.ler(documento)
        except (etree.XMLSyntaxError, ValueError) as exc:
            raise Recusa(ESTRUTURA, "XML mal formado") from exc
        if root.tag != _q(f"{operacao}Envio"):
            raise Recusa(ESTRUTURA, f"Esperado {operacao}Envio no namespace {NS}")
        falhas = validate(root, ESQUEMA)
        if falhas:
            raise Recusa(ESTRUTURA, "Documento fora do esquema: " + "; ".join(falhas[:3]))
        if root.findtext(_q("UnidadeGestora")) != self.unidade:
            raise Recusa(UNIDADE, "Unidade gestora não atendida por este serviço")
        prestador = next(root.iter(_q("IdentificacaoPrestador")))
        if self.chaves.get(self._cnpj(root)) != prestador.findtext(_q("ChaveDigital")):
            raise Recusa(CHAVE, "Chave digital inválida para o prestador")
        return root

    @staticmethod
    def _cnpj(root: etree._Element) -> str:
        prestador = next(root.iter(_q("IdentificacaoPrestador")))
        return next(t for t in prestador.find(_q("CpfCnpj")).itertext() if t.strip())

    @staticmethod
    def _rps(node: etree._Element) -> tuple[str, str]:
        return (node.findtext(_q("Numero")) or "", node.findtext(_q("Serie")) or "")

    def GerarNfse(self, root: etree._Element, resposta: _No) -> None:  # noqa: N802
        declaracao = root.find(_q("DeclaracaoPrestacaoServico"))
        cnpj = self._cnpj(root)
        rps = self._rps(declaracao.find(_q("Rps/IdentificacaoRps")))
        with self._lock:
            if any(n.cnpj == cnpj and n.rps == rps for n in self.notas):
                raise Recusa(RPS_CONVERTIDO, f"RPS {rps[0]} série {rps[1]} já convertido")
            nota = NotaSandbox(cnpj, 1 + sum(1 for n in self.notas if n.cnpj == cnpj),
                               secrets.token_hex(16).upper(), rps,
                               datetime.now(SAO_PAULO).replace(microsecond=0),
                               etree.tostring(declaracao),
                               declaracao.findtext(_q("MunicipioIncidencia/"
                                                      "CodigoMunicipioIBGE")) or "")
            self.notas.append(nota)
        self._nfse(resposta, nota)

    def ConsultarNfseRps(self, root: etree._Element, resposta: _No) -> None:  # noqa: N802
        cnpj, rps = self._cnpj(root), self._rps(root.find(_q("IdentificacaoRps")))
        with self._lock:
            nota = next((n for n in self.notas if n.cnpj == cnpj and n.rps == rps), None)
        if nota is None:
            raise Recusa(RPS_NAO_ENCONTRADO, f"RPS {rps[0]} série {rps[1]} não encontrado")
        self._nfse(resposta, nota)

    def CancelarNfse(self, root: etree._Element, resposta: _No) -> None:  # noqa: N802
        pedido = root.find(_q("PedidoCancelamento"))
        numero = pedido.findtext(_q("IdentificacaoNfse/Numero"))
        cnpj = self._cnpj(root)
        with self._lock:
            nota = next((n for n in self.notas if n.cnpj == cnpj and str(n.numero) == numero),
                        None)
            if nota is None:
                raise Recusa(NFSE_NAO_ENCONTRADA, f"NFS-e {numero} não encontrada")
            if nota.cancelamento:
                raise Recusa(NFSE_CANCELADA, f"NFS-e {numero} já cancelada")
            nota.cancelamento = pedido.findtext(_q("CodigoCancelamento"))
        resposta.element.append(pedido)
        resposta.filho("DataHora", datetime.now(SAO_PAULO).replace(microsecond=0)
                       .isoformat())
        resposta.filho("ProtocoloRequerimentoCancelamento", secrets.token_hex(8))

    def _nfse(self, resposta: _No, nota: NotaSandbox) -> None:
        nfse = resposta.filho("Nfse")
        nfse.filho("Numero", str(nota.numero))
        nfse.filho("CodigoAutenticidade", nota.codigo)
        nfse.filho("DataEmissao", nota.emissao.isoformat())
        nfse.filho("SituacaoNfse").filho("Codigo",
                                         CANCELADA if nota.cancelamento else EMITIDA)
        orgao = nfse.filho("IdentificacaoOrgaoGerador").filho("Municipio")
        orgao.filho("CodigoMunicipioIBGE", nota.municipio)
        prestador = nfse.filho("DadosPrestador")
        prestador.filho("RazaoSocial", f"Prestador {nota.cnpj}")
        endereco = prestador.filho("Endereco")
        endereco.filho("TipoLogradouro", "Rua")
        endereco.filho("Logradouro", "Endereço do cadastro municipal")
        endereco.filho("Municipio").filho("CodigoMunicipioIBGE", nota.municipio)
        endereco.filho("Pais").filho("CodigoPaisBacen", "1058")
        endereco.filho("Cep", "78700000")
        nfse.element.append(etree.fromstring(nota.declaracao))


class _Handler(SandboxHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.partes() == ["_sandbox", "emitidas"]:
            self.emitidas()
        else:
            self.nao_encontrado()

    def do_POST(self) -> None:  # noqa: N802
        sandbox: AgiliSandbox = self.server.sandbox
        raw = self.read_body()
        partes = self.partes()
        if partes == ["_sandbox", "faults"]:
            self.injetar(raw)
            return
        operacao = partes[-1]
        if len(partes) < 2 or partes[-2] != "api" or operacao not in (
                "GerarNfse", "ConsultarNfseRps", "CancelarNfse"):
            self.nao_encontrado()
            return
        if operacao == "ConsultarNfseRps":
            self._send(200, sandbox.prefeitura.responder(operacao, raw), TIPO)
            return
        self.with_faults(lambda: sandbox.prefeitura.responder(operacao, raw),
                         lambda answer: self._send(200, answer, TIPO),
                         (b"<html>Erro</html>", "text/html"))


class AgiliSandbox(HttpsSandbox):
    """A local Agili NFS-e service (own layout) playing the Prefeitura of ``unidade``."""

    handler = _Handler
    thread_name = "sandbox-agili"
    exige_certificado = False

    def __init__(self, data_dir: Path, unidade: str, host: str = "127.0.0.1", port: int = 0,
                 fault_rates: dict[str, float] | None = None, seed: int | None = None,
                 slow_seconds: float = 1.0):
        super().__init__(data_dir, host, port, fault_rates=fault_rates, seed=seed,
                         slow_seconds=slow_seconds)
        self.unidade = unidade
        self.chaves: dict[str, str] = {}

    def aceitar(self, cnpj: str, chave: str) -> None:
        """Let the prestador of ``cnpj`` in with the digital ``chave``."""
        self.chaves[cnpj] = chave

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}{CAMINHO}"

    def _open(self, identity: Any) -> None:
        self.prefeitura = Prefeitura(self.unidade, self.chaves)

    def emitidas(self) -> list[dict[str, Any]]:
        """Every note issued, in its present state."""
        return [{"cnpj": n.cnpj, "numero": str(n.numero), "codigo_verificacao": n.codigo,
                 "rps": n.rps[0], "serie": n.rps[1],
                 "status": "cancelada" if n.cancelamento else "autorizada",
                 "codigo_cancelamento": n.cancelamento,
                 "xml": n.declaracao.decode("utf-8", "replace")}
                for n in self.prefeitura.notas]
