"""The HTTPS server of the Giap sandbox: ``.../emitir_nfe`` (and ``simula_nfe``),
``.../consulta_nota`` and ``.../cancelar_nota`` under any prefix (as
``/ords/<cidade>/ws/nfe/``), each taking an XML document POSTed with the header
``Authorization: <inscrição municipal>-<chave de autorização>`` the test registers
(``aceitar``); plus ``/_sandbox/emitidas`` and ``/_sandbox/faults`` for tests.

It checks what ACBr's Giap provider says the service reads (``Giap.Provider.pas``,
``Giap.GravarXml.pas``): the ``<nfe><notaFiscal>`` sections in order, the ``dadosPrestador``
``im`` equal to the key's inscription, amounts with a decimal point; answers as ACBr reads
them (``notaFiscal`` with ``statusEmissao`` 200, ``numeroNota``, ``codigoVerificacao``,
``link``, ``numeroRps``; a refusal with another status and ``messages``). Giap's real error
codes and texts are not published: the sandbox's are its own. TLS asks no client
certificate (Giap authenticates by the key)."""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

from nfse.sandbox.https import HttpsSandbox, SandboxHandler
from nfse.xml import seguro

TIPO = "text/xml; charset=UTF-8"
CAMINHO = "/ords/sandbox/ws/nfe/simula_nfe"
SECOES = ["dadosPrestador", "dadosServico", "dadosTomador", "detalheServico"]
VALORES = ("cofins", "csll", "deducaoMaterial", "descontoIncondicional", "inss", "ir",
           "pisPasep", "item/aliquota", "item/valor")
DECIMAL = re.compile(r"^\d+\.\d{2}$")
ESTRUTURA = "400"
NAO_ENCONTRADA = "404"


@dataclass
class NotaSandbox:
    inscricao: str
    numero: int
    codigo: str
    rps: str
    documento: bytes
    motivo: str | None = None


def _resposta(elementos: dict[str, str]) -> bytes:
    root = etree.Element("nfeResposta")
    nota = etree.SubElement(root, "notaFiscal")
    for tag, valor in elementos.items():
        etree.SubElement(nota, tag).text = valor
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def recusa(status: str, texto: str) -> bytes:
    return _resposta({"statusEmissao": status, "messages": texto})


