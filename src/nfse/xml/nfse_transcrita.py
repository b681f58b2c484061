"""The official schema of the NFS-e (``NFSe_v1.01.xsd``) for a note whose number the
municipal system assigns: the emitter sends it with ``nNFSe`` 0 (SilTecnologia, ACBr
``NrOcorrnNFSe := -1``), which ``TSNNFSe`` (``[1-9]{1}[0-9]{0,12}``) refuses. That one facet
is widened to admit the 0; every other rule is the official one. Used by the provider that
builds such a note (``nfse.providers.nacional.nfse_emitente``) and by the sandbox that plays
the system."""

from __future__ import annotations

import threading
from functools import cache

from lxml import etree

from nfse.xml.validate import nacional_schema_dir

XS = "{http://www.w3.org/2001/XMLSchema}"
TIPOS = "tiposSimples_v1.01.xsd"
NNFSE_ADMITIDO = "0|[1-9]{1}[0-9]{0,12}"
"""``TSNNFSe`` widened to the 0 of a number still to be assigned."""
_lock = threading.Lock()


class _TiposComNumeroAAtribuir(etree.Resolver):
    """Gives the official ``tiposSimples_v1.01.xsd`` with ``TSNNFSe``'s pattern widened."""

    def resolve(self, url: str, pubid: str | None, context: object) -> object:
        if not url.endswith(TIPOS):
            return None
        tipos = etree.parse(str(nacional_schema_dir() / TIPOS))
        padrao = tipos.find(f"{XS}simpleType[@name='TSNNFSe']/{XS}restriction/{XS}pattern")
        if padrao is None:
            raise LookupError(f"TSNNFSe sem pattern em {TIPOS}")
        padrao.set("value", NNFSE_ADMITIDO)
        return self.resolve_string(etree.tostring(tipos), context)


@cache
def esquema() -> etree.XMLSchema:
    """``NFSe_v1.01.xsd`` as shipped, but for ``TSNNFSe`` (``NNFSE_ADMITIDO``)."""
    parser = etree.XMLParser()
    parser.resolvers.add(_TiposComNumeroAAtribuir())
    return etree.XMLSchema(etree.parse(str(nacional_schema_dir() / "NFSe_v1.01.xsd"), parser))


def problemas(raiz: etree._Element) -> list[str]:
    """Every error of ``raiz`` against ``esquema`` as ``line N: message``; empty: valid."""
    with _lock:  # an lxml XMLSchema object is not safe to share between threads unlocked
        xsd = esquema()
        if xsd.validate(raiz):
            return []
        return [f"line {e.line}: {e.message}" for e in xsd.error_log]
