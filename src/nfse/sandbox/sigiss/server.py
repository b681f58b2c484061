"""The HTTPS server of the SigISS sandbox: ``/<cidade>/ws/sigiss_ws.php`` taking the SOAP rpc
calls ``GerarNota``, ``ConsultarNotaPrestador`` and ``CancelarNota`` in ``urn:sigiss_ws``
(the ``SOAPAction`` must be ``urn:sigiss_ws#<operation>``), each with the company's ``ccm``,
``cnpj`` and ``senha`` the test registers (``aceitar``); plus ``/_sandbox/emitidas`` and
``/_sandbox/faults`` for tests.

It reads what ACBr's SigISS provider says the service reads (``SigISS.GravarXml.pas``,
``SigISS.Provider.pas``) with its own parser, by member name as an rpc server does: the
``DescricaoRps`` fields, values with a decimal comma and 4 places, the 150 characters of
``descricaoNF``, one note per RPS (series and number) of a ``ccm``, and the cancellation in
the shape of its ``versao`` (1.00 ``DadosCancelaNota``, 1.01 ``DadosPrestador`` +
``DescricaoCancelaNota``). It answers as ACBr reads (NuSOAP members typed with ``xsi:type``:
``RetornoNota``, ``DadosNota``, ``DescricaoErros/item``). SigISS's messages and codes are not
published: the sandbox's are its own. TLS asks no client certificate."""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from nfse.sandbox.https import HttpsSandbox, SandboxHandler
from nfse.xml import seguro

CAMINHO = "/sandbox/ws/sigiss_ws.php"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
ENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS = "urn:sigiss_ws"
TIPO = "text/xml; charset=ISO-8859-1"
VALOR = re.compile(r"^\d+,\d{4}$")
OBRIGATORIOS = ("ccm", "cnpj", "senha", "crc", "crc_estado", "servico", "situacao", "valor",
                "base", "descricaoNF", "tomador_tipo", "tomador_cnpj", "tomador_razao",
                "tomador_fantasia", "tomador_endereco", "tomador_numero", "tomador_bairro",
                "tomador_CEP", "tomador_cod_cidade", "rps_substituido", "retencao_iss", "pis",
                "cofins", "inss", "irrf", "csll")
"""The members ACBr always writes (``AddNode`` with occurrence 1), empty or not."""
VALORES = ("valor", "base", "retencao_iss", "pis", "cofins", "inss", "irrf", "csll",
           "aliquota_simples")
SITUACOES = ("tp", "tt", "is", "im", "nt")


@dataclass
class NotaSandbox:
    ccm: str
    numero: int
    autenticidade: str
    serie: str
    rps: str
    valor: str
    descricao: str
    documento: bytes
    motivo: str | None = None


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _campos(grupo: etree._Element | None) -> dict[str, str]:
    """A group's members by name (the rpc way: namespaces and order are not looked at)."""
    if grupo is None:
        return {}
    return {_local(c): (c.text or "").strip() for c in grupo if _local(c)}


def _membro(pai: etree._Element, tag: str, texto: str, tipo: str = "xsd:string") -> None:
    element = etree.SubElement(pai, tag)
    element.set(f"{{{XSI}}}type", tipo)
    element.text = texto


def _resposta(operacao: str, grupo: etree._Element | None,
              itens: list[tuple[str, str, str]]) -> bytes:
    """``<operacao>Response`` with ``grupo`` and ``DescricaoErros`` (``id``,
    ``DescricaoProcesso``, ``DescricaoErro``)."""
    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={
        "SOAP-ENV": SOAP11, "SOAP-ENC": ENC, "xsi": XSI,
        "xsd": "http://www.w3.org/2001/XMLSchema", "tns": NS})
    body = etree.SubElement(envelope, f"{{{SOAP11}}}Body")
    resposta = etree.SubElement(body, f"{{{NS}}}{operacao}Response", nsmap={"ns1": NS})
    if grupo is not None:
        resposta.append(grupo)
    lista = etree.SubElement(resposta, "DescricaoErros")
    lista.set(f"{{{XSI}}}type", "SOAP-ENC:Array")
    lista.set(f"{{{ENC}}}arrayType", f"tns:tcEstruturaDescricaoErros[{len(itens)}]")
    for identificador, processo, erro in itens:
        item = etree.SubElement(lista, "item")
        item.set(f"{{{XSI}}}type", "tns:tcEstruturaDescricaoErros")
        _membro(item, "id", identificador)
        _membro(item, "DescricaoProcesso", processo)
        _membro(item, "DescricaoErro", erro)
    return etree.tostring(envelope, xml_declaration=True, encoding="ISO-8859-1")


def _erro(operacao: str, codigo: str, texto: str) -> bytes:
    return _resposta(operacao, None, [(codigo, f"Erro ao processar {operacao}", texto)])


