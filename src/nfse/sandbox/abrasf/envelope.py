"""The ABRASF 2.0x systems whose SOAP body is not the reference WSDL's ``nfseCabecMsg``/
``nfseDadosMsg`` (docs/abrasf-layouts.md, "Onde vai o documento"), as the sandbox reads and
answers them. A call is recognised by its body and its SOAPAction; each system serves one
layout, so the header it never sends is the sandbox's own, in that layout:

- Fiorilli 2.00: ``gerarNfse`` (lower case) in ``http://ws.issweb.fiorilli.com.br/`` with the
  document as elements, then ``username`` and ``password``; SOAPAction the operation's name;
  the answer document inline in ``gerarNfseResponse``.
- DSF 2.03: ``GerarNfse`` in ``http://nfse.abrasf.org.br`` with the document as elements and
  without namespace (``ConsultarNfseFaixa`` for the range query); empty SOAPAction; the answer
  inline. The document is requalified into the ABRASF namespace before the schema and the
  signatures are checked: the signature covers the document as the schema defines it.
- Tinus 2.03: the document is the body; SOAPAction
  ``http://nfse.abrasf.org.br/WSNFSE203.Service2.nfseSOAP.<document>``; no range query nor
  substitution; the answer in ``<Op>Response/outputXML``.
- Fisco 2.03, SOAP 1.2: ``gerarNfse`` (lower case) in ``https://www.fisco.net.br/
  wsnfseabrasf/ServicosNFSEAbrasf.asmx`` with the document, without namespace, as the text of
  ``xml``; action namespace + ``/`` + operation; the answer in ``gerarNfseResult``.
- SigCorp 2.04: ``GerarNfse`` in the city's namespace with the document as the text of
  ``xml``; SOAPAction namespace + ``#`` + operation; the answer in ``GerarNfseResult``.
- IPM 2.04: the operation is named after the document (``net:GerarNfseEnvio`` in
  ``net.atende``) and holds the document's children, without namespace (an optional
  ``EnvioTeste`` first); SOAPAction ``net.atende#<document>``; the answer in ``return``.
- fintelISS (layout 2.02): the operation, without ``Request``, in
  ``http://www.fintel.com.br/WebService`` with the reference WSDL's two strings named
  ``cabecalho`` and ``xml`` (the header is the call's own); SOAPAction namespace + ``/`` +
  operation; ``ConsultarNfseFaixa`` for the range query; the answer in ``<Op>Result``.

Facts: ACBr ``Provedores/<Nome>/<Nome>.Provider.pas`` (2026-06)."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from lxml import etree

from nfse.sandbox.abrasf import soap
from nfse.sandbox.abrasf.prefeitura import DOCUMENTOS, NS

FIORILLI = "http://ws.issweb.fiorilli.com.br/"
FISCO = "https://www.fisco.net.br/wsnfseabrasf/ServicosNFSEAbrasf.asmx"
TINUS = "http://nfse.abrasf.org.br/WSNFSE203.Service2.nfseSOAP."
IPM = "net.atende"
FINTEL = "http://www.fintel.com.br/WebService"
_DECLARACAO = re.compile(r"^\s*<\?xml[^>]*\?>\s*")
OPERACAO_DO_DOCUMENTO = {envio: operacao for operacao, (envio, _) in DOCUMENTOS.items()}


@dataclass(frozen=True)
class Dialeto:
    nome: str
    versao: str
    """The layout the system serves (the header the sandbox assumes)."""
    forma: str
    """``elementos``, ``corpo``, ``parametro_xml``, ``conteudo`` or ``cabecalho_xml``."""
    acao: str
    """The expected SOAPAction, a template of ``{namespace}``, ``{operacao}``, ``{documento}``."""
    resposta: str
    """``elementos`` (inline), ``outputXML``, ``return`` or ``Result`` (``<op>Result``)."""
    minuscula: bool = False
    credenciais: bool = False
    sem_namespace: bool = False
    ausentes: frozenset[str] = frozenset()
    soap12: bool = False
    """The system speaks SOAP 1.2 (the action in the content type), else 1.1."""
    nomes: dict[str, str] = field(default_factory=dict)
    """The system's operation names that are not ABRASF's."""


DIALETOS = {d.nome: d for d in (
    Dialeto("Fiorilli", "2.00", "elementos", "{operacao}", "elementos", minuscula=True,
            credenciais=True),
    Dialeto("DSF", "2.03", "elementos", "", "elementos", sem_namespace=True,
            nomes={"ConsultarNfseFaixa": "ConsultarNfsePorFaixa"}),
    Dialeto("Tinus", "2.03", "corpo", TINUS + "{documento}", "outputXML",
            ausentes=frozenset({"ConsultarNfsePorFaixa", "SubstituirNfse"})),
    Dialeto("Fisco", "2.03", "parametro_xml", "{namespace}/{operacao}", "Result",
            minuscula=True, sem_namespace=True, soap12=True),
    Dialeto("SigCorp", "2.04", "parametro_xml", "{namespace}#{operacao}", "Result"),
    Dialeto("IPM", "2.04", "conteudo", "{namespace}#{operacao}", "return", sem_namespace=True,
            nomes={envio: operacao for envio, operacao in OPERACAO_DO_DOCUMENTO.items()}),
    Dialeto("fintelISS", "2.02", "cabecalho_xml", "{namespace}/{operacao}", "Result",
            nomes={"ConsultarNfseFaixa": "ConsultarNfsePorFaixa"}),
)}


@dataclass(frozen=True)
class Chamada:
    soap: str
    operacao: str
    """The ABRASF operation."""
    cabecalho: str
    dados: str
    dialeto: Dialeto
    nome: str
    """The operation's element as sent (``gerarNfse``); the answer is named after it."""
    namespace: str | None


