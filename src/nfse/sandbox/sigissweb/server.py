"""The HTTPS server of the SigISSWeb sandbox: ``POST /rest/login`` (JSON ``login``/``senha``
of a user the test registers with ``aceitar``; answers the token in ``descricao``), and with
``Authorization: Bearer <token>``: ``POST /rest/nfes`` (the ``<notafiscal>``),
``GET /rest/nfes/pegaxml/<rps>/serierps/<série>``, ``GET
/rest/nfes/cancela/<número>/serie/<série>/motivo/<motivo>``; plus ``/_sandbox/emitidas`` and
``/_sandbox/faults`` for tests.

It checks what ACBr's SigISSWeb provider says the service reads (``SigISSWeb.GravarXml.pas``):
the ``notafiscal`` fields in their order, the prestador's document equal to the login,
amounts with a decimal comma; and answers as ACBr reads (the note as a ``notafiscal`` with
``codigo``, ``numero_nf``, ``serie``; refusals as ``erro`` with ``codigo`` and
``descricao``). SigISSWeb's real codes and texts are not published: these are the
sandbox's. TLS asks no client certificate."""

from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lxml import etree

from nfse.sandbox.https import HttpsSandbox, SandboxHandler
from nfse.xml import seguro

TIPO = "text/xml; charset=UTF-8"
SERIE_NFSE = "E"
CAMPOS = ["cnpj_cpf_prestador", "exterior_dest", "cnpj_cpf_destinatario",
          "pessoa_destinatario", "ie_destinatario", "im_destinatario",
          "razao_social_destinatario", "endereco_destinatario", "numero_ende_destinatario",
          "complemento_ende_destinatario", "bairro_destinatario", "cep_destinatario",
          "cidade_destinatario", "uf_destinatario", "pais_destinatario"]
"""The fields that open the document, in order (``fone_destinatario`` may follow)."""
VALORES = ("valor_nf", "deducao", "valor_servico", "aliq_iss", "valor_iss")
DECIMAL = re.compile(r"^\d+,\d{2}$")
NAO_ENCONTRADO = "404"


def erro(codigo: str, descricao: str) -> bytes:
    root = etree.Element("retorno")
    item = etree.SubElement(etree.SubElement(root, "erros"), "erro")
    etree.SubElement(item, "codigo").text = codigo
    etree.SubElement(item, "descricao").text = descricao
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass
class NotaSandbox:
    prestador: str
    numero: int
    codigo: str
    rps: str
    serie_rps: str
    documento: etree._Element
    motivo: str | None = None

    def xml(self) -> bytes:
        root = etree.fromstring(etree.tostring(self.documento))
        for tag, valor in (("numero_nf", str(self.numero)), ("serie", SERIE_NFSE),
                           ("codigo", self.codigo)):
            etree.SubElement(root, tag).text = valor
        cancelada = root.find("cancelada")
        if cancelada is not None:
            cancelada.text = "S" if self.motivo else "N"
        if self.motivo:
            etree.SubElement(root, "motivo_canc").text = self.motivo
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


class Prefeitura:
    def __init__(self) -> None:
        self.notas: list[NotaSandbox] = []
        self._lock = threading.Lock()

    def emitir(self, corpo: bytes, prestador: str) -> bytes:
        try:
            root = seguro.ler(corpo)
        except (etree.XMLSyntaxError, ValueError):
            return erro("400", "XML mal formado")
        if root.tag != "notafiscal" or [c.tag for c in root][:len(CAMPOS)] != CAMPOS:
            return erro("400", "Estrutura inválida: esperado notafiscal com "
                        + ", ".join(CAMPOS))
        if root.findtext("cnpj_cpf_prestador") != prestador:
            return erro("403", "Prestador diferente do usuário autenticado")
        for campo in VALORES:
            if not DECIMAL.match(root.findtext(campo) or ""):
                return erro("400", f"Valor inválido em {campo}")
        rps, serie = root.findtext("rps") or "", root.findtext("serie_rps") or ""
        with self._lock:
            repetida = self._por_rps(prestador, rps, serie)
            if repetida is not None:
                return erro("409", f"RPS {rps} já convertido na nota {repetida.numero}")
            numero = 1 + sum(1 for n in self.notas if n.prestador == prestador)
            nota = NotaSandbox(prestador, numero, secrets.token_hex(3).upper(), rps, serie,
                               root)
            self.notas.append(nota)
        return nota.xml()

    def _por_rps(self, prestador: str, rps: str, serie: str) -> NotaSandbox | None:
        return next((n for n in self.notas if n.prestador == prestador and n.rps == rps
                     and n.serie_rps == serie), None)

    def consultar(self, prestador: str, rps: str, serie: str) -> bytes:
        with self._lock:
            nota = self._por_rps(prestador, rps, serie)
            if nota is None:
                return erro(NAO_ENCONTRADO, f"RPS {rps} série {serie} não encontrado")
            return nota.xml()

    def cancelar(self, prestador: str, numero: str, serie: str, motivo: str) -> bytes:
        if not motivo.strip():
            return erro("400", "Motivo do cancelamento não informado")
        with self._lock:
            nota = next((n for n in self.notas if n.prestador == prestador
                         and str(n.numero) == numero), None)
            if nota is None or serie != SERIE_NFSE:
                return erro(NAO_ENCONTRADO, f"Nota {numero} série {serie} não encontrada")
            if nota.motivo:
                return erro("409", f"Nota {numero} já cancelada")
            nota.motivo = motivo
        root = etree.Element("retorno")
        etree.SubElement(root, "protocolo").text = secrets.token_hex(6)
        etree.SubElement(root, "codigoStatus").text = "200"
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


