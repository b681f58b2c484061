"""The HTTPS server of the Conam sandbox: Conam's GeneXus SOAP service at any path ending in
``aws_nfe.aspx`` (as ``/sp.<cidade>/webservice/aws_nfe.aspx``), with the operations
``PROCESSARPS``, ``CONSULTAPROTOCOLO``, ``CONSULTANOTASPROTOCOLO`` and
``CANCELANOTAELETRONICA``; plus ``/_sandbox/emitidas`` and ``/_sandbox/faults`` for tests.

What it checks is what ACBr's Conam provider writes (``Conam.Provider.pas``,
``Conam.GravarXml.pas``): the SOAPAction and the operation element ``ws_nfe.<OPERAÇÃO>`` in
the namespace ``NFe``; the ``Login`` (``CodigoUsuario``/``CodigoContribuinte`` the test
registers with ``aceitar``) and the lot's ``CPFCNPJ`` equal to the contributor's; the order
of ``SDTRPS`` and of each ``Reg20Item``; ``Versao`` 4.00; amounts with a decimal comma; the
Simples fields when ``TipoTrib`` is 4; and, when the lot is processed, the ``Reg90`` counts and
totals against the records. It answers as ACBr reads it: ``Protocolo`` and
``Messages/Message`` (``Id``, ``Description``); ``PrtXSts`` 1–5; the notes in
``XML_Notas/Reg20/Reg20Item`` with ``NumNf``, ``SerNf``, ``CodVernf``, ``SitNf``... Conam's
real message ids and texts are not published: the sandbox's are its own. The lot is processed
when its situation is first asked after ``consultas_em_processamento`` questions (0: at the
first). TLS asks no client certificate (Conam authenticates by the login)."""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.sandbox.https import HttpsSandbox, SandboxHandler
from nfse.xml import seguro

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
NFE = "NFe"
TIPO = "text/xml; charset=utf-8"
CAMINHO = "/sp.sandbox/webservice/aws_nfe.aspx"
OPERACOES = {"PROCESSARPS": ("Sdt_processarpsin", "Sdt_processarpsout"),
             "CONSULTAPROTOCOLO": ("Sdt_consultaprotocoloin", "Sdt_consultaprotocoloout"),
             "CONSULTANOTASPROTOCOLO": ("Sdt_consultanotasprotocoloin",
                                        "Sdt_consultanotasprotocoloout"),
             "CANCELANOTAELETRONICA": ("Sdt_cancelanfe", "Sdt_retornocancelanfe")}
SDTRPS = ["Ano", "Mes", "CPFCNPJ", "DTIni", "DTFin", "TipoTrib", "Versao", "Reg20", "Reg90"]
SIMPLES = ["DtAdeSN", "AlqIssSN_IP", "RegApTribSN", "TribTpSusp", "TribProcSusp"]
REG20 = ["TipoNFS", "NumRps", "SerRps", "DtEmi", "RetFonte", "CodSrv", "DiscrSrv", "VlNFS",
         "VlDed", "DiscrDed", "VlBasCalc", "AlqIss", "VlIss", "VlIssRet", "CpfCnpTom",
         "RazSocTom", "TipoLogtom", "LogTom", "NumEndTom", "ComplEndTom", "BairroTom",
         "MunTom", "SiglaUFTom", "CepTom", "Telefone", "InscricaoMunicipal"]
VALORES = ("VlNFS", "VlDed", "VlBasCalc", "AlqIss", "VlIss", "VlIssRet")
REG90 = ["QtdRegNormal", "ValorNFS", "ValorISS", "ValorDed", "ValorIssRetTom", "QtdReg30",
         "ValorTributos", "QtdReg40", "QtdReg50"]
DECIMAL = re.compile(r"^\d+,\d{2}$")
DATA = re.compile(r"^\d{2}/\d{2}/\d{4}$")
LOGIN = "L01"
ESTRUTURA = "E01"
CONTEUDO = "E02"
TOTAIS = "E03"
DUPLICADO = "E04"
PROTOCOLO = "E05"
NAO_ENCONTRADA = "E06"
JA_CANCELADA = "E07"


@dataclass
class NotaSandbox:
    contribuinte: str
    numero: int
    serie: str
    codigo: str
    rps: str
    serie_rps: str
    item: bytes
    valor: Decimal
    motivo: str | None = None