def _elementos(elemento: etree._Element) -> list[etree._Element]:
    return [e for e in elemento if isinstance(e.tag, str)]


def _local(elemento: etree._Element) -> str:
    return etree.QName(elemento).localname


def _dialeto(pedido: etree._Element, acao: str) -> Dialeto | None:
    namespace = etree.QName(pedido).namespace
    filhos = {_local(e) for e in _elementos(pedido)}
    if namespace == IPM:
        return DIALETOS["IPM"]
    if _local(pedido) in OPERACAO_DO_DOCUMENTO and "nfseDadosMsg" not in filhos:
        return DIALETOS["Tinus"]  # not Síntese's <Op>Envio wrapper, which carries the strings
    if namespace == FIORILLI:
        return DIALETOS["Fiorilli"]
    if namespace == FISCO:
        return DIALETOS["Fisco"]
    if namespace == FINTEL:
        return DIALETOS["fintelISS"]
    if namespace == soap.WS and any(nome.endswith("Envio") for nome in filhos):
        return DIALETOS["DSF"]
    if "xml" in filhos and "#" in acao:
        return DIALETOS["SigCorp"]
    return None


def _limpo(elemento: etree._Element) -> str:
    """The element as a document of its own, with only the namespaces it uses (the
    envelope's would enter the canonical form of what it signs)."""
    documento = copy.deepcopy(elemento)
    etree.cleanup_namespaces(documento)
    return etree.tostring(documento, encoding="unicode")


def _operacao(nome: str, dialeto: Dialeto, versao_soap: str) -> str:
    operacao = nome.removesuffix("Request")
    if dialeto.minuscula:
        if not operacao[:1].islower():
            raise soap.FalhaSoap(f"Operação desconhecida: {nome} (o {dialeto.nome} escreve "
                                 "as operações com inicial minúscula)", versao_soap)
        operacao = operacao[:1].upper() + operacao[1:]
    if operacao in dialeto.nomes.values():  # the system calls it otherwise
        operacao = ""
    operacao = dialeto.nomes.get(operacao, operacao)
    if operacao not in soap.OPERACOES or operacao in dialeto.ausentes:
        raise soap.FalhaSoap(f"Operação {nome} não existe no serviço {dialeto.nome}",
                             versao_soap)
    return operacao


def _parametro(pedido: etree._Element, nome: str, versao_soap: str) -> str:
    """The text of the string parameter ``nome`` (any namespace), its declaration dropped."""
    elemento = next((e for e in _elementos(pedido) if _local(e) == nome), None)
    texto = (elemento.text or "").strip() if elemento is not None else ""
    if not texto:
        raise soap.FalhaSoap(f"Parâmetro {nome} ausente ou vazio em {_local(pedido)}",
                             versao_soap)
    return _DECLARACAO.sub("", texto, count=1)


def _texto(pedido: etree._Element, dialeto: Dialeto, versao_soap: str) -> str:
    """The request document as the call carries it."""
    if dialeto.forma == "corpo":
        return _limpo(pedido)
    if dialeto.forma == "conteudo":  # the operation is the document's root
        raiz = _local(pedido)
        filhos = "".join(_limpo(e) for e in _elementos(pedido) if _local(e) != "EnvioTeste")
        return f"<{raiz}>{filhos}</{raiz}>"
    filhos = _elementos(pedido)
    if dialeto.forma in ("parametro_xml", "cabecalho_xml"):
        return _parametro(pedido, "xml", versao_soap)
    envios = [e for e in filhos if _local(e).endswith("Envio")]
    if len(envios) != 1:
        raise soap.FalhaSoap(f"{_local(pedido)} deve conter um documento ABRASF", versao_soap)
    if dialeto.credenciais:
        valores = {_local(e): (e.text or "").strip() for e in filhos}
        if not (valores.get("username") and valores.get("password")):
            raise soap.FalhaSoap("Usuário ou senha não informados (username, password)",
                                 versao_soap)
    return _limpo(envios[0])


