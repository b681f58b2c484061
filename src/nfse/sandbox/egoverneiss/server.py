"""The HTTPS server of the eGoverneISS sandbox: ``.../NotaFiscalEletronica.svc`` taking the
SOAP 1.1 calls ``RTC_EmitirNFE``, ``RTC_ConsultarNFE`` and ``Cancelar`` (the ``SOAPAction``
must name the body's operation, as WCF dispatches by it), each with the company's access key
``ChaveAutenticacao`` the test registers (``aceitar``); plus ``/_sandbox/emitidas`` and
``/_sandbox/faults`` for tests.

It reads what ACBr's eGoverneISS provider says the service reads (``eGoverneISS.GravarXml.pas``,
``eGoverneISS.Provider.pas``, commit 7be4dac) with its own parser: the DataContract namespaces
(``...Mensagem`` for the request's members, ``...Prestador`` for the note's,
``...Contribuinte`` for the tomador's), the note's members in order, amounts with a decimal
point, booleans ``true``/``false``, one note per ``NumeroRecibo`` of a key. It answers as ACBr
reads (``<Operação>Result`` with ``Erro``, ``MensagemErro``, ``NotaFiscalGerada`` or
``NotasGeradas``). eGoverneISS's own messages are not published: the sandbox's are its own.
A wrong key is refused in the answer (``Erro`` true), or with ``status_recusa`` when a test sets
one. TLS asks no client certificate (eGoverneISS authenticates by the key)."""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

from nfse.sandbox.https import HttpsSandbox, SandboxHandler
from nfse.xml import seguro

CAMINHO = "/EissnfeWebServices/NotaFiscalEletronica.svc"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
TEMPURI = "http://tempuri.org/"
ACAO = "http://tempuri.org/INotaFiscalEletronicaServico/"
_DC = "http://schemas.datacontract.org/2004/07/"
MSG = _DC + "Eissnfe.Negocio.WebServices.Mensagem"
DTO = _DC + "Eissnfe.Dominio.DataTransferObject.Prestador"
PESSOA = _DC + "Eissnfe.Dominio.DataTransferObject.Contribuinte"
TIPO = "text/xml; charset=utf-8"

ORDEM = ("Aliquota", "Atividade", "ChaveAutenticacao", "CodObra", "DataRecibo", "EqptoRecibo",
         "Homologacao", "InformacoesAdicionais", "NotaSubstituida", "NotificarTomadorPorEmail",
         "NumeroCDC", "NumeroCei", "NumeroRecibo", "SimplesNacional", "SubstituicaoTributaria",
         "BairroPrestacaoServico", "CEPPrestacaoServico", "CidadePrestacaoServico",
         "CodigoCidadeIBGEPrestacaoServico", "EnderecoPrestacaoServico",
         "EstadoPrestacaoServico", "NumeroPrestacaoServico", "PaisPrestacaoServico",
         "SemIncidenciaISS", "Tomador", "TomadorEstrangeiro", "Valor", "ValorCSLL",
         "ValorCOFINS", "ValorDeducao", "ValorINSS", "ValorIR", "ValorOutrosImpostos",
         "ValorPisPasep", "ValorRepasse", "ClassTrib", "CodigoNBS", "IdLocalIncidencia",
         "IndOperacao")
"""The members of ``NotaFiscal_RTC`` in the order the service reads them."""
OBRIGATORIOS = ("Aliquota", "Atividade", "ChaveAutenticacao", "Homologacao",
                "NotificarTomadorPorEmail", "SubstituicaoTributaria", "Valor", "ValorDeducao",
                "IndOperacao")
BOOLEANOS = ("Homologacao", "NotificarTomadorPorEmail", "SimplesNacional",
             "SubstituicaoTributaria", "SemIncidenciaISS", "TomadorEstrangeiro")
DECIMAL = re.compile(r"^\d+\.\d{2}$")
ALIQUOTA = re.compile(r"^\d+\.\d{4}$")


