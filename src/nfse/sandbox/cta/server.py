"""The HTTPS server of the CTA sandbox: ``/wsnfse/`` taking the ``multipart/form-data`` POSTs
whose one file is an ``RpsNfse`` (emission) or a ``CancelaNfse``; plus ``/_sandbox/emitidas``
and ``/_sandbox/faults`` for tests.

It reads what ACBr's CTA provider says the service reads (``CTA.Provider.pas``,
``CTA.GravarXml.pas``) with its own parser: the ``versao`` 2.00, the ``ChaveSeguranca``
recomputed from the CNPJ, the company's access key the test registers (``aceitar``) and the
``DataEmissao`` (SHA-256 in hex for the emission, SHA-1 for the cancellation, both Base64),
``Producao``, the groups of the ``Rps`` in order, ``Servico1`` to ``Servico5``, amounts with a
decimal point and 2 places adding up, the 60 characters of an item, one note per RPS number of
a CNPJ. It answers as ACBr reads (``Informacoes/Nfse``; ``GerarNfseResposta``; messages in
``ListadeErros/mensagem``; a refused key as plain text). CTA's messages are not published: the
sandbox's are its own. TLS asks no client certificate."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from nfse.sandbox.https import HttpsSandbox, SandboxHandler
from nfse.sandbox.ipm.server import documento_do_multipart
from nfse.xml import seguro

CAMINHO = "/wsnfse/"
TIPO = "text/xml; charset=UTF-8"
VALOR = re.compile(r"^\d+\.\d{2}$")
GRUPOS = ("IdentificacaoRps", "Servico1", "Servico2", "Servico3", "Servico4", "Servico5",
          "Valores", "Informacoes", "ValoresRetencoes", "Observacoes", "Tomador", "Endereco")
IDENTIFICACAO = ("Numero", "DataDeEmissao", "Competencia", "LocalDaPrestacao",
                 "LocalDoRecolhimento", "CodigoDaObra", "TipoDeTributacao")
PRESTADOR = ("DataEmissao", "Cnpj", "InscricaoEstadual", "InscricaoMunicipal",
             "OptanteSimplesNacional", "IncentivoFiscalImunidade")


@dataclass
class NotaSandbox:
    cnpj: str
    numero: int
    codigo: str
    rps: str
    documento: bytes
    justificativa: str | None = None


def _sha256_hex(cnpj: str, chave: str, data: str) -> str:
    """The emission's security key, computed here on its own."""
    texto = hashlib.sha256((cnpj + chave + data).encode()).hexdigest().lower()
    return base64.b64encode(texto.encode("ascii")).decode()


def _sha1(cnpj: str, chave: str, data: str) -> str:
    """The cancellation's security key."""
    return base64.b64encode(hashlib.sha1((cnpj + chave + data).encode()).digest()).decode()


def _nomes(element: etree._Element | None) -> list[str]:
    return [c.tag for c in element if isinstance(c.tag, str)] if element is not None else []


def _t(element: etree._Element | None, caminho: str) -> str:
    return (element.findtext(caminho) or "").strip() if element is not None else ""


def _xml(raiz: etree._Element) -> bytes:
    return etree.tostring(raiz, xml_declaration=True, encoding="UTF-8")


def _recusa(tag: str, mensagem: str, rps: str = "") -> bytes:
    raiz = etree.Element(tag)
    grupo = etree.SubElement(raiz, "Rps") if tag == "Informacoes" else raiz
    if rps:
        etree.SubElement(grupo, "NumeroRPS").text = rps
        etree.SubElement(grupo, "EstadoDoRPS").text = "Rejeitado"
    etree.SubElement(etree.SubElement(grupo, "ListadeErros"), "mensagem").text = mensagem
    return _xml(raiz)


