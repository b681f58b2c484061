"""Giap's answers (facts from ACBr's ``Giap.Provider.pas``, commit 7be4dac).

- Emission and cancellation: a root with one ``notaFiscal`` per note: ``statusEmissao``
  (``200`` success; any other value is the error's code, its text in ``messages``),
  ``numeroNota``, ``codigoVerificacao``, ``link``, ``numeroRps``.
- Query: at the root, ``notaExiste`` (``Sim``, ``Cancelada``, else not found),
  ``numeroNota``, ``codVerificacao``, ``dataEmissao``, ``dataCancelamento``, ``wsLink``.

An answer that is not XML (Giap's text refusals) becomes one error with its text.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from nfse.providers.base import Erro
from nfse.xml import seguro

SUCESSO = "200"


def ler(body: bytes) -> etree._Element | None:
    """The answer's root, or None when it is not XML."""
    try:
        root = seguro.ler(body)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root if isinstance(root.tag, str) else None


def texto(body: bytes) -> str:
    return body.decode("utf-8", "replace").strip()


def _nota_fiscal(root: etree._Element) -> etree._Element:
    return root if etree.QName(root).localname == "notaFiscal" else \
        next(root.iter("notaFiscal"), root)


def erros(root: etree._Element) -> list[Erro]:
    """The refusal an answer carries: ``statusEmissao`` other than 200 with ``messages``."""
    alvo = _nota_fiscal(root)
    status = (alvo.findtext("statusEmissao") or "").strip()
    if not status or status == SUCESSO:
        return []
    mensagens = alvo.find("messages")
    descricao = " ".join(t.strip() for t in mensagens.itertext() if t.strip()) \
        if mensagens is not None else ""
    return [Erro(status, descricao or f"Recusa da prefeitura (Giap, status {status})")]


@dataclass(frozen=True)
class NotaGiap:
    numero: str
    codigo_verificacao: str | None
    link: str | None
    status: str


def emitida(root: etree._Element) -> NotaGiap | None:
    """The note of an emission or cancellation answer, or None."""
    alvo = _nota_fiscal(root)
    numero = (alvo.findtext("numeroNota") or "").strip()
    status = (alvo.findtext("statusEmissao") or "").strip()
    if not numero:
        return None
    return NotaGiap(numero, (alvo.findtext("codigoVerificacao") or "").strip() or None,
                    (alvo.findtext("link") or "").strip() or None, status)


def documento_da_nota(enviado: bytes, nota: NotaGiap) -> bytes:
    """The note kept by the gateway: the ``notaFiscal`` sent with Giap's number,
    verification code and link in its ``dadosPrestador`` (the layout has their places, and
    ACBr keeps the note so); Giap's answer carries no copy of the note."""
    root = seguro.ler(enviado)
    nota_fiscal = root.find("notaFiscal")
    assert nota_fiscal is not None
    prestador = nota_fiscal.find("dadosPrestador")
    assert prestador is not None
    for tag, valor in (("numeroNota", nota.numero),
                       ("codigoVerificacao", nota.codigo_verificacao), ("link", nota.link)):
        elemento = prestador.find(tag)
        if elemento is None:
            elemento = etree.SubElement(prestador, tag)
        elemento.text = valor or ""
    return etree.tostring(nota_fiscal, xml_declaration=True, encoding="UTF-8")
