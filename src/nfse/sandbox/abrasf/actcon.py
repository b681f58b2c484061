"""Actcon 2.02 in the sandbox (docs/abrasf-familias-pequenas.md): the reference WSDL with
each city's own namespaces, read by ``PrefeituraNamespaces`` like any document outside
ABRASF's namespace, and an Aliquota written as a fraction (5 % is ``0.0500``; ACBr
``Actcon.GravarXml.pas``, ``DivAliq100``). The municipality reads rates as percentages, so
an Actcon document's rates are turned into percentages on the way in and back into
fractions on the way out: a rate sent as a percentage becomes a hundred times too large and
the municipality refuses its ISS value (E153)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from lxml import etree

from nfse.sandbox.abrasf.prefeitura import NS

ESQUEMA = "/schema/nfse_v202.xsd"
"""How every Actcon document namespace ends (``http://<cidade>/nfseserv/schema/...``)."""


def e_actcon(namespace: str | None) -> bool:
    return bool(namespace) and namespace.endswith(ESQUEMA) and "/nfseserv/" in namespace


def _converter(documento: etree._Element, fator: Decimal, casas: str) -> None:
    for aliquota in documento.iter(f"{{{NS}}}Aliquota"):
        try:
            valor = Decimal((aliquota.text or "").strip())
        except InvalidOperation:
            continue  # the schema check refuses it
        aliquota.text = f"{(valor * fator).quantize(Decimal(casas))}"


def em_percentual(documento: etree._Element) -> None:
    """An Actcon request's rates (fractions) as the municipality reads them."""
    _converter(documento, Decimal(100), "0.01")


def em_fracao(documento: etree._Element) -> None:
    """The municipality's answer with its rates as Actcon writes them."""
    _converter(documento, Decimal("0.01"), "0.0001")
