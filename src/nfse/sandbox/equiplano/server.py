"""The HTTPS server of the Equiplano sandbox: the SOAP 1.1 service ``.../services/Enfs`` with
``esRecepcionarLoteRps``, ``esConsultarSituacaoLoteRps``, ``esConsultarLoteRps``,
``esConsultarNfsePorRps`` and ``esCancelarNfse`` (the document as text in ``ser:xml``, the
answer as text in ``return``); plus ``/_sandbox/emitidas`` and ``/_sandbox/faults``.

It checks what Equiplano reads: the document against its schema, the enveloped signature of
the whole document by a trusted certificate of the prestador's CNPJ (the one the TLS
connection presented, as Equiplano asks the A1 there too), the ``idEntidade`` of the city it
plays (``entidade``); processes a lot when it arrives (a repeated RPS makes it a lot processed
with errors); answers with the schemas' structures (checked against them) or a
``mensagemRetorno``. Equiplano's real error codes and texts are not published: the sandbox's
(``E0xx``) are its own."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from cryptography import x509
from lxml import etree

from nfse.certs.a1 import document_of
from nfse.fuso import SAO_PAULO
from nfse.providers.abrasf.soap import SOAP11
from nfse.providers.equiplano.documentos import NS, conferir
from nfse.providers.equiplano.soap import NS_SERVICO
from nfse.sandbox.assinatura import AssinaturaIncorreta, ds, verificar_assinatura
from nfse.sandbox.https import HttpsSandbox, SandboxHandler
from nfse.xml import seguro

TIPO = "text/xml; charset=utf-8"
CAMINHO = "/homologacaows/services/Enfs"
ESTRUTURA = "E001"
ASSINATURA = "E002"
ENTIDADE = "E003"
RPS_REPETIDO = "E004"
RPS_NAO_ENCONTRADO = "E005"
NFSE_NAO_ENCONTRADA = "E006"
NFSE_CANCELADA = "E007"
PROTOCOLO_NAO_ENCONTRADO = "E008"
RESPOSTAS = {"esRecepcionarLoteRps": "enviarLoteRpsResposta",
             "esConsultarSituacaoLoteRps": "esConsultarSituacaoLoteRpsResposta",
             "esConsultarLoteRps": "esConsultarLoteRpsResposta",
             "esConsultarNfsePorRps": "esConsultarNfsePorRpsResposta",
             "esCancelarNfse": "esCancelarNfseResposta"}


def _agora() -> str:
    return datetime.now(SAO_PAULO).replace(microsecond=0, tzinfo=None).isoformat()


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = text
    return element


class Recusa(Exception):
    def __init__(self, codigo: str, mensagem: str):
        super().__init__(mensagem)
        self.codigo = codigo


@dataclass
class NotaSandbox:
    cnpj: str
    numero: int
    codigo: str
    rps: tuple[str, str]
    emissao: str
    documento: bytes
    cancelamento: str | None = None


@dataclass
class Lote:
    protocolo: int
    numero: str
    recebido: str
    nota: NotaSandbox | None = None
    erros: list[tuple[str, str]] = field(default_factory=list)


class Prefeitura:
    """The sandbox's lots and notes, one sequence of notes per prestador."""

    def __init__(self, entidade: str, confiavel: Any) -> None:
        self.entidade = entidade
        self.confiavel = confiavel
        self.notas: list[NotaSandbox] = []
        self.lotes: dict[int, Lote] = {}
        self._lock = threading.Lock()

    def atender(self, operacao: str, texto: str, chamador: x509.Certificate | None) -> bytes:
        resposta = etree.Element(f"{{{NS}}}{RESPOSTAS[operacao]}", nsmap={"es": NS})
        try:
            root = self._conferir(operacao, texto, chamador)
            getattr(self, "_" + operacao)(root, resposta)
        except Recusa as recusa:
            self._erros(resposta, [(recusa.codigo, str(recusa))])
        falhas = conferir(resposta)
        if falhas:  # the sandbox's own bug: it must never answer outside the schema
            raise RuntimeError(f"resposta fora do esquema: {falhas[:3]}")
        return etree.tostring(resposta, encoding="UTF-8")

    @staticmethod
    def _erros(resposta: etree._Element, erros: list[tuple[str, str]]) -> None:
        for child in list(resposta):
            resposta.remove(child)
        lista = _sub(_sub(resposta, "mensagemRetorno"), "listaErros")
        for codigo, mensagem in erros:
            erro = _sub(lista, "erro")
            _sub(erro, "cdMensagem", codigo)
            _sub(erro, "dsMensagem", mensagem[:200])

    def _conferir(self, operacao: str, texto: str,
                  chamador: x509.Certificate | None) -> etree._Element:
        try:
            root = seguro.ler(texto.encode("utf-8"))
        except (etree.XMLSyntaxError, ValueError) as exc:
            raise Recusa(ESTRUTURA, "XML mal formado") from exc
        envio = "enviarLoteRpsEnvio" if operacao == "esRecepcionarLoteRps" \
            else f"{operacao}Envio"
        if root.tag != f"{{{NS}}}{envio}":
            raise Recusa(ESTRUTURA, f"Esperado {envio} no namespace {NS}")
        falhas = conferir(root)
        if falhas:
            raise Recusa(ESTRUTURA, "Documento fora do esquema: " + "; ".join(falhas[:3]))
        cnpj = root.findtext("lote/prestador/nrCnpj") or root.findtext("prestador/cnpj") or ""
        try:
            assinante = verificar_assinatura(root.find(ds("Signature")), root)
        except AssinaturaIncorreta as exc:
            raise Recusa(ASSINATURA, f"Assinatura inválida: {exc}") from exc
        if not self.confiavel(assinante) or (document_of(assinante) or "")[:8] != cnpj[:8] \
                or (chamador is not None and chamador != assinante):
            raise Recusa(ASSINATURA, "Certificado da assinatura não pertence ao prestador")
        entidade = root.findtext("lote/prestador/idEntidade") \
            or root.findtext("prestador/idEntidade")
        if entidade != self.entidade:
            raise Recusa(ENTIDADE, f"Entidade {entidade} não atendida por este serviço")
        return root

    def _esRecepcionarLoteRps(self, root: etree._Element,  # noqa: N802
                              resposta: etree._Element) -> None:
        cnpj = root.findtext("lote/prestador/nrCnpj") or ""
        rps = root.find("lote/listaRps/rps")
        chave = (rps.findtext("nrRps") or "", rps.findtext("nrEmissorRps") or "")
        with self._lock:
            lote = Lote(1000 + len(self.lotes), root.findtext("lote/nrLote") or "", _agora())
            self.lotes[lote.protocolo] = lote
            if any(n.cnpj == cnpj and n.rps == chave for n in self.notas):
                lote.erros.append((RPS_REPETIDO, f"RPS {chave[0]} já convertido em NFS-e"))
            else:
                lote.nota = NotaSandbox(
                    cnpj, 1 + sum(1 for n in self.notas if n.cnpj == cnpj),
                    f"{len(self.notas) + 1:04d}{lote.protocolo:06d}ABCD", chave, _agora(),
                    etree.tostring(rps))
                self.notas.append(lote.nota)
        protocolo = _sub(resposta, "protocolo")
        _sub(protocolo, "nrLote", lote.numero)
        _sub(protocolo, "dtRecebimento", lote.recebido)
        _sub(protocolo, "nrProtocolo", str(lote.protocolo))

    def _lote(self, root: etree._Element) -> Lote:
        lote = self.lotes.get(int(root.findtext("nrProtocolo") or 0))
        if lote is None or (lote.nota and lote.nota.cnpj != root.findtext("prestador/cnpj")):
            raise Recusa(PROTOCOLO_NAO_ENCONTRADO, "Protocolo não encontrado")
        return lote

    def _esConsultarSituacaoLoteRps(self, root: etree._Element,  # noqa: N802
                                    resposta: etree._Element) -> None:
        lote = self._lote(root)
        _sub(resposta, "nrLoteRps", lote.numero)
        _sub(resposta, "stLote", "2" if lote.erros else "3")

    def _esConsultarLoteRps(self, root: etree._Element,  # noqa: N802
                            resposta: etree._Element) -> None:
        lote = self._lote(root)
        if lote.nota is None:
            raise Recusa(*lote.erros[0])
        nfse = _sub(_sub(resposta, "listaNfse"), "nfse")
        dados = _sub(nfse, "nfse")
        _sub(dados, "nrNfs", str(lote.nota.numero))
        _sub(dados, "cdAutenticacao", lote.nota.codigo)
        _sub(dados, "dtEmissaoNfs", lote.nota.emissao)
        _sub(dados, "nrRps", lote.nota.rps[0])
        _sub(dados, "nrEmissorRps", lote.nota.rps[1])

    def _esConsultarNfsePorRps(self, root: etree._Element,  # noqa: N802
                               resposta: etree._Element) -> None:
        chave = (root.findtext("rps/nrRps") or "", root.findtext("rps/nrEmissorRps") or "")
        cnpj = root.findtext("prestador/cnpj")
        with self._lock:
            nota = next((n for n in self.notas if n.cnpj == cnpj and n.rps == chave), None)
        if nota is None:
            raise Recusa(RPS_NAO_ENCONTRADO, f"RPS {chave[0]} não encontrado")
        nfse = _sub(resposta, "nfse")
        _sub(nfse, "nrNfse", str(nota.numero))
        _sub(nfse, "cdAutenticacao", nota.codigo)
        _sub(nfse, "nrRps", nota.rps[0])
        _sub(nfse, "nrEmissorRps", nota.rps[1])

    def _esCancelarNfse(self, root: etree._Element,  # noqa: N802
                        resposta: etree._Element) -> None:
        numero, cnpj = root.findtext("nrNfse"), root.findtext("prestador/cnpj")
        with self._lock:
            nota = next((n for n in self.notas if n.cnpj == cnpj and str(n.numero) == numero),
                        None)
            if nota is None:
                raise Recusa(NFSE_NAO_ENCONTRADA, f"NFS-e {numero} não encontrada")
            if nota.cancelamento:
                raise Recusa(NFSE_CANCELADA, f"NFS-e {numero} já cancelada")
            nota.cancelamento = root.findtext("dsMotivoCancelamento") or ""
        _sub(resposta, "sucesso", "true")
        _sub(resposta, "dtCancelamento", _agora())