@dataclass
class NotaSandbox:
    chave: str
    numero: int
    autenticador: str
    recibo: str
    documento: bytes
    emitida_em: datetime
    motivo: str | None = None


def _resultado(operacao: str, erro: str | None, filhos: list[etree._Element] = ()) -> bytes:
    """``<operacao>Response/<operacao>Result`` with ``Erro``, ``MensagemErro`` and
    ``filhos``."""
    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"s": SOAP11})
    body = etree.SubElement(envelope, f"{{{SOAP11}}}Body")
    resposta = etree.SubElement(body, f"{{{TEMPURI}}}{operacao}Response",
                                nsmap={None: TEMPURI})
    result = etree.SubElement(resposta, f"{{{TEMPURI}}}{operacao}Result",
                              nsmap={"a": MSG, "b": DTO,
                                     "i": "http://www.w3.org/2001/XMLSchema-instance"})
    etree.SubElement(result, f"{{{MSG}}}Erro").text = "true" if erro else "false"
    etree.SubElement(result, f"{{{MSG}}}MensagemErro").text = erro or ""
    for filho in filhos:
        result.append(filho)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _falha(codigo: str, texto: str) -> bytes:
    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"s": SOAP11})
    fault = etree.SubElement(etree.SubElement(envelope, f"{{{SOAP11}}}Body"),
                             f"{{{SOAP11}}}Fault")
    etree.SubElement(fault, "faultcode").text = f"s:{codigo}"
    etree.SubElement(fault, "faultstring").text = texto
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _membro(pai: etree._Element, tag: str, texto: str) -> None:
    etree.SubElement(pai, f"{{{DTO}}}{tag}").text = texto


def _texto(elemento: etree._Element | None, ns: str, tag: str) -> str:
    return (elemento.findtext(f"{{{ns}}}{tag}") or "").strip() if elemento is not None else ""


def _problema_da_nota(nota: etree._Element) -> str | None:
    """Why the service would not read ``NotaFiscal_RTC`` (None: it reads it)."""
    nomes = []
    for filho in nota:
        if not isinstance(filho.tag, str):
            continue
        qname = etree.QName(filho)
        if qname.namespace != DTO:
            return f"Membro {qname.localname} fora do namespace {DTO}"
        nomes.append(qname.localname)
    desconhecidos = [n for n in nomes if n not in ORDEM]
    if desconhecidos:
        return "Membros desconhecidos: " + ", ".join(desconhecidos)
    if nomes != sorted(nomes, key=ORDEM.index) or len(set(nomes)) != len(nomes):
        return "Membros fora de ordem ou repetidos em NotaFiscal_RTC"
    faltam = [n for n in OBRIGATORIOS if n not in nomes]
    if faltam:
        return "Campos obrigatórios ausentes: " + ", ".join(faltam)
    for campo in BOOLEANOS:
        if campo in nomes and _texto(nota, DTO, campo) not in ("true", "false"):
            return f"Valor booleano inválido em {campo}"
    for campo in ("Valor", "ValorDeducao", "ValorCSLL", "ValorCOFINS", "ValorINSS", "ValorIR",
                  "ValorOutrosImpostos", "ValorPisPasep"):
        if campo in nomes and not DECIMAL.match(_texto(nota, DTO, campo)):
            return f"Valor inválido em {campo}"
    if not ALIQUOTA.match(_texto(nota, DTO, "Aliquota")):
        return "Alíquota inválida"
    try:
        if Decimal(_texto(nota, DTO, "Valor")) <= 0:
            return "Valor da nota deve ser maior que zero"
    except InvalidOperation:
        return "Valor da nota inválido"
    if not _texto(nota, DTO, "NumeroRecibo").isdigit():
        return "Número do recibo inválido"
    tomador = nota.find(f"{{{DTO}}}Tomador")
    if tomador is not None:
        if any(etree.QName(c).namespace != PESSOA for c in tomador.iter()
               if isinstance(c.tag, str) and c is not tomador):
            return f"Tomador fora do namespace {PESSOA}"
        if not (_texto(tomador, PESSOA, "CNPJ") or _texto(tomador, PESSOA, "CPF")):
            return "Tomador sem CPF/CNPJ"
    return None