def _documento(pedido: etree._Element, dialeto: Dialeto, versao_soap: str) -> str:
    """The request document in the ABRASF namespace, for the municipality to read."""
    texto = _texto(pedido, dialeto, versao_soap)
    if not dialeto.sem_namespace:
        return texto
    try:
        documento = etree.fromstring(texto.encode(), soap.parser())
    except etree.XMLSyntaxError:
        return texto  # the municipality answers E160
    if any(etree.QName(e).namespace == NS for e in documento.iter()):
        raise soap.FalhaSoap(f"O {dialeto.nome} recebe o documento sem namespace "
                             f"(encontrado {NS})", versao_soap)
    # back into the ABRASF namespace, as the schema and the signatures know it
    return re.sub(r"^<([\w.-]+)", rf'<\1 xmlns="{NS}"', texto, count=1)


def ler(corpo: bytes, content_type: str, soap_action: str | None) -> Chamada | None:
    """A call in one of the dialects above, or None (the reference WSDL's: ``soap.ler``).
    Raises ``soap.FalhaSoap`` for a call of a dialect that breaks its rules."""
    try:
        envelope = etree.fromstring(corpo, soap.parser())
    except etree.XMLSyntaxError:
        return None
    versao_soap = etree.QName(envelope).namespace
    body = envelope.find(f"{{{versao_soap}}}Body")
    pedidos = _elementos(body) if body is not None else []
    if not pedidos or versao_soap not in (soap.SOAP11, soap.SOAP12):
        return None
    pedido = pedidos[0]
    acao = soap._acao(content_type, soap_action)
    dialeto = _dialeto(pedido, acao)
    if dialeto is None:
        return None
    if (versao_soap == soap.SOAP12) != dialeto.soap12:
        raise soap.FalhaSoap(f"O {dialeto.nome} fala SOAP {'1.2' if dialeto.soap12 else '1.1'}",
                             versao_soap)
    nome = _local(pedido)
    namespace = etree.QName(pedido).namespace
    if dialeto.forma == "corpo":
        operacao = OPERACAO_DO_DOCUMENTO[nome]
        if operacao in dialeto.ausentes:
            raise soap.FalhaSoap(f"Operação {operacao} não existe no serviço {dialeto.nome}",
                                 versao_soap)
        nome = operacao
    else:
        operacao = _operacao(nome, dialeto, versao_soap)
    esperada = dialeto.acao.format(namespace=(namespace or "").rstrip("/"), operacao=nome,
                                   documento=_local(pedido))
    if acao != esperada:
        raise soap.FalhaSoap(f"SOAPAction {acao!r} não corresponde à operação "
                             f"(esperada {esperada!r})", versao_soap)
    cabecalho = (_parametro(pedido, "cabecalho", versao_soap)
                 if dialeto.forma == "cabecalho_xml" else
                 f'<cabecalho versao="{dialeto.versao}" xmlns="{NS}">'
                 f"<versaoDados>{dialeto.versao}</versaoDados></cabecalho>")
    return Chamada(soap=versao_soap, operacao=operacao, cabecalho=cabecalho,
                   dados=_documento(pedido, dialeto, versao_soap), dialeto=dialeto,
                   nome=nome, namespace=namespace)


def resposta(chamada: Chamada | soap.Chamada, documento: bytes) -> bytes:
    """The answer in the call's dialect."""
    if isinstance(chamada, soap.Chamada):
        return soap.resposta(chamada, documento)
    envelope = etree.Element(f"{{{chamada.soap}}}Envelope", nsmap={"soap": chamada.soap})
    body = etree.SubElement(envelope, f"{{{chamada.soap}}}Body")
    namespace = chamada.namespace or soap.WS
    operacao = etree.SubElement(body, f"{{{namespace}}}{chamada.nome}Response",
                                nsmap={"ns": namespace})
    forma = chamada.dialeto.resposta
    if forma == "elementos":
        operacao.append(etree.fromstring(documento, soap.parser()))
    else:
        nome = forma if forma in ("outputXML", "return") else f"{chamada.nome}Result"
        etree.SubElement(operacao, nome).text = documento.decode("utf-8")
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