def _envelope(operacao: str, documento: bytes) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="{SOAP11}">'
            f'<soapenv:Body><ns:{operacao}Response xmlns:ns="{NS_SERVICO}"><ns:return>'
            f"{escape(documento.decode('utf-8'))}</ns:return></ns:{operacao}Response>"
            "</soapenv:Body></soapenv:Envelope>").encode()


def _falha(mensagem: str) -> bytes:
    return (f'<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Body><soapenv:Fault>'
            f"<faultcode>soapenv:Client</faultcode><faultstring>{escape(mensagem)}"
            "</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>").encode()


class _Handler(SandboxHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.partes() == ["_sandbox", "emitidas"]:
            self.emitidas()
        else:
            self.nao_encontrado()

    def do_POST(self) -> None:  # noqa: N802
        sandbox: EquiplanoSandbox = self.server.sandbox
        raw = self.read_body()
        if self.partes() == ["_sandbox", "faults"]:
            self.injetar(raw)
            return
        if self.partes()[-2:] != ["services", "Enfs"]:
            self.nao_encontrado()
            return
        try:
            body = seguro.ler(raw).find(f"{{{SOAP11}}}Body")
            pedido = body[0] if body is not None and len(body) else None
        except (etree.XMLSyntaxError, ValueError):
            pedido = None
        operacao = etree.QName(pedido).localname if pedido is not None else ""
        acao = (self.headers.get("SOAPAction") or "").strip('"')
        if operacao not in RESPOSTAS or etree.QName(pedido).namespace != NS_SERVICO \
                or acao != f"urn:{operacao}":
            self._send(500, _falha("Operação desconhecida"), TIPO)
            return
        texto = pedido.findtext(f"{{{NS_SERVICO}}}xml") or ""
        chamador = self.caller_cert()

        def handle() -> bytes:
            return _envelope(operacao, sandbox.prefeitura.atender(operacao, texto, chamador))

        if operacao not in ("esRecepcionarLoteRps", "esCancelarNfse"):
            self._send(200, handle(), TIPO)
            return
        self.with_faults(handle, lambda answer: self._send(200, answer, TIPO),
                         (b"<html>Erro</html>", "text/html"))


class EquiplanoSandbox(HttpsSandbox):
    """A local Equiplano e-NFS service playing the city of ``entidade``."""

    handler = _Handler
    thread_name = "sandbox-equiplano"

    def __init__(self, data_dir: Path, entidade: str, host: str = "127.0.0.1", port: int = 0,
                 fault_rates: dict[str, float] | None = None, seed: int | None = None,
                 slow_seconds: float = 1.0):
        super().__init__(data_dir, host, port, fault_rates=fault_rates, seed=seed,
                         slow_seconds=slow_seconds)
        self.entidade = entidade

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}{CAMINHO}"

    def _open(self, identity: Any) -> None:
        self.prefeitura = Prefeitura(self.entidade, self.trusted)

    def emitidas(self) -> list[dict[str, Any]]:
        """Every note issued, in its present state."""
        return [{"cnpj": n.cnpj, "numero": str(n.numero), "codigo_verificacao": n.codigo,
                 "rps": n.rps[0], "status": "cancelada" if n.cancelamento else "autorizada",
                 "motivo": n.cancelamento, "xml": n.documento.decode("utf-8", "replace")}
                for n in self.prefeitura.notas]