def _retorno(operacao: str, nota: NotaSandbox, link: str, aviso: str) -> bytes:
    grupo = etree.Element("RetornoNota")
    grupo.set(f"{{{XSI}}}type", "tns:tcRetornoNota")
    _membro(grupo, "Resultado", "1", "xsd:int")
    _membro(grupo, "Nota", str(nota.numero), "xsd:int")
    _membro(grupo, "autenticidade", nota.autenticidade)
    _membro(grupo, "LinkImpressao", link)
    return _resposta(operacao, grupo, [("A01", aviso, "Sem erros")])


def _falha(texto: str) -> bytes:
    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"SOAP-ENV": SOAP11})
    fault = etree.SubElement(etree.SubElement(envelope, f"{{{SOAP11}}}Body"),
                             f"{{{SOAP11}}}Fault")
    etree.SubElement(fault, "faultcode").text = "SOAP-ENV:Client"
    etree.SubElement(fault, "faultstring").text = texto
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _problema_do_rps(campos: dict[str, str]) -> str | None:
    """Why SigISS would refuse ``DescricaoRps`` (None: it takes it)."""
    faltam = [c for c in OBRIGATORIOS if c not in campos]
    if faltam:
        return "Campos ausentes: " + ", ".join(faltam)
    for campo in VALORES:
        if campo in campos and not VALOR.match(campos[campo]):
            return f"Valor inválido em {campo} (use vírgula e 4 casas)"
    if campos["valor"] == "0,0000":
        return "Valor da nota deve ser maior que zero"
    if not campos["servico"].isdigit():
        return "Serviço inválido (só dígitos)"
    if campos["situacao"] not in SITUACOES:
        return f"Situação inválida: {campos['situacao']}"
    if not campos["descricaoNF"] or len(campos["descricaoNF"]) > 150:
        return "Descrição da nota vazia ou com mais de 150 caracteres"
    if campos["tomador_tipo"] not in ("1", "2", "3", "4", "5"):
        return "Tipo de tomador inválido"
    if campos["tomador_tipo"] != "1" and not campos["tomador_cnpj"].isdigit():
        return "CPF/CNPJ do tomador inválido"
    if not campos.get("rps_num", "").isdigit() or len(campos.get("rps_serie", "")) > 3:
        return "Número ou série do RPS inválidos"
    for retencao in ("retencao_pis", "retencao_cofins", "retencao_csll"):
        if campos.get(retencao, "2") not in ("1", "2"):
            return f"Valor inválido em {retencao}"
    return None


class Prefeitura:
    """The sandbox's notes, one sequence per ``ccm``."""

    def __init__(self, url: str, empresas: dict[str, tuple[str, str]], versao: str) -> None:
        self.url = url
        self.empresas = empresas
        self.versao = versao
        self.notas: list[NotaSandbox] = []
        self._lock = threading.Lock()

    def _autenticada(self, campos: dict[str, str]) -> bool:
        return self.empresas.get(campos.get("ccm", "")) == (campos.get("cnpj"),
                                                             campos.get("senha"))

    def _link(self, nota: NotaSandbox) -> str:
        return f"{self.url}?nota={nota.numero}&hash={nota.autenticidade}&ccm={nota.ccm}"

    def emitir(self, chamada: etree._Element, documento: bytes) -> bytes:
        operacao = "GerarNota"
        grupo = next((c for c in chamada if _local(c) == "DescricaoRps"), None)
        campos = _campos(grupo)
        if grupo is None:
            return _erro(operacao, "E01", "DescricaoRps ausente")
        if not self._autenticada(campos):
            return _erro(operacao, "E02", "CCM, CNPJ ou senha inválidos")
        problema = _problema_do_rps(campos)
        if problema:
            return _erro(operacao, "E03", problema)
        ccm, serie, rps = campos["ccm"], campos.get("rps_serie", ""), campos["rps_num"]
        with self._lock:
            repetida = next((n for n in self.notas if n.ccm == ccm and n.serie == serie
                             and n.rps == rps), None)
            if repetida is not None:
                return _erro(operacao, "E04", f"RPS {rps} série {serie} já convertido na "
                             f"nota {repetida.numero}")
            numero = 1 + sum(1 for n in self.notas if n.ccm == ccm)
            nota = NotaSandbox(ccm, numero, secrets.token_hex(4).upper(), serie, rps,
                               campos["valor"], campos["descricaoNF"], documento)
            self.notas.append(nota)
        return _retorno(operacao, nota, self._link(nota), "Nota gerada com sucesso")

    def consultar(self, chamada: etree._Element) -> bytes:
        operacao = "ConsultarNotaPrestador"
        prestador = _campos(next((c for c in chamada if _local(c) == "DadosPrestador"), None))
        if not self._autenticada(prestador):
            return _erro(operacao, "E02", "CCM, CNPJ ou senha inválidos")
        numero = _campos(chamada).get("Nota", "")
        with self._lock:
            nota = next((n for n in self.notas if n.ccm == prestador["ccm"]
                         and str(n.numero) == numero), None)
        if nota is None:
            return _erro(operacao, "E05", f"Nota {numero} não encontrada")
        dados = etree.Element("DadosNota")
        dados.set(f"{{{XSI}}}type", "tns:tcDadosNota")
        for tag, texto, tipo in (
                ("nota", str(nota.numero), "xsd:int"),
                ("autenticidade", nota.autenticidade, "xsd:string"),
                ("num_rps", nota.rps, "xsd:int"), ("serie_rps", nota.serie, "xsd:string"),
                ("valor", nota.valor, "xsd:string"), ("descricao", nota.descricao, "xsd:string"),
                ("StatusNFe", "Cancelada" if nota.motivo is not None else "Ativa",
                 "xsd:string"),
                ("LinkImpressao", self._link(nota), "xsd:string")):
            _membro(dados, tag, texto, tipo)
        return _resposta(operacao, dados, [])

    def cancelar(self, chamada: etree._Element) -> bytes:
        operacao = "CancelarNota"
        grupos = {_local(c): c for c in chamada if _local(c)}
        if self.versao == "1.01":
            if set(grupos) != {"DadosPrestador", "DescricaoCancelaNota"}:
                return _erro(operacao, "E06", "Esperado DadosPrestador e DescricaoCancelaNota")
            prestador = _campos(grupos["DadosPrestador"])
            pedido = _campos(grupos["DescricaoCancelaNota"])
        else:
            if set(grupos) != {"DadosCancelaNota"}:
                return _erro(operacao, "E06", "Esperado DadosCancelaNota")
            prestador = pedido = _campos(grupos["DadosCancelaNota"])
        if not self._autenticada(prestador):
            return _erro(operacao, "E02", "CCM, CNPJ ou senha inválidos")
        if not (pedido.get("cMotivo") and pedido.get("xMotivo")):
            return _erro(operacao, "E07", "Informe cMotivo e xMotivo")
        numero = pedido.get("nota", "")
        with self._lock:
            nota = next((n for n in self.notas if n.ccm == prestador["ccm"]
                         and str(n.numero) == numero), None)
            if nota is None:
                return _erro(operacao, "E05", f"Nota {numero} não encontrada")
            if nota.motivo is not None:
                return _erro(operacao, "E08", f"Nota {numero} já cancelada")
            nota.motivo = pedido["xMotivo"]
        return _retorno(operacao, nota, self._link(nota), "Nota cancelada com sucesso")