@dataclass
class Lote:
    contribuinte: str
    protocolo: str
    sdtrps: bytes
    consultas: int = 0
    situacao: str = "1"
    erros: list[tuple[str, str]] = field(default_factory=list)
    notas: list[NotaSandbox] = field(default_factory=list)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _nomes(element: etree._Element) -> list[str]:
    return [_local(c) for c in element if isinstance(c.tag, str)]


def _decimal(texto: str | None) -> Decimal:
    return Decimal((texto or "0").replace(",", "."))


def _virgula(valor: Decimal) -> str:
    return f"{valor:.2f}".replace(".", ",")


class Recusa(Exception):
    def __init__(self, codigo: str, descricao: str):
        super().__init__(descricao)
        self.codigo = codigo
        self.descricao = descricao


def _mensagens(saida: etree._Element, mensagens: list[tuple[str, str]]) -> None:
    lista = etree.SubElement(saida, "Messages")
    for codigo, descricao in mensagens:
        mensagem = etree.SubElement(lista, "Message")
        etree.SubElement(mensagem, "Id").text = codigo
        etree.SubElement(mensagem, "Description").text = descricao


def envelope(operacao: str, saida: etree._Element) -> bytes:
    """A GeneXus answer: ``ws_nfe.<OPERAÇÃO>Response`` in the namespace NFe with the output
    document."""
    root = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"SOAP-ENV": SOAP11})
    body = etree.SubElement(root, f"{{{SOAP11}}}Body")
    resposta = etree.SubElement(body, f"{{{NFE}}}ws_nfe.{operacao}Response", nsmap={None: NFE})
    for element in saida.iter():
        if isinstance(element.tag, str) and etree.QName(element).namespace is None:
            element.tag = f"{{{NFE}}}{element.tag}"
    resposta.append(saida)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


