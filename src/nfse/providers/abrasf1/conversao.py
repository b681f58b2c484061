"""A document built in Ginfes' structure (``pedidos``) rewritten in another ABRASF 1.0
system's layout: the same elements in that system's one namespace, with its spelling of the
identifying attribute and of a few names (ISSSalvador, WebISS 1.00)."""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree


def converter(root: etree._Element, ns: str, renomeados: Mapping[str, str],
              ident: str, ns_filhos: str | None = None) -> etree._Element:
    """``root`` (a Ginfes-structured document, unsigned) with every element in ``ns`` (those
    below the root in ``ns_filhos`` when given; ``""``: none, as SpeedGov's unqualified
    schemas), the ``Id`` attributes written ``ident`` and the elements of ``renomeados``
    renamed."""
    def copia(origem: etree._Element, destino: etree._Element | None) -> etree._Element:
        nome = renomeados.get(etree.QName(origem).localname, etree.QName(origem).localname)
        espaco = ns if destino is None or ns_filhos is None else ns_filhos
        tag = f"{{{espaco}}}{nome}" if espaco else nome
        # unqualified children need the root's namespace under a prefix: lxml writes no
        # xmlns="" for them below a default namespace
        novo = etree.Element(tag, nsmap={None if ns_filhos is None else "ns1": ns}) \
            if destino is None else etree.SubElement(destino, tag)
        for chave, valor in origem.attrib.items():
            novo.set(ident if chave == "Id" else chave, valor)
        novo.text = origem.text
        for filho in origem:
            if isinstance(filho.tag, str):
                copia(filho, novo)
        return novo

    return copia(root, None)
