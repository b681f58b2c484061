"""Conam's answers, as ACBr reads them (``Conam.Provider.pas``, ``Conam.LerXml.pas``,
commit 7be4dac).

- Every output document may carry ``Messages/Message`` with ``Id`` and ``Description``: the
  ids ``OK`` and ``EXITO`` are no error, ``Arquivo Aceito`` is a notice, any other is an error
  whose code is the id.
- ``Sdt_processarpsout``: ``Protocolo`` of the lot.
- ``Sdt_consultaprotocoloout``: ``PrtXSts``, the lot's situation: 1 aguardando
  processamento, 2 em processamento, 3 processado com erro, 4 processado com aviso,
  5 processado com sucesso.
- ``Sdt_consultanotasprotocoloout``: ``XML_Notas/Reg20/Reg20Item``, one per note issued:
  ``NumNf``, ``SerNf``, ``CodVernf``, ``SitNf`` (2 cancelada), ``DtEmiNf``, ``DtHrGerNf``,
  ``NumRps``, ``SerRps`` and the amounts (``VlNFS``, ``VlBasCalc``, ``AlqIss``, ``VlIss``,
  ``VlIssRet``) with a decimal comma.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.providers.base import Erro, Rps

SEM_ERRO = frozenset({"OK", "EXITO"})
AVISO = "Arquivo Aceito"
PROCESSADO = frozenset({"3", "4", "5"})
CANCELADA = "2"
SITUACOES = {"1": "aguardando processamento", "2": "em processamento"}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _filhos(element: etree._Element, nome: str) -> list[etree._Element]:
    return [c for c in element if _local(c) == nome]


def texto(element: etree._Element, nome: str) -> str:
    """The text of ``element``'s first child ``nome`` (any namespace), stripped."""
    filho = next(iter(_filhos(element, nome)), None)
    return "".join(filho.itertext()).strip() if filho is not None else ""


def _mensagens(documento: etree._Element) -> list[tuple[str, str]]:
    lista = next(iter(_filhos(documento, "Messages")), documento)
    return [(texto(m, "Id"), texto(m, "Description")) for m in _filhos(lista, "Message")]


def erros(documento: etree._Element) -> list[Erro]:
    """The errors of an answer (the messages that are neither OK nor a notice)."""
    return [Erro(codigo or "sem_codigo", descricao or "Recusa da prefeitura (Conam) sem "
                 "descrição")
            for codigo, descricao in _mensagens(documento)
            if codigo not in SEM_ERRO and codigo != AVISO]


def avisos(documento: etree._Element) -> list[str]:
    return [f"{codigo}: {descricao}" if descricao else codigo
            for codigo, descricao in _mensagens(documento) if codigo == AVISO]


@dataclass(frozen=True)
class NotaConam:
    numero: str
    serie: str
    codigo_verificacao: str | None
    numero_rps: str
    serie_rps: str
    cancelada: bool
    data_emissao: datetime | None
    valores: dict[str, str]
    xml: bytes


def _decimal(text: str) -> str | None:
    try:
        return str(Decimal(text.replace(".", "").replace(",", "."))) if text else None
    except InvalidOperation:
        return None


def _data(item: etree._Element) -> datetime | None:
    for nome, formato in (("DtHrGerNf", "%d/%m/%Y %H:%M:%S"), ("DtEmiNf", "%d/%m/%Y"),
                          ("DtEmi", "%d/%m/%Y")):
        valor = texto(item, nome)
        try:
            return datetime.strptime(valor, formato).replace(tzinfo=SAO_PAULO)
        except ValueError:
            continue
    return None


def _nota(item: etree._Element) -> NotaConam:
    valor_iss = _decimal(texto(item, "VlIss"))
    valores = {"base_calculo": _decimal(texto(item, "VlBasCalc")),
               "aliquota": _decimal(texto(item, "AlqIss")), "valor_iss": valor_iss,
               "valor_liquido": _decimal(texto(item, "VlNFS"))}
    retido = _decimal(texto(item, "VlIssRet"))
    if valores["valor_liquido"] and retido:
        valores["valor_liquido"] = str(Decimal(valores["valor_liquido"]) - Decimal(retido))
    documento = etree.Element("Reg20")
    copia = etree.fromstring(etree.tostring(item))
    for element in copia.iter():  # kept as ACBr keeps it: the record without namespace
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(copia)
    documento.append(copia)
    return NotaConam(numero=texto(item, "NumNf"), serie=texto(item, "SerNf"),
                     codigo_verificacao=texto(item, "CodVernf") or None,
                     numero_rps=texto(item, "NumRps"), serie_rps=texto(item, "SerRps"),
                     cancelada=texto(item, "SitNf") == CANCELADA, data_emissao=_data(item),
                     valores={k: v for k, v in valores.items() if v is not None},
                     xml=etree.tostring(documento, xml_declaration=True, encoding="UTF-8"))


def nota_do_rps(documento: etree._Element, rps: Rps) -> NotaConam | None:
    """The note of ``rps`` in a ``Sdt_consultanotasprotocoloout`` (matched by number, and by
    series when the answer gives one)."""
    for item in documento.iter():
        if _local(item) != "Reg20Item":
            continue
        numero = texto(item, "NumRps").lstrip("0")
        serie = texto(item, "SerRps")
        if numero == str(rps.numero) and (not serie or serie == rps.serie) \
                and texto(item, "NumNf"):
            return _nota(item)
    return None