class Prefeitura:
    """The sandbox's lots and notes, one sequence of notes per contributor."""

    def __init__(self) -> None:
        self.logins: dict[tuple[str, str], str] = {}
        """(CodigoUsuario, CodigoContribuinte) → the contributor's CPF/CNPJ."""
        self.lotes: dict[str, Lote] = {}
        self.notas: list[NotaSandbox] = []
        self.consultas_em_processamento = 0
        self._lock = threading.Lock()

    def _login(self, documento: etree._Element) -> tuple[str, str]:
        """(CodigoContribuinte, CPF/CNPJ) of the document's login, or ``Recusa``."""
        login = next((c for c in documento if _local(c) == "Login"), None)
        if login is None:
            raise Recusa(LOGIN, "Login não informado")
        usuario = login.findtext("CodigoUsuario") or ""
        contribuinte = login.findtext("CodigoContribuinte") or ""
        cpfcnpj = self.logins.get((usuario, contribuinte))
        if cpfcnpj is None:
            raise Recusa(LOGIN, "Usuário ou contribuinte inválido")
        return contribuinte, cpfcnpj

    def processar(self, documento: etree._Element) -> etree._Element:
        saida = etree.Element("Sdt_processarpsout")
        try:
            contribuinte, cpfcnpj = self._login(documento)
            sdtrps = documento.find("SDTRPS")
            if sdtrps is None:
                raise Recusa(ESTRUTURA, "SDTRPS não informado")
            self._estrutura(sdtrps, cpfcnpj)
        except Recusa as recusa:
            _mensagens(saida, [(recusa.codigo, recusa.descricao)])
            return saida
        with self._lock:
            protocolo = str(100000 + len(self.lotes) + 1)
            self.lotes[protocolo] = Lote(contribuinte, protocolo, etree.tostring(sdtrps))
        etree.SubElement(saida, "Protocolo").text = protocolo
        _mensagens(saida, [("Arquivo Aceito", f"Lote recebido com o protocolo {protocolo}")])
        return saida

    @staticmethod
    def _estrutura(sdtrps: etree._Element, cpfcnpj: str) -> None:
        """What is refused at once: the order of the records, the version, the prestador,
        the formats."""
        nomes = _nomes(sdtrps)
        esperado = list(SDTRPS)
        if sdtrps.findtext("TipoTrib") == "4":
            esperado[6:6] = SIMPLES
            if not DATA.match(sdtrps.findtext("DtAdeSN") or ""):
                raise Recusa(ESTRUTURA, "Data de adesão ao Simples Nacional inválida")
        if nomes != esperado:
            raise Recusa(ESTRUTURA, "Estrutura do SDTRPS inválida: esperado "
                         + ", ".join(esperado))
        if sdtrps.findtext("Versao") != "4.00":
            raise Recusa(ESTRUTURA, "Versão do leiaute inválida")
        if sdtrps.findtext("CPFCNPJ") != cpfcnpj:
            raise Recusa(LOGIN, "CPF/CNPJ do lote diferente do contribuinte")
        if _nomes(sdtrps.find("Reg90")) != REG90:  # type: ignore[arg-type]
            raise Recusa(ESTRUTURA, "Estrutura do Reg90 inválida")
        itens = sdtrps.find("Reg20")
        if itens is None or not len(itens):
            raise Recusa(ESTRUTURA, "Nenhum Reg20Item no lote")
        for item in itens:
            nomes = _nomes(item)
            if nomes[:len(REG20)] != REG20 or "Email1" not in nomes:
                raise Recusa(ESTRUTURA, "Estrutura do Reg20Item inválida: esperado "
                             + ", ".join(REG20) + ", Email1")
            for campo in VALORES:
                if not DECIMAL.match(item.findtext(campo) or ""):
                    raise Recusa(ESTRUTURA, f"Valor inválido em {campo}")
            if not DATA.match(item.findtext("DtEmi") or ""):
                raise Recusa(ESTRUTURA, "Data de emissão inválida")

    def _processar_lote(self, lote: Lote) -> None:
        """Issue the lot's notes, or refuse it: totals, values and repeated RPS."""
        sdtrps = etree.fromstring(lote.sdtrps)
        reg20, reg90 = sdtrps.find("Reg20"), sdtrps.find("Reg90")
        assert reg20 is not None and reg90 is not None  # checked on arrival (_estrutura)
        itens = list(reg20)
        erros = []
        tributos = [t for item in itens for t in item.iter("Reg30Item")]
        adicionais = [a for item in itens for a in item.iter("Reg40Item")]
        totais = {
            "QtdRegNormal": str(len(itens)),
            "ValorNFS": _virgula(sum((_decimal(i.findtext("VlNFS")) for i in itens),
                                     Decimal(0))),
            "ValorISS": _virgula(sum((_decimal(i.findtext("VlIss")) for i in itens),
                                     Decimal(0))),
            "ValorDed": _virgula(sum((_decimal(i.findtext("VlDed")) for i in itens),
                                     Decimal(0))),
            "ValorIssRetTom": _virgula(sum((_decimal(i.findtext("VlIssRet")) for i in itens),
                                           Decimal(0))),
            "QtdReg30": str(len(tributos)),
            "ValorTributos": _virgula(sum((_decimal(t.findtext("TributoValor"))
                                           for t in tributos), Decimal(0))),
            "QtdReg40": str(len(adicionais)),
        }
        for campo, valor in totais.items():
            if reg90.findtext(campo) != valor:
                erros.append((TOTAIS, f"Reg90: {campo} {reg90.findtext(campo)} difere do "
                                      f"calculado {valor}"))
        for item in itens:
            rps = item.findtext("NumRps") or ""
            if _decimal(item.findtext("VlNFS")) <= 0:
                erros.append((CONTEUDO, f"RPS {rps}: valor da nota deve ser maior que zero"))
            if any(n.contribuinte == lote.contribuinte and n.rps == rps
                   and n.serie_rps == (item.findtext("SerRps") or "") for n in self.notas):
                erros.append((DUPLICADO, f"RPS {rps} já convertido em nota"))
        lote.erros = erros
        if erros:
            lote.situacao = "3"
            return
        agora = datetime.now(SAO_PAULO)
        for item in itens:
            numero = 1 + sum(1 for n in self.notas if n.contribuinte == lote.contribuinte)
            nota = NotaSandbox(lote.contribuinte, numero, "E", secrets.token_hex(4).upper(),
                               item.findtext("NumRps") or "", item.findtext("SerRps") or "",
                               b"", _decimal(item.findtext("VlNFS")))
            emitida = etree.Element("Reg20Item")
            for tag, texto in (("NumNf", str(numero)), ("SerNf", nota.serie),
                               ("CodVernf", nota.codigo), ("SitNf", "1"),
                               ("DtEmiNf", f"{agora:%d/%m/%Y}"),
                               ("DtHrGerNf", f"{agora:%d/%m/%Y %H:%M:%S}"),
                               ("DtEmiRps", item.findtext("DtEmi"))):
                etree.SubElement(emitida, tag).text = texto
            for filho in item:
                if _local(filho) not in ("TipoNFS", "DtEmi"):
                    emitida.append(filho)
            nota.item = etree.tostring(emitida)
            self.notas.append(nota)
            lote.notas.append(nota)
        lote.situacao = "5"

    def _lote(self, documento: etree._Element, contribuinte: str) -> Lote:
        lote = self.lotes.get(documento.findtext("Protocolo") or "")
        if lote is None or lote.contribuinte != contribuinte:
            raise Recusa(PROTOCOLO, "Protocolo não encontrado")
        return lote

    def situacao(self, documento: etree._Element) -> etree._Element:
        saida = etree.Element("Sdt_consultaprotocoloout")
        try:
            contribuinte, _ = self._login(documento)
            with self._lock:
                lote = self._lote(documento, contribuinte)
                lote.consultas += 1
                if lote.situacao in ("1", "2"):
                    if lote.consultas > self.consultas_em_processamento:
                        self._processar_lote(lote)
                    else:
                        lote.situacao = "2"
        except Recusa as recusa:
            _mensagens(saida, [(recusa.codigo, recusa.descricao)])
            return saida
        etree.SubElement(saida, "PrtCSerRps").text = lote.protocolo
        etree.SubElement(saida, "PrtXSts").text = lote.situacao
        _mensagens(saida, lote.erros or [("OK", "Consulta realizada")])
        return saida

    def notas_do_lote(self, documento: etree._Element) -> etree._Element:
        saida = etree.Element("Sdt_consultanotasprotocoloout")
        try:
            contribuinte, _ = self._login(documento)
            with self._lock:
                lote = self._lote(documento, contribuinte)
                if lote.situacao not in ("3", "4", "5"):
                    raise Recusa(PROTOCOLO, "Lote ainda não processado")
                itens = [n.item for n in lote.notas]
                erros = list(lote.erros)
        except Recusa as recusa:
            _mensagens(saida, [(recusa.codigo, recusa.descricao)])
            return saida
        _mensagens(saida, erros or [("EXITO", "Notas do lote")])
        if itens:
            reg20 = etree.SubElement(etree.SubElement(saida, "XML_Notas"), "Reg20")
            for item in itens:
                reg20.append(etree.fromstring(item))
        return saida

    def cancelar(self, documento: etree._Element) -> etree._Element:
        saida = etree.Element("Sdt_retornocancelanfe")
        try:
            contribuinte, _ = self._login(documento)
            pedido = documento.find("Nota")
            nomes = ["SerieNota", "NumeroNota", "SerieRPS", "NumeroRps", "ValorNota",
                     "MotivoCancelamento", "PodeCancelarGuia", "ReaproveitaNumRPS"]
            if pedido is None or _nomes(pedido) != nomes:
                raise Recusa(ESTRUTURA, "Estrutura do cancelamento inválida: esperado "
                             + ", ".join(nomes))
            if not (pedido.findtext("MotivoCancelamento") or "").strip():
                raise Recusa(CONTEUDO, "Motivo do cancelamento não informado")
            with self._lock:
                nota = next((n for n in self.notas if n.contribuinte == contribuinte
                             and n.serie == pedido.findtext("SerieNota")
                             and str(n.numero) == pedido.findtext("NumeroNota")), None)
                if nota is None or nota.rps != pedido.findtext("NumeroRps") \
                        or nota.serie_rps != pedido.findtext("SerieRPS"):
                    raise Recusa(NAO_ENCONTRADA, "Nota não encontrada para o RPS informado")
                if Decimal(pedido.findtext("ValorNota") or "0") != nota.valor:
                    raise Recusa(CONTEUDO, "Valor da nota não confere")
                if nota.motivo:
                    raise Recusa(JA_CANCELADA, "Nota já cancelada")
                nota.motivo = pedido.findtext("MotivoCancelamento")
        except Recusa as recusa:
            _mensagens(saida, [(recusa.codigo, recusa.descricao)])
            return saida
        etree.SubElement(saida, "PrtCSerRps").text = f"{nota.serie}{nota.numero}"
        _mensagens(saida, [("OK", "Nota cancelada")])
        return saida


