"""SpeedGov 1.00 as the ABRASF 1.0 sandbox plays it: each request's root in its schema's
namespace (``http://ws.speedgov.com.br/enviar_lote_rps_envio_v1.xsd``...) and everything below
it unqualified, checked against SpeedGov's schemas (ACBr
``Exemplos/ACBrDFe/Schemas/NFSe/SpeedGov/1.00``) with its signatures as it came, then read by
the Ginfes rules in Ginfes' structure. Answers are converted back: the root and the elements
its schema declares (``NumeroLote``, ``ListaNfse``, ``CompNfse``...) in the answer's
namespace, ``ListaMensagemRetorno`` in ``tipos_v1.xsd``'s, the rest unqualified; checked
against the ``*_resposta_v1.xsd``. Calls: ``<Operação>`` in
``http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd`` with ``header`` and ``parameters``
(ACBr ``SpeedGov.Provider.pas``)."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from nfse.sandbox.assinatura import DS

BASE = "http://ws.speedgov.com.br/"
SERVICO = "http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd"
TIPOS = BASE + "tipos_v1.xsd"
CABECALHO = BASE + "cabecalho_v1.xsd"
OPERACOES = {
    "RecepcionarLoteRps": "RecepcionarLoteRpsV3",
    "ConsultarSituacaoLoteRps": "ConsultarSituacaoLoteRpsV3",
    "ConsultarLoteRps": "ConsultarLoteRpsV3",
    "ConsultarNfsePorRps": "ConsultarNfsePorRpsV3",
    "ConsultarNfse": "ConsultarNfseV3",
    "CancelarNfse": "CancelarNfseV3",
}
"""SpeedGov operation → the Ginfes operation it plays."""


def arquivo(raiz: str) -> str:
    """The schema of a SpeedGov document (``EnviarLoteRpsEnvio`` →
    ``enviar_lote_rps_envio_v1.xsd``; ``ConsultarNfseRpsResposta`` →
    ``consultar_nfse_rps_resposta_v1.xsd``)."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", raiz).lower() + "_v1.xsd"


def esquema(raiz: str) -> Path:
    """Relative to the sandbox's schema folder."""
    return Path("speedgov") / arquivo(raiz)


def namespace(raiz: str) -> str:
    return BASE + arquivo(raiz)


def para_speedgov(root: etree._Element) -> etree._Element:
    """A Ginfes-structured answer in SpeedGov's namespaces: what Ginfes writes in the
    answer's own namespace goes to SpeedGov's answer namespace, ``ListaMensagemRetorno`` to
    its ``tipos``, every other element unqualified; signatures copied as they are."""
    proprio = etree.QName(root).namespace
    destino = namespace(etree.QName(root).localname)

    def copia(origem: etree._Element, pai: etree._Element | None) -> etree._Element:
        qname = etree.QName(origem)
        if qname.namespace == DS:
            novo = etree.fromstring(etree.tostring(origem))
            if pai is not None:
                pai.append(novo)
            return novo
        if qname.namespace == proprio:
            tag, prefixo, ns = f"{{{destino}}}{qname.localname}", "ns1", destino
        elif qname.localname == "ListaMensagemRetorno":
            tag, prefixo, ns = f"{{{TIPOS}}}{qname.localname}", "tipos", TIPOS
        else:
            tag, prefixo, ns = qname.localname, None, None
        nsmap = {prefixo: ns} if prefixo else None
        novo = etree.Element(tag, nsmap=nsmap) if pai is None \
            else etree.SubElement(pai, tag, nsmap=nsmap)
        novo.attrib.update(origem.attrib)
        novo.text = origem.text
        for filho in origem:
            if isinstance(filho.tag, str):
                copia(filho, novo)
        return novo

    return copia(root, None)
