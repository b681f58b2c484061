"""SigISSWeb's answers (facts from ACBr's ``SigISSWeb.Provider.pas``, commit 7be4dac).

- Login: the token is the text of a ``descricao`` that holds ``Bearer``; it goes whole as
  ``Authorization``.
- Emission and query by RPS: the note, a ``notafiscal`` root with ``codigo`` (the
  verification code), ``numero_nf``, ``serie``, ``rps``, ``serie_rps``, ``data_emissao``
  (DD/MM/AAAA), ``cancelada`` (S/N), ``data_canc``, ``motivo_canc``.
- Cancellation: ``protocolo`` and ``codigoStatus``.
- Refusals: ``erro`` elements (any case) with ``codigo`` and ``descricao``. An answer that is
  not XML is one refusal with its text, as ACBr reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.providers.base import Erro
from nfse.xml import seguro

TOKEN = re.compile(rb"<descricao>\s*(Bearer[^<]*?)\s*</descricao>", re.IGNORECASE)


def token(body: bytes) -> str | None:
    """The ``Bearer ...`` of a login answer, or None."""
    achado = TOKEN.search(body)
    return achado.group(1).decode("utf-8", "replace") if achado else None


def ler(body: bytes) -> etree._Element | None:
    try:
        root = seguro.ler(body)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root if isinstance(root.tag, str) else None


def erros(root: etree._Element) -> list[Erro]:
    found = []
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname.lower() == "erro":
            descricao = (element.findtext("descricao") or "").strip()
            codigo = (element.findtext("codigo") or "").strip()
            if descricao or codigo:
                found.append(Erro(codigo, descricao or f"Recusa da prefeitura (SigISSWeb, "
                                                       f"código {codigo})"))
    return found


def texto(body: bytes) -> str:
    return body.decode("iso-8859-1" if b"encoding=\"ISO" in body[:80].upper() else "utf-8",
                       "replace").strip()


@dataclass(frozen=True)
class NotaSigiss:
    numero: str
    serie: str
    codigo_verificacao: str | None
    data_emissao: datetime | None
    cancelada: bool


def nota(root: etree._Element) -> NotaSigiss | None:
    """The note an emission or query answer carries, or None."""
    numero = (root.findtext("numero_nf") or "").strip()
    if not numero:
        return None
    try:
        emitida: datetime | None = datetime.strptime(
            (root.findtext("data_emissao") or "").strip(), "%d/%m/%Y").replace(
                tzinfo=SAO_PAULO)
    except ValueError:
        emitida = None
    return NotaSigiss(numero, (root.findtext("serie") or "").strip(),
                      (root.findtext("codigo") or "").strip() or None, emitida,
                      (root.findtext("cancelada") or "").strip().upper() == "S")
