"""Reading the Paulistana ``Retorno...`` documents: ``Cabecalho/Sucesso``, the ``Alerta`` and
``Erro`` events (``Codigo``, ``Descricao``), the NFS-e key of an issued RPS
(``ChaveNFeRPS``) and the notes (``NFe``) of a query. Children are unqualified; the root may
come in any namespace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.digitos import so_digitos
from nfse.providers.base import Erro, Rps


def _text(element: etree._Element | None, path: str) -> str | None:
    found = element.find(path) if element is not None else None
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def sucesso(root: etree._Element) -> bool | None:
    """``Cabecalho/Sucesso``: True, False, or None when absent."""
    value = _text(root, "Cabecalho/Sucesso")
    return None if value is None else value.lower() == "true"


def _eventos(root: etree._Element, tag: str) -> list[Erro]:
    return [Erro(_text(e, "Codigo") or "sem_codigo", _text(e, "Descricao") or "")
            for e in root.findall(tag)]


def erros(root: etree._Element) -> list[Erro]:
    return _eventos(root, "Erro")


def alertas(root: etree._Element) -> list[Erro]:
    return _eventos(root, "Alerta")


def chave_emitida(root: etree._Element) -> tuple[str, str | None] | None:
    """(NumeroNFe, CodigoVerificacao) of ``ChaveNFeRPS``, or None."""
    numero = _text(root, "ChaveNFeRPS/ChaveNFe/NumeroNFe")
    if numero is None:
        return None
    return numero, _text(root, "ChaveNFeRPS/ChaveNFe/CodigoVerificacao")


@dataclass(frozen=True)
class NFe:
    numero: str
    codigo_verificacao: str | None
    data_emissao: datetime | None
    cancelada: bool
    xml: bytes


def _data_hora(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=SAO_PAULO)


def _nfe(element: etree._Element) -> NFe:
    return NFe(numero=_text(element, "ChaveNFe/NumeroNFe") or "",
               codigo_verificacao=_text(element, "ChaveNFe/CodigoVerificacao"),
               data_emissao=_data_hora(_text(element, "DataEmissaoNFe")),
               cancelada=_text(element, "StatusNFe") == "C",
               xml=etree.tostring(element, encoding="UTF-8", xml_declaration=True))


def nfe_do_rps(root: etree._Element, rps: Rps) -> NFe | None:
    """The note of this RPS among the query's ``NFe`` elements."""
    for element in root.findall("NFe"):
        numero = _text(element, "ChaveRPS/NumeroRPS") or ""
        serie = _text(element, "ChaveRPS/SerieRPS") or ""
        if so_digitos(numero) and int(numero) == rps.numero and serie == rps.serie.strip():
            return _nfe(element)
    return None


def nfe_numero(root: etree._Element, numero: str) -> NFe | None:
    for element in root.findall("NFe"):
        own = _text(element, "ChaveNFe/NumeroNFe") or ""
        if so_digitos(own) and so_digitos(numero) and int(own) == int(numero):
            return _nfe(element)
    return None


def documento(root: etree._Element) -> bytes:
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)
