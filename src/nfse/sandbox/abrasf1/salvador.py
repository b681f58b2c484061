"""ISSSalvador as the ABRASF 1.0 sandbox plays it: its documents (one namespace,
``nfse_salvador.xsd``, ``id`` attributes, ``ContrucaoCivil``) are read against the city's
schema and their signatures checked as they came, then rewritten in Ginfes' structure for the
municipality's rules, which both share; the answers go the other way and are checked against
the city's schema before they leave. Its .NET services: one path per operation under
``/rps/``, the SOAPAction ``http://tempuri.org/<Interface>/<Operação>`` (ACBr
``ISSSalvador.Provider.pas``; the old ``TProvedorSalvador.GetConfigURL``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lxml import etree

from nfse.sandbox.assinatura import DS

NS = "http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd"
ESQUEMA = Path("nfse_salvador.xsd")
"""Relative to the sandbox's schema folder."""
TEMPURI = "http://tempuri.org/"
SERVICOS = {
    "EnviarLoteRPS": ("RecepcionarLoteRpsV3", "IEnvioLoteRPS", "ENVIOLOTERPS/EnvioLoteRPS.svc"),
    "ConsultarSituacaoLoteRPS": ("ConsultarSituacaoLoteRpsV3", "IConsultaSituacaoLoteRPS",
                                 "CONSULTASITUACAOLOTERPS/ConsultaSituacaoLoteRPS.svc"),
    "ConsultarLoteRPS": ("ConsultarLoteRpsV3", "IConsultaLoteRPS",
                         "CONSULTALOTERPS/ConsultaLoteRPS.svc"),
    "ConsultarNfseRPS": ("ConsultarNfsePorRpsV3", "IConsultaNfseRPS",
                         "CONSULTANFSERPS/ConsultaNfseRPS.svc"),
    "ConsultarNfse": ("ConsultarNfseV3", "IConsultaNfse", "CONSULTANFSE/ConsultaNfse.svc"),
}
""".NET operation → (the Ginfes operation it plays, its interface, its path under /rps/)."""
PARA_GINFES = {"ContrucaoCivil": "ConstrucaoCivil"}
PARA_SALVADOR = {v: k for k, v in PARA_GINFES.items()}


def caminho(operacao: str) -> str:
    return "/rps/" + SERVICOS[operacao][2]


def acao(operacao: str) -> str:
    return f"{TEMPURI}{SERVICOS[operacao][1]}/{operacao}"


def copia(origem: etree._Element, destino: etree._Element | None,
           ns_de: Callable[[int], str], renomeados: dict[str, str], de: str, para: str,
           profundidade: int = 0) -> etree._Element:
    """``origem`` rewritten under ``destino``: namespaces by depth, names and the
    identifying attribute renamed; signatures copied as they are."""
    qname = etree.QName(origem)
    if qname.namespace == DS:
        assinatura = etree.fromstring(etree.tostring(origem))
        if destino is not None:
            destino.append(assinatura)
        return assinatura
    nome = renomeados.get(qname.localname, qname.localname)
    ns = ns_de(profundidade)
    tag = f"{{{ns}}}{nome}"
    if destino is None:
        novo = etree.Element(tag, nsmap={None: ns})
    elif etree.QName(destino).namespace != ns:
        novo = etree.SubElement(destino, tag, nsmap={None: ns})
    else:
        novo = etree.SubElement(destino, tag)
    for chave, valor in origem.attrib.items():
        novo.set(para if chave == de else chave, valor)
    novo.text = origem.text
    for filho in origem:
        if isinstance(filho.tag, str):
            copia(filho, novo, ns_de, renomeados, de, para, profundidade + 1)
    return novo


def para_ginfes(root: etree._Element, servico: str, tipos: str) -> etree._Element:
    """A Salvador request in Ginfes' structure: the root and its children in the service's
    namespace ``servico``, the rest in ``tipos``; ``id`` → ``Id``."""
    return copia(root, None, lambda p: servico if p < 2 else tipos, PARA_GINFES, "id", "Id")


def para_salvador(root: etree._Element) -> etree._Element:
    """A Ginfes-structured answer in Salvador's namespace; ``Id`` → ``id``, ``Competencia``
    as a date-time (``tcInfNfse``), no ``NfseCancelamento`` (the city's ``tcCompNfse`` has
    none)."""
    novo = copia(root, None, lambda _: NS, PARA_SALVADOR, "Id", "id")
    for competencia in novo.iter(f"{{{NS}}}Competencia"):
        if competencia.text and "T" not in competencia.text:
            competencia.text += "T00:00:00"
    for cancelamento in list(novo.iter(f"{{{NS}}}NfseCancelamento")):
        cancelamento.getparent().remove(cancelamento)
    return novo