class _Handler(SandboxHandler):
    def _sessao(self) -> str | None:
        sandbox: SigisswebSandbox = self.server.sandbox
        return sandbox.tokens.get(self.headers.get("Authorization") or "")

    def do_GET(self) -> None:  # noqa: N802
        sandbox: SigisswebSandbox = self.server.sandbox
        partes = self.partes()
        if partes == ["_sandbox", "emitidas"]:
            self.emitidas()
            return
        prestador = self._sessao()
        if partes[:3] == ["rest", "nfes", "pegaxml"] and len(partes) == 6:
            if prestador is None:
                self._send(401, b"Token invalido", "text/plain")
                return
            self._send(200, sandbox.prefeitura.consultar(prestador, partes[3],
                                                         unquote(partes[5])), TIPO)
            return
        if partes[:3] == ["rest", "nfes", "cancela"] and len(partes) == 8:
            if prestador is None:
                self._send(401, b"Token invalido", "text/plain")
                return
            self.with_faults(
                lambda: sandbox.prefeitura.cancelar(prestador, partes[3], unquote(partes[5]),
                                                    unquote(partes[7])),
                lambda answer: self._send(200, answer, TIPO),
                (b"<html>Erro</html>", "text/html"))
            return
        self.nao_encontrado()

    def do_POST(self) -> None:  # noqa: N802
        sandbox: SigisswebSandbox = self.server.sandbox
        raw = self.read_body()
        partes = self.partes()
        if partes == ["_sandbox", "faults"]:
            self.injetar(raw)
            return
        if partes == ["rest", "login"]:
            try:
                pedido = json.loads(raw)
                login, senha = str(pedido["login"]), str(pedido["senha"])
            except (ValueError, KeyError, TypeError):
                self._send(200, erro("400", "Login inválido"), TIPO)
                return
            if sandbox.usuarios.get(login) != senha:
                self._send(sandbox.status_recusa, erro("401", "Usuário ou senha inválidos"),
                           TIPO)
                return
            token = f"Bearer {secrets.token_hex(16)}"
            sandbox.tokens[token] = login
            body = f"<retorno><descricao>{token}</descricao></retorno>".encode()
            self._send(200, body, TIPO)
            return
        if partes == ["rest", "nfes"]:
            prestador = self._sessao()
            if prestador is None:
                self._send(401, b"Token invalido", "text/plain")
                return
            self.with_faults(lambda: sandbox.prefeitura.emitir(raw, prestador),
                             lambda answer: self._send(200, answer, TIPO),
                             (b"<html>Erro</html>", "text/html"))
            return
        self.nao_encontrado()


class SigisswebSandbox(HttpsSandbox):
    """A local SigISSWeb NFS-e REST service (own layout)."""

    handler = _Handler
    thread_name = "sandbox-sigissweb"
    exige_certificado = False

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 fault_rates: dict[str, float] | None = None, seed: int | None = None,
                 slow_seconds: float = 1.0):
        super().__init__(data_dir, host, port, fault_rates=fault_rates, seed=seed,
                         slow_seconds=slow_seconds)
        self.usuarios: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.status_recusa = 401
        """The HTTP status of a refused login (SigISSWeb's is not published)."""

    def aceitar(self, login: str, senha: str) -> None:
        self.usuarios[login] = senha

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}/"

    def _open(self, identity: Any) -> None:
        self.prefeitura = Prefeitura()

    def emitidas(self) -> list[dict[str, Any]]:
        return [{"prestador": n.prestador, "numero": str(n.numero), "codigo_verificacao":
                 n.codigo, "rps": n.rps, "serie_rps": n.serie_rps,
                 "status": "cancelada" if n.motivo else "autorizada",
                 "motivo_cancelamento": n.motivo, "xml": n.xml().decode()}
                for n in self.prefeitura.notas]
