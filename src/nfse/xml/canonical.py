"""A document written directly in its canonical form (inclusive C14N 1.0: no XML
declaration, no self-closing tags, attributes in order, the escapes of the C14N
specification): as a light Python tree (``Node``), or, by a writer that goes in document
order, as text, each element with text through ``leaf`` and each attribute value through
``attribute`` (the DPS, ``providers.nacional.dps``: no tree to walk afterwards).

Building the DPS with lxml costs a Python proxy object per element, then a deep copy and a
canonicalisation to digest it: together more than the RSA signature the document needs.
Text written canonically is its own digest input; lxml parses the finished document once,
for the schema check. ``tests/xml/test_canonical.py`` holds the output to lxml's C14N."""

from __future__ import annotations

import re

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", '"': "&quot;", "\t": "&#x9;",
                       "\n": "&#xA;", "\r": "&#xD;"})
_SPECIAL = re.compile(r'[&<>"\t\n\r]').search


def leaf(tag: str, value: str | None) -> str:
    """An element holding ``value`` (none: empty), without attributes or children, as
    C14N writes it."""
    if not value:
        return f"<{tag}></{tag}>"
    return f"<{tag}>{value.translate(_TEXT) if _SPECIAL(value) else value}</{tag}>"


class Node:
    """An element in the document's default namespace. A child with text only (``leaf``)
    is written at once, as a string: most of a document is leaves, and an object per leaf
    cost more than writing it."""

    __slots__ = ("tag", "text", "attrs", "children")

    def __init__(self, tag: str, text: str | None = None):
        self.tag = tag
        self.text = text
        self.attrs: dict[str, str] = {}
        self.children: list[Node | str] = []

    def add(self, tag: str, text: str | None = None) -> Node:
        child = Node(tag, text)
        self.children.append(child)
        return child

    def leaf(self, tag: str, text: str | None) -> None:
        """A child holding ``text`` (none: empty), without attributes or children."""
        self.children.append(leaf(tag, text))

    def set(self, name: str, value: str) -> None:
        self.attrs[name] = value

    def canonical(self, namespace: str | None = None) -> str:
        """This element as C14N renders it; ``namespace`` is declared on it, as C14N does
        on the apex of a subset whose default namespace is inherited."""
        parts: list[str] = []
        self._write(parts, namespace)
        return "".join(parts)

    def _write(self, out: list[str], namespace: str | None) -> None:
        if namespace is None and not self.attrs:
            out.append(f"<{self.tag}>")
        else:
            out.append("<" + self.tag)
            if namespace is not None:
                out.append(f' xmlns="{attribute(namespace)}"')
            for name in sorted(self.attrs):
                out.append(f' {name}="{attribute(self.attrs[name])}"')
            out.append(">")
        text = self.text
        if text:
            out.append(text.translate(_TEXT) if _SPECIAL(text) else text)
        for child in self.children:
            if type(child) is str:
                out.append(child)
            else:
                child._write(out, None)
        out.append(f"</{self.tag}>")


def attribute(value: str) -> str:
    """An attribute's value escaped as C14N writes it: ``str.translate`` with a table walks
    every character in Python's slow path, so it runs only when there is one to escape."""
    return value.translate(_ATTR) if _SPECIAL(value) else value