class _Handler(SandboxHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.partes() == ["_sandbox", "emitidas"]:
            self.emitidas()
        else:
            self.nao_encontrado()

    def do_POST(self) -> None:  # noqa: N802
        sandbox: SigissSandbox = self.server.sandbox
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
            self._send(500, _falha("XML mal formado"), TIPO)
            return
        chamada = envelope.find(f"{{{SOAP11}}}Body/*")
        operacao = _local(chamada) if chamada is not None else ""
        acao = (self.headers.get("SOAPAction") or "").strip('"')
        if chamada is None or etree.QName(chamada).namespace != NS \
                or acao != f"{NS}#{operacao}":
            self._send(500, _falha(f"Ação {acao!r} não corresponde à mensagem"), TIPO)
            return
        if operacao == "ConsultarNotaPrestador":
            self._send(200, sandbox.prefeitura.consultar(chamada), TIPO)
            return
        if operacao not in ("GerarNota", "CancelarNota"):
            self._send(500, _falha(f"Operação {operacao} não suportada"), TIPO)
            return

        def handle() -> bytes:
            if operacao == "CancelarNota":
                return sandbox.prefeitura.cancelar(chamada)
            return sandbox.prefeitura.emitir(chamada, raw)

        def deliver(answer: bytes) -> None:
            self._send(200, answer, TIPO)

        self.with_faults(handle, deliver, (b"<html>Erro</html>", "text/html"))


class SigissSandbox(HttpsSandbox):
    """A local SigISS NFS-e service (``sigiss_ws.php``)."""

    handler = _Handler
    thread_name = "sandbox-sigiss"
    exige_certificado = False

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 fault_rates: dict[str, float] | None = None, seed: int | None = None,
                 slow_seconds: float = 1.0, versao: str = "1.00"):
        super().__init__(data_dir, host, port, fault_rates=fault_rates, seed=seed,
                         slow_seconds=slow_seconds)
        self.empresas: dict[str, tuple[str, str]] = {}
        """ccm → (CNPJ, password), as the Prefeitura registered them."""
        self.versao = versao
        """The SigISS version played: the shape of the cancellation it reads."""

    def aceitar(self, ccm: str, cnpj: str, senha: str) -> None:
        """Register a company's password at SigISS."""
        self.empresas[ccm] = (cnpj, senha)

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}{CAMINHO}"

    def _open(self, identity: Any) -> None:
        self.prefeitura = Prefeitura(self.url, self.empresas, self.versao)

    def emitidas(self) -> list[dict[str, Any]]:
        """Every note issued, in its present state."""
        return [{"ccm": n.ccm, "numero": str(n.numero), "autenticidade": n.autenticidade,
                 "serie": n.serie, "rps": n.rps, "status": "cancelada" if n.motivo is not None
                 else "autorizada", "motivo": n.motivo,
                 "xml": n.documento.decode("utf-8", "replace")}
                for n in self.prefeitura.notas]