class Prefeitura:
    """The sandbox's notes, one sequence per access key."""

    def __init__(self, url: str, chaves: dict[str, str]) -> None:
        self.url = url
        self.chaves = chaves
        self.notas: list[NotaSandbox] = []
        self._lock = threading.Lock()

    def _nota(self, chave: str, numero: str) -> NotaSandbox | None:
        return next((n for n in self.notas if n.chave == chave and str(n.numero) == numero),
                    None)

    def emitir(self, request: etree._Element, documento: bytes) -> bytes:
        operacao = "RTC_EmitirNFE"
        nota = request.find(f"{{{MSG}}}NotaFiscal_RTC")
        if nota is None or len(request) != 1:
            return _resultado(operacao, "Esperado request com um NotaFiscal_RTC")
        chave = _texto(nota, DTO, "ChaveAutenticacao")
        if chave not in self.chaves:
            return _resultado(operacao, "Chave de autenticação inválida")
        problema = _problema_da_nota(nota)
        if problema:
            return _resultado(operacao, problema)
        recibo = _texto(nota, DTO, "NumeroRecibo")
        with self._lock:
            repetida = next((n for n in self.notas if n.chave == chave and n.recibo == recibo),
                            None)
            if repetida is not None:
                return _resultado(operacao, f"Recibo {recibo} já utilizado na nota "
                                  f"{repetida.numero}")
            numero = 1 + sum(1 for n in self.notas if n.chave == chave)
            emitida = NotaSandbox(chave, numero, secrets.token_hex(5).upper(), recibo,
                                  documento, datetime.now())
            self.notas.append(emitida)
        gerada = etree.Element(f"{{{MSG}}}NotaFiscalGerada")
        _membro(gerada, "Autenticador", emitida.autenticador)
        _membro(gerada, "Link", f"{self.url}?numero={numero}&autenticador="
                f"{emitida.autenticador}")
        _membro(gerada, "Numero", str(numero))
        return _resultado(operacao, None, [gerada])

    def consultar(self, request: etree._Element) -> bytes:
        operacao = "RTC_ConsultarNFE"
        chave = _texto(request, MSG, "ChaveAutenticacao")
        if chave not in self.chaves:
            return _resultado(operacao, "Chave de autenticação inválida")
        recibo = _texto(request, MSG, "NumeroReciboUnico")
        if not recibo.isdigit():
            return _resultado(operacao, "Informe o número do recibo")
        with self._lock:
            achadas = [n for n in self.notas if n.chave == chave and n.recibo == recibo]
        lista = etree.Element(f"{{{MSG}}}NotasGeradas")
        for nota in achadas:
            item = etree.SubElement(lista, f"{{{DTO}}}NotaFiscalConsultaDTO")
            _membro(item, "CodigoAutenticidade", nota.autenticador)
            _membro(item, "DataCancelamento", nota.emitida_em.isoformat() if nota.motivo
                    else "")
            _membro(item, "DataEmissao", nota.emitida_em.isoformat())
            _membro(item, "LinkNFE", f"{self.url}?numero={nota.numero}")
            _membro(item, "Numero", str(nota.numero))
            _membro(item, "NumeroRecibo", nota.recibo)
        return _resultado(operacao, None, [lista])

    def cancelar(self, request: etree._Element) -> bytes:
        operacao = "Cancelar"
        nomes = [etree.QName(c).localname for c in request if isinstance(c.tag, str)]
        if nomes != ["ChaveAutenticacao", "Homologacao", "Motivo", "NumeroNota"] or any(
                etree.QName(c).namespace != MSG for c in request if isinstance(c.tag, str)):
            return _resultado(operacao, "Esperado ChaveAutenticacao, Homologacao, Motivo e "
                              "NumeroNota")
        chave = _texto(request, MSG, "ChaveAutenticacao")
        if chave not in self.chaves:
            return _resultado(operacao, "Chave de autenticação inválida")
        if _texto(request, MSG, "Homologacao") not in ("true", "false"):
            return _resultado(operacao, "Valor booleano inválido em Homologacao")
        numero = _texto(request, MSG, "NumeroNota")
        with self._lock:
            nota = self._nota(chave, numero)
            if nota is None:
                return _resultado(operacao, f"Nota {numero} não encontrada")
            if nota.motivo is not None:
                return _resultado(operacao, f"Nota {numero} já cancelada")
            nota.motivo = _texto(request, MSG, "Motivo")
        return _resultado(operacao, None)


