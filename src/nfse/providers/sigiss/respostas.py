"""SigISS's answers, as ACBr's SigISS provider reads them (``SigISS.Provider.pas``:
``TratarRetornoEmitir``, ``TratarRetornoConsultaNFSeporNumero``, ``ProcessarMensagemErros``).

Each operation answers ``<Operação>Response`` (NuSOAP rpc, members typed with ``xsi:type``)
with:

- emission and cancellation: ``RetornoNota`` (``Resultado`` 1 when done, ``Nota``,
  ``autenticidade``, ``LinkImpressao``);
- query: ``DadosNota`` (``nota``, ``autenticidade``, ``num_rps``, ``serie_rps``,
  ``StatusNFe``, ``LinkImpressao`` and the note's data);
- and ``DescricaoErros`` with one ``item`` per message (``id``, ``DescricaoProcesso``,
  ``DescricaoErro``). As ACBr reads them, an item is a notice, not an error, when its ``id``
  starts with ``A`` or either text is empty, ``Sem erros`` or speaks of ``sucesso``.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from nfse.providers.base import Erro
from nfse.xml import seguro

CODIGO = "sigiss"
"""The ``codigo`` of a SigISS refusal that carries no ``id``."""


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _filho(element: etree._Element | None, nome: str) -> etree._Element | None:
    if element is None:
        return None
    return next((c for c in element if _local(c) == nome), None)


def texto(element: etree._Element | None, nome: str) -> str:
    alvo = _filho(element, nome)
    return (alvo.text or "").strip() if alvo is not None else ""


def resposta(body: bytes, operacao: str) -> etree._Element | None:
    """The ``<operacao>Response`` of an answer (None: unreadable, a Fault or another one)."""
    try:
        root = seguro.ler(body)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return next((e for e in root.iter() if _local(e) == f"{operacao}Response"), None)


def falha(body: bytes) -> str | None:
    """The ``faultstring`` of a SOAP Fault answer, or None."""
    try:
        root = seguro.ler(body)
    except (etree.XMLSyntaxError, ValueError):
        return None
    fault = next((e for e in root.iter() if _local(e) == "Fault"), None)
    if fault is None:
        return None
    return texto(fault, "faultstring") or texto(fault, "faultcode") or "Falha SOAP"


def _aviso(identificador: str, erro: str, processo: str) -> bool:
    def vazio(t: str) -> bool:
        return not t or t == "Sem erros" or "sucesso" in t

    return identificador.startswith("A") or vazio(erro) or vazio(processo)


def _itens(response: etree._Element) -> list[tuple[str, str, str]]:
    lista = _filho(response, "DescricaoErros")
    if lista is None:
        return []
    return [(texto(item, "id"), texto(item, "DescricaoErro"), texto(item, "DescricaoProcesso"))
            for item in lista if _local(item) == "item"]


def erros(response: etree._Element) -> list[Erro]:
    """The errors of ``DescricaoErros``."""
    return [Erro(identificador or CODIGO, processo, erro or None)
            for identificador, erro, processo in _itens(response)
            if not _aviso(identificador, erro, processo)]


def avisos(response: etree._Element) -> list[str]:
    """The notices of ``DescricaoErros`` (their text)."""
    return [processo for identificador, erro, processo in _itens(response)
            if _aviso(identificador, erro, processo) and processo]


@dataclass(frozen=True)
class NotaSigiss:
    numero: str
    codigo_verificacao: str | None
    link: str | None
    numero_rps: str = ""
    serie_rps: str = ""
    cancelada: bool = False


def retorno(response: etree._Element) -> NotaSigiss | None:
    """The note of a ``RetornoNota`` with ``Resultado`` 1, or None."""
    dados = _filho(response, "RetornoNota")
    if texto(dados, "Resultado") != "1":
        return None
    return NotaSigiss(texto(dados, "Nota"), texto(dados, "autenticidade") or None,
                      texto(dados, "LinkImpressao") or None)


def dados_nota(response: etree._Element) -> NotaSigiss | None:
    """The note a query found (``DadosNota``), or None."""
    dados = _filho(response, "DadosNota")
    numero = texto(dados, "nota")
    if dados is None or not numero:
        return None
    status = texto(dados, "StatusNFe")
    return NotaSigiss(numero, texto(dados, "autenticidade") or None,
                      texto(dados, "LinkImpressao") or None, texto(dados, "num_rps"),
                      texto(dados, "serie_rps"), status in ("Cancelada", "2"))


def documento_da_nota(descricao_rps: etree._Element, nota: NotaSigiss) -> bytes:
    """The note kept by the gateway: the ``DescricaoRps`` sent without the company's password
    (the note's XML is served to whoever has its address), with SigISS's ``RetornoNota``
    (number, verification code, print link) as its last member; SigISS answers an emission
    with no copy of the note."""
    ns = etree.QName(descricao_rps).namespace
    for senha in [c for c in descricao_rps if _local(c) == "senha"]:
        descricao_rps.remove(senha)
    gerada = etree.SubElement(descricao_rps, f"{{{ns}}}RetornoNota")
    for tag, valor in (("Resultado", "1"), ("Nota", nota.numero),
                       ("autenticidade", nota.codigo_verificacao),
                       ("LinkImpressao", nota.link)):
        etree.SubElement(gerada, f"{{{ns}}}{tag}").text = valor or ""
    return etree.tostring(descricao_rps, xml_declaration=True, encoding="UTF-8")