def _problema_do_rps(rps: etree._Element) -> str | None:
    """Why CTA would refuse ``Rps`` (None: it takes it)."""
    if _nomes(rps) != list(GRUPOS):
        return "Grupos do Rps ausentes ou fora de ordem"
    identificacao = rps.find("IdentificacaoRps")
    if _nomes(identificacao) != list(IDENTIFICACAO):
        return "IdentificacaoRps incompleta ou fora de ordem"
    if not _t(identificacao, "Numero").isdigit():
        return "Número do RPS inválido"
    if _t(identificacao, "TipoDeTributacao") not in ("0", "1", "2", "3", "4", "5"):
        return "Tipo de tributação inválido"
    total = Decimal(0)
    for indice in range(1, 6):
        item = rps.find(f"Servico{indice}")
        if len(_t(item, "DescritivoDoItem")) > 60:
            return f"Descritivo do item {indice} com mais de 60 caracteres"
        for campo in ("ValorUnitarioDoItem", "ValorTotalDoItem"):
            if not VALOR.match(_t(item, campo)):
                return f"Valor inválido em Servico{indice}/{campo}"
        total += Decimal(_t(item, "ValorTotalDoItem"))
    for grupo in ("Valores", "ValoresRetencoes"):
        for campo in rps.find(grupo):
            if not VALOR.match((campo.text or "").strip()):
                return f"Valor inválido em {grupo}/{campo.tag}"
    if total <= 0 or Decimal(_t(rps, "Valores/ValorTotalDosServicos")) != total:
        return "Valor total dos serviços difere da soma dos itens"
    if len(_t(rps, "Observacoes")) > 190:
        return "Observações com mais de 190 caracteres"
    return None


class Prefeitura:
    """The sandbox's notes, one sequence per CNPJ."""

    def __init__(self, url: str, chaves: dict[str, str]) -> None:
        self.url = url
        self.chaves = chaves
        self.notas: list[NotaSandbox] = []
        self._lock = threading.Lock()

    def _autenticada(self, raiz: etree._Element, calcular: Any) -> str | None:
        """The CNPJ whose ``ChaveSeguranca`` checks out, else None."""
        cnpj, data = _t(raiz, "Prestador/Cnpj"), _t(raiz, "Prestador/DataEmissao")
        chave = self.chaves.get(cnpj)
        if chave is None or _t(raiz, "ChaveSeguranca") != calcular(cnpj, chave, data):
            return None
        return cnpj

    def emitir(self, raiz: etree._Element, documento: bytes) -> bytes:
        if raiz.get("versao") != "2.00" or _nomes(raiz) != ["ChaveSeguranca", "Producao",
                                                             "Prestador", "ListaRps"]:
            return _recusa("Informacoes", "Esperado RpsNfse versao 2.00 com ChaveSeguranca, "
                           "Producao, Prestador e ListaRps")
        cnpj = self._autenticada(raiz, _sha256_hex)
        if cnpj is None:
            return "Chave de segurança inválida".encode()
        if _nomes(raiz.find("Prestador")) != list(PRESTADOR) or \
                _t(raiz, "Producao") not in ("1", "2"):
            return _recusa("Informacoes", "Prestador incompleto ou Producao inválida")
        lista = raiz.findall("ListaRps/Rps")
        if len(lista) != 1:
            return _recusa("Informacoes", "Esperado um Rps em ListaRps")
        rps = lista[0]
        numero_rps = _t(rps, "IdentificacaoRps/Numero")
        problema = _problema_do_rps(rps)
        if problema:
            return _recusa("Informacoes", problema, numero_rps)
        with self._lock:
            if any(n.cnpj == cnpj and n.rps == numero_rps for n in self.notas):
                return _recusa("Informacoes", f"RPS {numero_rps} já utilizado", numero_rps)
            nota = NotaSandbox(cnpj, 1 + sum(1 for n in self.notas if n.cnpj == cnpj),
                               secrets.token_hex(4).upper(), numero_rps, documento)
            self.notas.append(nota)
        resposta = etree.Element("Informacoes")
        nfse = etree.SubElement(resposta, "Nfse")
        for tag, texto in (("NumeroNFSe", str(nota.numero)),
                           ("DataEmissaoNFSe", f"{datetime.now():%Y-%m-%d}"),
                           ("LinkNFSe", f"{self.url}nfse?numero={nota.numero}"),
                           ("CodigoVerificacao", nota.codigo)):
            etree.SubElement(nfse, tag).text = texto
        etree.SubElement(etree.SubElement(nfse, "IdentificacaoRps"), "Numero").text = \
            numero_rps
        return _xml(resposta)

    def cancelar(self, raiz: etree._Element) -> bytes:
        tag = "GerarNfseResposta"
        numero = _t(raiz, "Nfse/IdentificacaoNfse/Numero")
        if raiz.get("versao") != "2.00" or raiz.get("Id") != numero or \
                not _t(raiz, "Nfse/IdentificacaoNfse/Justificativa"):
            return _recusa(tag, "Esperado CancelaNfse versao 2.00, Id do número da nota e "
                           "justificativa")
        cnpj = self._autenticada(raiz, _sha1)
        if cnpj is None:
            return "Chave de segurança inválida".encode()
        with self._lock:
            nota = next((n for n in self.notas if n.cnpj == cnpj and str(n.numero) == numero),
                        None)
            if nota is None:
                return _recusa(tag, f"Nota {numero} não encontrada")
            if nota.justificativa is not None:
                return _recusa(tag, f"Nota {numero} já cancelada")
            nota.justificativa = _t(raiz, "Nfse/IdentificacaoNfse/Justificativa")
        resposta = etree.Element(tag)
        for campo, texto in (("numero_nfse", numero), ("serie_nfse", "1"),
                             ("situacao_codigo_nfse", "2"),
                             ("situacao_descricao_nfse", "Cancelada"),
                             ("cod_verificador_autenticidade", nota.codigo)):
            etree.SubElement(resposta, campo).text = texto
        return _xml(resposta)