class _Handler(SandboxHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.partes() == ["_sandbox", "emitidas"]:
            self.emitidas()
        else:
            self.nao_encontrado()

    def do_POST(self) -> None:  # noqa: N802
        sandbox: EgoverneissSandbox = self.server.sandbox
        raw = self.read_body()
        if self.partes() == ["_sandbox", "faults"]:
            self.injetar(raw)
            return
        if self.path.split("?")[0] != CAMINHO:
            self.nao_encontrado()
            return
        try:
            envelope = seguro.ler(raw)
        except (etree.XMLSyntaxError, ValueError):
            self._send(400, _falha("Client", "XML mal formado"), TIPO)
            return
        chamada = envelope.find(f"{{{SOAP11}}}Body/*")
        request = chamada.find(f"{{{TEMPURI}}}request") if chamada is not None else None
        operacao = etree.QName(chamada).localname if chamada is not None else ""
        acao = (self.headers.get("SOAPAction") or "").strip('"')
        if request is None or etree.QName(chamada).namespace != TEMPURI \
                or acao != ACAO + operacao:
            self._send(500, _falha("Client", f"Ação {acao!r} não corresponde à mensagem"),
                       TIPO)
            return
        if sandbox.status_recusa is not None:
            self._send(sandbox.status_recusa, b"Chave de acesso recusada", "text/plain")
            return
        if operacao == "RTC_ConsultarNFE":
            self._send(200, sandbox.prefeitura.consultar(request), TIPO)
            return
        if operacao not in ("RTC_EmitirNFE", "Cancelar"):
            self._send(500, _falha("Client", f"Operação {operacao} não suportada"), TIPO)
            return

        def handle() -> bytes:
            if operacao == "Cancelar":
                return sandbox.prefeitura.cancelar(request)
            return sandbox.prefeitura.emitir(request, raw)

        def deliver(answer: bytes) -> None:
            self._send(200, answer, TIPO)

        self.with_faults(handle, deliver, (b"<html>Erro</html>", "text/html"))


class EgoverneissSandbox(HttpsSandbox):
    """A local eGoverneISS NFS-e service (Osasco's WCF SOAP)."""

    handler = _Handler
    thread_name = "sandbox-egoverneiss"
    exige_certificado = False

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 fault_rates: dict[str, float] | None = None, seed: int | None = None,
                 slow_seconds: float = 1.0):
        super().__init__(data_dir, host, port, fault_rates=fault_rates, seed=seed,
                         slow_seconds=slow_seconds)
        self.chaves: dict[str, str] = {}
        """Access key → the company's name, as the Prefeitura issued them."""
        self.status_recusa: int | None = None
        """An HTTP status every call is refused with (a test of a refused key); None: keys
        are checked in the answer."""

    def aceitar(self, chave: str, empresa: str = "") -> None:
        """Issue the access ``chave`` to a company."""
        self.chaves[chave] = empresa

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}{CAMINHO}"

    def _open(self, identity: Any) -> None:
        self.prefeitura = Prefeitura(self.url, self.chaves)

    def emitidas(self) -> list[dict[str, Any]]:
        """Every note issued, in its present state."""
        return [{"chave": n.chave, "numero": str(n.numero), "autenticador": n.autenticador,
                 "recibo": n.recibo, "status": "cancelada" if n.motivo is not None
                 else "autorizada", "motivo": n.motivo,
                 "xml": n.documento.decode("utf-8", "replace")}
                for n in self.prefeitura.notas]
