"""Request documents in a system's own namespaces (option ``namespace_documentos``).

GISS Online's 2.04 web service takes the ABRASF content in its own namespaces, one per
message: the root (``GerarNfseEnvio``) and its children (``Rps``, ``Prestador``, ``Pedido``,
``LoteRps``...) in ``http://www.giss.com.br/<message in kebab case>-v2_04.xsd``, everything
below them in ``http://www.giss.com.br/tipos-v2_04.xsd``, the ``cabecalho`` in
``http://www.giss.com.br/cabecalho-v2_04.xsd`` (public integration joserrodrigues/
sped-nfse-giss, ``src/Tools.php`` and ``storage/schemes/exemplo-enviar-lote-rps-envio-
v2_04.xml``; ACBr ``Giss.Provider.pas`` lists the same namespaces). A system with a single
namespace of its own leaves ``namespace_tipos`` empty.

The document is built, signed and checked in ABRASF's namespace as for every system
(``pedidos``), then moved to the system's namespaces here and signed again: a signature
covers the namespace, so the ABRASF one is dropped and each element it covered (the
declaration, the cancellation request, then the lot or the substitution that encloses
them) is signed anew where it now lives."""

from __future__ import annotations

import re

from lxml import etree

from nfse.providers.abrasf.leiaute import NS
from nfse.providers.abrasf.soap import parser
from nfse.providers.abrasf.variante import Variante
from nfse.providers.base import Emissor
from nfse.xml.sign import c14n, signature

DSIG = "http://www.w3.org/2000/09/xmldsig#"
_MAIUSCULA = re.compile(r"(?<!^)(?=[A-Z])")


def mensagem(nome: str) -> str:
    """``GerarNfseEnvio`` → ``gerar-nfse-envio`` (the ``{mensagem}`` of the option)."""
    return _MAIUSCULA.sub("-", nome).lower()


def namespace_da_mensagem(variante: Variante, raiz: str) -> str:
    return variante.namespace_documentos.replace("{mensagem}", mensagem(raiz))


def cabecalho(variante: Variante) -> str:
    """The ``cabecalho`` of the variant's layout, in the system's namespace when it has
    one; its ``versao`` without the dot where the system wants it (``versao_sem_ponto``)."""
    texto = variante.leiaute.cabecalho()
    if variante.versao_sem_ponto:
        versao = variante.leiaute.versao
        texto = texto.replace(f'versao="{versao}"', f'versao="{versao.replace(".", "")}"', 1)
    if not variante.namespace_cabecalho:
        return texto
    return texto.replace(f'xmlns="{NS}"', f'xmlns="{variante.namespace_cabecalho}"', 1)


def _copiar(origem: etree._Element, destino: etree._Element, tipos: str) -> None:
    """Copy the children of ``origem`` under ``destino`` in ``tipos``, declared as the
    default namespace where it starts: no prefixed declaration is in scope of a signed
    element or of a SignedInfo, so their C14N is the same whether a verifier renders the
    namespaces in scope or only those used."""
    for filho in origem:
        if not isinstance(filho.tag, str):
            continue
        nome = etree.QName(filho)
        ns = nome.namespace if nome.namespace == DSIG else tipos
        declarar = {None: ns} if etree.QName(destino).namespace != ns else None
        novo = etree.SubElement(destino, f"{{{ns}}}{nome.localname}", dict(filho.attrib),
                                nsmap=declarar)
        novo.text = filho.text
        _copiar(filho, novo, tipos)


def traduzir(dados: bytes, emissor: Emissor, variante: Variante) -> bytes:
    """The document in the system's namespaces, signed again where it was signed; unchanged
    when the variant has no namespace of its own."""
    if not variante.namespace_documentos:
        return dados
    origem = etree.fromstring(dados, parser())
    assinaturas = list(origem.iter(f"{{{DSIG}}}Signature"))
    assinados = [s.getprevious().get("Id") for s in assinaturas
                 if s.getprevious() is not None and s.getprevious().get("Id")]
    for sig in assinaturas:
        sig.getparent().remove(sig)
    raiz = etree.QName(origem).localname
    ns = namespace_da_mensagem(variante, raiz)
    tipos = variante.namespace_tipos or ns
    root = etree.Element(f"{{{ns}}}{raiz}", dict(origem.attrib), nsmap={None: ns})
    for filho in origem:  # the root's children are the message's own elements
        if not isinstance(filho.tag, str):
            continue
        novo = etree.SubElement(root, f"{{{ns}}}{etree.QName(filho).localname}",
                                dict(filho.attrib))
        novo.text = filho.text
        _copiar(filho, novo, tipos)
    # the innermost first: an enclosing signature covers the signatures inside
    elementos = [e for ident in assinados for e in root.iter() if e.get("Id") == ident]
    for elemento in sorted(elementos, key=lambda e: -len(list(e.iterancestors()))):
        elemento.addnext(etree.fromstring(signature(
            c14n(elemento), elemento.get("Id") or "", emissor.a1, variante.assinatura)))
    return etree.tostring(root, encoding="UTF-8")