class _Handler(SandboxHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.partes() == ["_sandbox", "emitidas"]:
            self.emitidas()
        else:
            self.nao_encontrado()

    def do_POST(self) -> None:  # noqa: N802
        sandbox: ConamSandbox = self.server.sandbox
        raw = self.read_body()
        partes = self.partes()
        if partes == ["_sandbox", "faults"]:
            self.injetar(raw)
            return
        if partes[-1] != "aws_nfe.aspx":
            self.nao_encontrado()
            return
        lido = self._operacao(raw)
        if lido is None:
            self._falha("Requisição SOAP inválida")
            return
        operacao, documento = lido
        prefeitura = sandbox.prefeitura
        if operacao == "CONSULTAPROTOCOLO":
            self._send(200, envelope(operacao, prefeitura.situacao(documento)), TIPO)
            return
        if operacao == "CONSULTANOTASPROTOCOLO":
            self._send(200, envelope(operacao, prefeitura.notas_do_lote(documento)), TIPO)
            return

        def handle() -> bytes:
            if operacao == "CANCELANOTAELETRONICA":
                return envelope(operacao, prefeitura.cancelar(documento))
            return envelope(operacao, prefeitura.processar(documento))

        self.with_faults(handle, lambda answer: self._send(200, answer, TIPO),
                         (b"<html>Erro</html>", "text/html"))

    def _operacao(self, raw: bytes) -> tuple[str, etree._Element] | None:
        """The operation (SOAPAction and body element agreeing) and its input document."""
        try:
            root = seguro.ler(raw)
        except (etree.XMLSyntaxError, ValueError):
            return None
        body = root.find(f"{{{SOAP11}}}Body")
        chamada = body[0] if body is not None and len(body) else None
        if chamada is None or etree.QName(chamada).namespace != NFE:
            return None
        operacao = etree.QName(chamada).localname.removeprefix("ws_nfe.")
        acao = (self.headers.get("SOAPAction") or "").strip('"')
        if operacao not in OPERACOES or acao != f"NFeaction/AWS_NFE.{operacao}":
            return None
        documento = chamada[0] if len(chamada) else None
        if documento is None or documento.tag != OPERACOES[operacao][0]:
            return None
        return operacao, documento

    def _falha(self, texto: str) -> None:
        root = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"SOAP-ENV": SOAP11})
        fault = etree.SubElement(etree.SubElement(root, f"{{{SOAP11}}}Body"),
                                 f"{{{SOAP11}}}Fault")
        etree.SubElement(fault, "faultcode").text = "SOAP-ENV:Client"
        etree.SubElement(fault, "faultstring").text = texto
        self._send(500, etree.tostring(root, xml_declaration=True, encoding="utf-8"), TIPO)