class _Handler(SandboxHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.partes() == ["_sandbox", "emitidas"]:
            self.emitidas()
        else:
            self.nao_encontrado()

    def do_POST(self) -> None:  # noqa: N802
        sandbox: CtaSandbox = self.server.sandbox
        raw = self.read_body()
        if self.partes() == ["_sandbox", "faults"]:
            self.injetar(raw)
            return
        if self.path.split("?")[0] != CAMINHO:
            self.nao_encontrado()
            return
        documento = documento_do_multipart(self.headers.get("Content-Type") or "", raw)
        try:
            raiz = seguro.ler(documento) if documento else None
        except (etree.XMLSyntaxError, ValueError):
            raiz = None
        if raiz is None or raiz.tag not in ("RpsNfse", "CancelaNfse"):
            self._send(200, b"Arquivo XML invalido", "text/plain")
            return

        def handle() -> bytes:
            if raiz.tag == "CancelaNfse":
                return sandbox.prefeitura.cancelar(raiz)
            return sandbox.prefeitura.emitir(raiz, documento)

        def deliver(answer: bytes) -> None:
            self._send(200, answer, TIPO if answer.startswith(b"<?xml") else "text/plain")

        self.with_faults(handle, deliver, (b"<html>Erro</html>", "text/html"))


class CtaSandbox(HttpsSandbox):
    """A local CTA NFS-e service (``wsnfse/``)."""

    handler = _Handler
    thread_name = "sandbox-cta"
    exige_certificado = False

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 fault_rates: dict[str, float] | None = None, seed: int | None = None,
                 slow_seconds: float = 1.0):
        super().__init__(data_dir, host, port, fault_rates=fault_rates, seed=seed,
                         slow_seconds=slow_seconds)
        self.chaves: dict[str, str] = {}
        """CNPJ → the access key the Prefeitura gave the company."""

    def aceitar(self, cnpj: str, chave: str) -> None:
        """Give a company its access ``chave``."""
        self.chaves[cnpj] = chave

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}{CAMINHO}"

    def _open(self, identity: Any) -> None:
        self.prefeitura = Prefeitura(self.url, self.chaves)

    def emitidas(self) -> list[dict[str, Any]]:
        """Every note issued, in its present state."""
        return [{"cnpj": n.cnpj, "numero": str(n.numero), "codigo": n.codigo, "rps": n.rps,
                 "status": "cancelada" if n.justificativa is not None else "autorizada",
                 "justificativa": n.justificativa,
                 "xml": n.documento.decode("windows-1252", "replace")}
                for n in self.prefeitura.notas]