class Prefeitura:
    """The sandbox's notes, one sequence per inscription."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.notas: list[NotaSandbox] = []
        self._lock = threading.Lock()

    def emitir(self, documento: bytes, inscricao: str) -> bytes:
        try:
            root = seguro.ler(documento)
        except (etree.XMLSyntaxError, ValueError):
            return recusa(ESTRUTURA, "XML mal formado")
        nota = root.find("notaFiscal")
        if root.tag != "nfe" or nota is None or [c.tag for c in nota] != SECOES:
            return recusa(ESTRUTURA, "Estrutura inválida: esperado nfe/notaFiscal com "
                          + ", ".join(SECOES))
        if (nota.findtext("dadosPrestador/im") or "") != inscricao:
            return recusa("401", "Inscrição municipal diferente da autorização")
        detalhe = nota.find("detalheServico")
        for campo in VALORES:
            if not DECIMAL.match(detalhe.findtext(campo) or "" if detalhe is not None else ""):
                return recusa(ESTRUTURA, f"Valor inválido em {campo}")
        try:
            if Decimal(detalhe.findtext("item/valor") or "0") <= 0:  # type: ignore[union-attr]
                return recusa(ESTRUTURA, "Valor do serviço deve ser maior que zero")
        except InvalidOperation:
            return recusa(ESTRUTURA, "Valor do serviço inválido")
        rps = nota.findtext("dadosPrestador/numeroRps") or ""
        with self._lock:
            repetida = next((n for n in self.notas if n.inscricao == inscricao and n.rps == rps),
                            None)
            if repetida is not None:
                return recusa("409", f"RPS {rps} já convertido na nota {repetida.numero}")
            numero = 1 + sum(1 for n in self.notas if n.inscricao == inscricao)
            emitida = NotaSandbox(inscricao, numero, secrets.token_hex(4).upper(), rps,
                                  documento)
            self.notas.append(emitida)
        return _resposta({"statusEmissao": "200", "numeroNota": str(numero),
                          "codigoVerificacao": emitida.codigo, "numeroRps": rps,
                          "link": f"{self.url}?nota={numero}&amp=1"})

    def _nota(self, inscricao: str, numero: str) -> NotaSandbox | None:
        return next((n for n in self.notas if n.inscricao == inscricao
                     and str(n.numero) == numero), None)

    def consultar(self, documento: bytes, inscricao: str) -> bytes:
        root = seguro.ler(documento)
        codigo = root.findtext("codigoVerificacao") or ""
        with self._lock:
            nota = next((n for n in self.notas if n.inscricao == inscricao
                         and n.codigo == codigo), None)
        resposta = etree.Element("consultaResposta")
        etree.SubElement(resposta, "notaExiste").text = (
            "Não" if nota is None else "Cancelada" if nota.motivo else "Sim")
        if nota is not None:
            etree.SubElement(resposta, "numeroNota").text = str(nota.numero)
            etree.SubElement(resposta, "codVerificacao").text = nota.codigo
        return etree.tostring(resposta, xml_declaration=True, encoding="UTF-8")

    def cancelar(self, documento: bytes, inscricao: str) -> bytes:
        try:
            root = seguro.ler(documento)
        except (etree.XMLSyntaxError, ValueError):
            return recusa(ESTRUTURA, "XML mal formado")
        cancela = root.find("cancelaNota")
        if root.tag != "nfe" or cancela is None or \
                [c.tag for c in cancela] != ["codigoMotivo", "numeroNota"]:
            return recusa(ESTRUTURA, "Estrutura inválida: esperado nfe/cancelaNota com "
                          "codigoMotivo, numeroNota")
        numero = cancela.findtext("numeroNota") or ""
        motivo = cancela.findtext("codigoMotivo") or ""
        if not motivo:
            return recusa(ESTRUTURA, "Motivo do cancelamento não informado")
        with self._lock:
            nota = self._nota(inscricao, numero)
            if nota is None:
                return recusa(NAO_ENCONTRADA, f"Nota {numero} não encontrada")
            if nota.motivo:
                return recusa("409", f"Nota {numero} já cancelada")
            nota.motivo = motivo
        return _resposta({"statusEmissao": "200", "numeroNota": numero,
                          "numeroRps": nota.rps})


class _Handler(SandboxHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.partes() == ["_sandbox", "emitidas"]:
            self.emitidas()
        else:
            self.nao_encontrado()

    def do_POST(self) -> None:  # noqa: N802
        sandbox: GiapSandbox = self.server.sandbox
        raw = self.read_body()
        partes = self.partes()
        if partes == ["_sandbox", "faults"]:
            self.injetar(raw)
            return
        operacao = partes[-1]
        if operacao not in ("emitir_nfe", "simula_nfe", "consulta_nota", "cancelar_nota"):
            self.nao_encontrado()
            return
        inscricao, _, chave = (self.headers.get("Authorization") or "").partition("-")
        if not chave or sandbox.chaves.get(inscricao) != chave:
            self._send(sandbox.status_recusa, b"Chave de autorizacao invalida", "text/plain")
            return
        if operacao == "consulta_nota":
            self._send(200, sandbox.prefeitura.consultar(raw, inscricao), TIPO)
            return

        def handle() -> bytes:
            if operacao == "cancelar_nota":
                return sandbox.prefeitura.cancelar(raw, inscricao)
            return sandbox.prefeitura.emitir(raw, inscricao)

        def deliver(answer: bytes) -> None:
            self._send(200, answer, TIPO)

        self.with_faults(handle, deliver, (b"<html>Erro</html>", "text/html"))


class GiapSandbox(HttpsSandbox):
    """A local Giap NFS-e REST service (own layout)."""

    handler = _Handler
    thread_name = "sandbox-giap"
    exige_certificado = False

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 fault_rates: dict[str, float] | None = None, seed: int | None = None,
                 slow_seconds: float = 1.0):
        super().__init__(data_dir, host, port, fault_rates=fault_rates, seed=seed,
                         slow_seconds=slow_seconds)
        self.chaves: dict[str, str] = {}
        self.status_recusa = 401
        """The HTTP status of a wrong key (Giap's is not published)."""

    def aceitar(self, inscricao: str, chave: str) -> None:
        """Let the prestador of ``inscricao`` in with the authorisation ``chave``."""
        self.chaves[inscricao] = chave

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}{CAMINHO}"

    def _open(self, identity: Any) -> None:
        self.prefeitura = Prefeitura(self.url)

    def emitidas(self) -> list[dict[str, Any]]:
        """Every note issued, in its present state."""
        return [{"inscricao": n.inscricao, "numero": str(n.numero),
                 "codigo_verificacao": n.codigo, "rps": n.rps,
                 "status": "cancelada" if n.motivo else "autorizada",
                 "codigo_motivo": n.motivo, "xml": n.documento.decode("utf-8", "replace")}
                for n in self.prefeitura.notas]
