"""iiBrasil's own schema of ABRASF 2.04 (``esquemas/iibrasil/nfse.xsd``: the one ACBr ships
in ``Exemplos/ACBrDFe/Schemas/NFSe/iiBrasil/2.04/``, copied unchanged with its xmldsig
schema), and the cancellation request as the system's writer sends it.

ACBr's writer (``iiBrasil.Provider.pas``: ``CancPreencherSerieNfse``, ``ValidarSchema``)
differs from that schema in the cancellation request only, in two known ways: the note's
``Serie`` right after its ``Numero`` in ``IdentificacaoNfse``, and the ``<Integridade>``
after ``Pedido`` (the last child of ``CancelarNfseEnvio``) instead of inside it. Those two
facets are widened here in memory (``Serie`` optional where ACBr writes it; ``Integridade``
optional inside ``Pedido`` and optional after it); every other rule is iiBrasil's. Used by the
provider that writes the documents (``nfse.providers.abrasf.iibrasil``) and by the sandbox
that plays the system."""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

from lxml import etree

PASTA = Path(__file__).parent / "esquemas" / "iibrasil"
XS = "http://www.w3.org/2001/XMLSchema"
_lock = threading.Lock()


def _elemento(nome: str, tipo: str) -> etree._Element:
    return etree.Element(f"{{{XS}}}element", name=nome, type=tipo, minOccurs="0",
                         maxOccurs="1")


def _sequencia(raiz: etree._Element, caminho: str) -> etree._Element:
    found = raiz.find(caminho, {"xsd": XS})
    if found is None:
        raise LookupError(f"{caminho} ausente em {PASTA / 'nfse.xsd'}")
    return found


def _com_cancelamento_do_acbr(raiz: etree._Element) -> None:
    """The two widenings of the module's docstring, on the parsed schema."""
    identificacao = _sequencia(raiz, "xsd:complexType[@name='tcIdentificacaoNfse']/xsd:sequence")
    numero = _sequencia(identificacao, "xsd:element[@name='Numero']")
    numero.addnext(_elemento("Serie", "tsSerieNfse"))
    pedido = _sequencia(raiz, "xsd:complexType[@name='tcPedidoCancelamento']/xsd:sequence")
    _sequencia(pedido, "xsd:element[@name='Integridade']").set("minOccurs", "0")
    envio = _sequencia(raiz, "xsd:element[@name='CancelarNfseEnvio']/xsd:complexType/"
                             "xsd:sequence")
    envio.append(_elemento("Integridade", "tsIntegridade"))


@cache
def esquema(como_o_acbr: bool = True) -> etree.XMLSchema:
    """The schema; ``como_o_acbr=False``: exactly as published (for the test that proves the
    widening is only the cancellation's two facets)."""
    arvore = etree.parse(str(PASTA / "nfse.xsd"))
    if como_o_acbr:
        _com_cancelamento_do_acbr(arvore.getroot())
    return etree.XMLSchema(arvore)


def problemas(raiz: etree._Element, como_o_acbr: bool = True) -> list[str]:
    """Every error of ``raiz`` as ``line N: message``; empty: valid."""
    with _lock:  # an lxml XMLSchema object is not safe to share between threads unlocked
        xsd = esquema(como_o_acbr)
        if xsd.validate(raiz):
            return []
        return [f"line {e.line}: {e.message}" for e in xsd.error_log]
