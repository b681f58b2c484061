"""Text written by ``Node.canonical`` must be what lxml's C14N makes of the same element once
parsed: it is digested as is, and every verifier canonicalises the parsed document."""

from __future__ import annotations

import pytest
from lxml import etree

from nfse.xml.canonical import Node, attribute, leaf
from nfse.xml.sign import c14n

NS = "http://www.sped.fazenda.gov.br/nfse"
AWKWARD = ["a & b < c > d", 'aspas "duplas" e \'simples\'', "linha 1\nlinha 2\r\nfim",
           "tab\there", "acentuação ção ÃÉ – €", "emoji 🧾", "]]> fim de CDATA", ""]


@pytest.mark.parametrize("text", AWKWARD)
def test_canonical_text_matches_lxml_c14n(text: str) -> None:
    node = Node("infDPS")
    node.set("Id", "DPS1")
    node.set("versao", text or "1")
    node.add("xDescServ", text)
    grupo = node.add("end")
    grupo.add("vazio")
    grupo.add("xLgr", text)
    written = node.canonical(NS)
    inside = "<infDPS" + written[len(f'<infDPS xmlns="{NS}"'):]
    parsed = etree.fromstring(f'<DPS xmlns="{NS}">{inside}</DPS>'.encode())
    assert c14n(parsed[0]).decode() == written


def test_attributes_are_sorted_and_the_namespace_comes_first() -> None:
    node = Node("x")
    node.set("b", "2")
    node.set("a", "1")
    assert node.canonical("urn:n") == '<x xmlns="urn:n" a="1" b="2"></x>'


@pytest.mark.parametrize("text", AWKWARD)
def test_text_written_in_document_order_matches_lxml_c14n(text: str) -> None:
    """The DPS's writer: ``leaf`` and ``attribute`` give what ``Node`` gives."""
    node = Node("infDPS")
    node.set("Id", text or "1")
    node.leaf("xDescServ", text)
    written = (f'<infDPS xmlns="{NS}" Id="{attribute(text or "1")}">'
               f"{leaf('xDescServ', text)}</infDPS>")
    assert written == node.canonical(NS)
    inside = "<infDPS" + written[len(f'<infDPS xmlns="{NS}"'):]
    parsed = etree.fromstring(f'<DPS xmlns="{NS}">{inside}</DPS>'.encode())
    assert c14n(parsed[0]).decode() == written
