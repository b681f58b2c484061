"""Coplan's ABRASF 2.01 interface (``.../tributario/<cidade>/anfse_web_service``), as the
ABRASF sandbox reads and answers it: a GeneXus SOAP 1.1 call whose body is
``<trib:nfse_web_service.<OPERAÇÃO>>`` in the namespace ``Tributario``, holding
``<trib:<Operação>request>`` (the ABRASF operation's name in lower case but its first letter:
``Gerarnfserequest``, ``Consultarnfseporfaixarequest``), and in it ``nfseCabecMsg`` and
``nfseDadosMsg`` as text, in the namespace of Coplan's environment
(``Tributario_PRODUCAO_FULL``, ``TributarioGx16New``); SOAPAction
``Tributarioaction/ANFSE_WEB_SERVICE.<OPERAÇÃO>``; the range query is ``CONSULTARNFSEFAIXA``.
The answer: ``<Operação>response/outputXML`` (ACBr reads ``Gerarnfseresponse``...) with the
document as text. Facts: ACBr ``Provedores/Coplan.Provider.pas``,
``TACBrNFSeXWebserviceCoplan201`` (2026-06)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from nfse.sandbox.abrasf import soap

TRIBUTARIO = "Tributario"
SERVICO = "nfse_web_service"
AMBIENTES = ("Tributario_PRODUCAO_FULL", "TributarioGx16New")
PREFIXO_ACAO = f"Tributarioaction/A{SERVICO.upper()}."
PROCEDIMENTOS = {operacao.upper(): operacao for operacao in soap.OPERACOES}
PROCEDIMENTOS["CONSULTARNFSEFAIXA"] = PROCEDIMENTOS.pop("CONSULTARNFSEPORFAIXA")


@dataclass(frozen=True)
class Chamada:
    operacao: str
    """The ABRASF operation."""
    cabecalho: str
    dados: str
    soap: str = soap.SOAP11

    def resposta(self, documento: bytes) -> bytes:
        """The answer, named after the request (``Gerarnfseresponse``)."""
        envelope = etree.Element(f"{{{soap.SOAP11}}}Envelope", nsmap={"SOAP-ENV": soap.SOAP11})
        corpo = etree.SubElement(envelope, f"{{{soap.SOAP11}}}Body")
        saida = etree.SubElement(corpo, f"{{{TRIBUTARIO}}}{self.operacao.capitalize()}response",
                                 nsmap={None: TRIBUTARIO})
        etree.SubElement(saida, f"{{{TRIBUTARIO}}}outputXML").text = documento.decode("utf-8")
        return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def _local(elemento: etree._Element) -> str:
    return etree.QName(elemento).localname if isinstance(elemento.tag, str) else ""


def ler(corpo: bytes, soap_action: str | None) -> Chamada | None:
    """A GeneXus call, or None when the body is not one (another dialect's). Raises
    ``soap.FalhaSoap`` for a GeneXus call that breaks Coplan's rules."""
    try:
        envelope = etree.fromstring(corpo, soap.parser())
    except etree.XMLSyntaxError:
        return None
    body = envelope.find(f"{{{soap.SOAP11}}}Body")
    procedimento = next((e for e in body if isinstance(e.tag, str)), None) \
        if body is not None else None
    if procedimento is None or etree.QName(procedimento).namespace != TRIBUTARIO:
        return None
    servico, _, nome = _local(procedimento).partition(".")
    operacao = PROCEDIMENTOS.get(nome)
    if servico != SERVICO or operacao is None:
        raise soap.FalhaSoap(f"Procedimento desconhecido: {_local(procedimento)}")
    acao = (soap_action or "").strip().strip('"')
    if acao != PREFIXO_ACAO + nome:
        raise soap.FalhaSoap(f"SOAPAction {acao!r} não corresponde ao procedimento "
                             f"(esperada {PREFIXO_ACAO + nome!r})")
    requisicao = procedimento.find(f"{{{TRIBUTARIO}}}{operacao.capitalize()}request")
    if requisicao is None:
        raise soap.FalhaSoap(f"Esperado {operacao.capitalize()}request em {_local(procedimento)}")
    parametros = {_local(p): p for p in requisicao if isinstance(p.tag, str)}
    textos = []
    for nome_parametro in ("nfseCabecMsg", "nfseDadosMsg"):
        parametro = parametros.get(nome_parametro)
        if parametro is None or not (parametro.text or "").strip():
            raise soap.FalhaSoap(f"Parâmetro {nome_parametro} ausente ou vazio")
        if etree.QName(parametro).namespace not in AMBIENTES:
            raise soap.FalhaSoap(f"Parâmetro {nome_parametro} fora do namespace do ambiente "
                                 f"({' ou '.join(AMBIENTES)})")
        textos.append(parametro.text.strip())
    return Chamada(operacao=operacao, cabecalho=textos[0], dados=textos[1])