class ConamSandbox(HttpsSandbox):
    """A local Conam NFS-e SOAP service (own layout, asynchronous lots)."""

    handler = _Handler
    thread_name = "sandbox-conam"
    exige_certificado = False

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 fault_rates: dict[str, float] | None = None, seed: int | None = None,
                 slow_seconds: float = 1.0):
        super().__init__(data_dir, host, port, fault_rates=fault_rates, seed=seed,
                         slow_seconds=slow_seconds)
        self.prefeitura = Prefeitura()

    def aceitar(self, usuario: str, contribuinte: str, cpfcnpj: str) -> None:
        """Let the contributor ``cpfcnpj`` in with ``usuario`` and ``contribuinte``."""
        self.prefeitura.logins[(usuario, contribuinte)] = cpfcnpj

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}{CAMINHO}"

    def emitidas(self) -> list[dict[str, Any]]:
        """Every note issued, in its present state."""
        return [{"contribuinte": n.contribuinte, "numero": str(n.numero), "serie": n.serie,
                 "codigo_verificacao": n.codigo, "rps": n.rps, "serie_rps": n.serie_rps,
                 "status": "cancelada" if n.motivo else "autorizada", "motivo": n.motivo,
                 "xml": n.item.decode("utf-8")}
                for n in self.prefeitura.notas]

    def lotes(self) -> list[dict[str, Any]]:
        """Every lot received, with its situation and the RPS it carried."""
        return [{"protocolo": lote.protocolo, "situacao": lote.situacao,
                 "sdtrps": lote.sdtrps.decode("utf-8")}
                for lote in self.prefeitura.lotes.values()]
