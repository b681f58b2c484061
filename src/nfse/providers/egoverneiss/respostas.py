"""eGoverneISS's answers (facts from ACBr's ``eGoverneISS.Provider.pas``, commit 7be4dac, and
the contract's ``ResponseBase``, ``NotaFiscalGeradaDTO``, ``NotaFiscalConsultaDTO``).

Each operation answers ``<Operação>Response/<Operação>Result`` with ``Erro`` (``true``: a
refusal, its text in ``MensagemErro``; eGoverneISS gives no codes) and:

- emission: ``NotaFiscalGerada`` with ``Numero``, ``Autenticador`` (the verification code)
  and ``Link``;
- query: ``NotasGeradas`` with one ``NotaFiscalConsultaDTO`` per note: ``Numero``,
  ``CodigoAutenticidade``, ``LinkNFE``, ``NumeroRecibo``, ``DataCancelamento``...;
- cancellation: nothing more.

A SOAP Fault is WCF's refusal of the message itself (``Client``) or the service's failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

from nfse.providers.base import Erro
from nfse.xml import seguro

CODIGO = "egoverneiss"
"""The ``codigo`` of eGoverneISS's refusals, which carry none of their own."""


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _filho(element: etree._Element, nome: str) -> etree._Element | None:
    return next((c for c in element if _local(c) == nome), None)


def _texto(element: etree._Element | None, nome: str) -> str:
    alvo = _filho(element, nome) if element is not None else None
    return (alvo.text or "").strip() if alvo is not None else ""


@dataclass(frozen=True)
class Falha:
    """A SOAP Fault: ``do_cliente`` when WCF refused the message itself (``Client``, or
    ``DeserializationFailed``: a member it could not read), so nothing ran."""

    codigo: str
    mensagem: str

    @property
    def do_cliente(self) -> bool:
        return self.codigo.rsplit(":", 1)[-1] in ("Client", "Sender", "DeserializationFailed")


def resultado(body: bytes, operacao: str) -> etree._Element | Falha | None:
    """The ``<operacao>Result`` of an answer, its Fault, or None when it has neither."""
    try:
        root = seguro.ler(body)
    except (etree.XMLSyntaxError, ValueError):
        return None
    for element in root.iter():
        nome = _local(element)
        if nome == f"{operacao}Result":
            return element
        if nome == "Fault":
            return Falha(_texto(element, "faultcode"), _texto(element, "faultstring"))
    return None


def erros(result: etree._Element) -> list[Erro]:
    """The refusal a result carries (``Erro`` true)."""
    if _texto(result, "Erro").lower() != "true":
        return []
    mensagem = _texto(result, "MensagemErro") or _texto(result, "Mensagem")
    return [Erro(CODIGO, mensagem or "A prefeitura (eGoverneISS) recusou o pedido sem dizer "
                 "o motivo")]


@dataclass(frozen=True)
class NotaEgoverne:
    numero: str
    codigo_verificacao: str | None
    link: str | None
    numero_recibo: str | None = None
    cancelada: bool = False


def gerada(result: etree._Element) -> NotaEgoverne | None:
    """The note of an emission's result, or None."""
    nota = _filho(result, "NotaFiscalGerada")
    numero = _texto(nota, "Numero")
    if nota is None or not numero:
        return None
    return NotaEgoverne(numero, _texto(nota, "Autenticador") or None,
                        _texto(nota, "Link") or None)


def consultadas(result: etree._Element) -> list[NotaEgoverne]:
    """The notes a query's result lists."""
    lista = _filho(result, "NotasGeradas")
    if lista is None:
        return []
    return [NotaEgoverne(_texto(item, "Numero"), _texto(item, "CodigoAutenticidade") or None,
                         _texto(item, "LinkNFE") or None, _texto(item, "NumeroRecibo") or None,
                         bool(_texto(item, "DataCancelamento")))
            for item in lista if _local(item) and _texto(item, "Numero")]


def mesmo_recibo(numero_recibo: str | None, numero: int) -> bool:
    """Whether a listed note is RPS ``numero``'s (``NumeroRecibo`` is a decimal in the
    contract; a note listed without it is taken as the one asked for)."""
    if numero_recibo is None:
        return True
    try:
        return Decimal(numero_recibo) == numero
    except InvalidOperation:
        return False


def documento_da_nota(nota_fiscal: etree._Element, nota: NotaEgoverne) -> bytes:
    """The note kept by the gateway: the ``NotaFiscal_RTC`` sent without the company's key
    (a secret; the note's XML is served to whoever has its address), with eGoverneISS's
    ``NotaFiscalGerada`` (number, verification code, link) as its last member; eGoverneISS
    answers with no copy of the note."""
    for chave in [c for c in nota_fiscal if _local(c) == "ChaveAutenticacao"]:
        nota_fiscal.remove(chave)
    ns = etree.QName(nota_fiscal).namespace
    prestador = next((etree.QName(c).namespace for c in nota_fiscal
                      if isinstance(c.tag, str)), ns)
    gerada_ = etree.SubElement(nota_fiscal, f"{{{prestador}}}NotaFiscalGerada")
    for tag, valor in (("Autenticador", nota.codigo_verificacao), ("Link", nota.link),
                       ("Numero", nota.numero)):
        etree.SubElement(gerada_, f"{{{prestador}}}{tag}").text = valor or ""
    return etree.tostring(nota_fiscal, xml_declaration=True, encoding="UTF-8")
