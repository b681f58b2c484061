"""Notes a company received in São Paulo (``ConsultaNFeRecebidas``): what
``/v2/nfses_recebidas`` shows of each ``NFe`` (``tpNFe``) of a ``RetornoConsulta``.

A note the Prefeitura also sent to the national repository carries its national access key
(``ChaveNFe/ChaveNotaNacional``, layout 2): that key names it, so the national walk and this
one keep one note. Without it the gateway names it as it names an ABRASF note: ``A`` + the
municipality (3550308) + the prestador's CPF/CNPJ (14) + the note's number (15). A cancelled
note (``StatusNFe`` C) is its own cancellation document."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from nfse.model.digitos import so_digitos

SAO_PAULO = "3550308"


@dataclass(frozen=True)
class Recebida:
    dados: dict[str, Any]
    xml: bytes
    """The ``NFe``."""
    cancelamento: bytes | None
    """The same ``NFe`` when it is cancelled, None while it stands."""


@dataclass(frozen=True)
class PaginaRecebidas:
    notas: list[Recebida] = field(default_factory=list)
    mais: bool = False
    """A full page (50 notes): the next one may have more (manual item 4.3.6)."""
    erro: str = ""


POR_PAGINA = 50
DIAS_POR_CONSULTA = 31
"""The longest period one ConsultaNFeRecebidas may span (manual item 4.5.1, error 1403)."""


def _texto(no: etree._Element | None, caminho: str) -> str:
    if no is None:
        return ""
    return (no.findtext(caminho) or "").strip()


def _doc(no: etree._Element, tag: str) -> str:
    return _texto(no, f"{tag}/CNPJ") or _texto(no, f"{tag}/CPF")


def _valor(texto: str) -> str | None:
    try:
        return str(Decimal(texto).quantize(Decimal("0.01"))) if texto else None
    except InvalidOperation:
        return None


def ler(nfe: etree._Element) -> Recebida | None:
    """The note as ``/v2/nfses_recebidas`` shows it, or None when it has no number or
    prestador."""
    numero = _texto(nfe, "ChaveNFe/NumeroNFe")
    prestador = _doc(nfe, "CPFCNPJPrestador")
    if not (so_digitos(numero) and prestador):
        return None
    nacional = _texto(nfe, "ChaveNFe/ChaveNotaNacional")
    chave = nacional or f"A{SAO_PAULO}{prestador:0>14}{int(numero):015d}"
    valor = _texto(nfe, "ValorServicos") or _texto(nfe, "ValorFinalCobrado")
    dados = {
        "chave": chave,
        "numero": numero,
        "codigo_verificacao": _texto(nfe, "ChaveNFe/CodigoVerificacao"),
        "data_emissao": _texto(nfe, "DataEmissaoNFe"),
        "numero_rps": _texto(nfe, "ChaveRPS/NumeroRPS"),
        "serie_rps": _texto(nfe, "ChaveRPS/SerieRPS"),
        "data_emissao_rps": _texto(nfe, "DataEmissaoRPS"),
        "valor_servicos": _valor(valor),
        "documento_prestador": prestador,
        "nome_prestador": _texto(nfe, "RazaoSocialPrestador"),
        "inscricao_municipal_prestador": _texto(nfe, "ChaveNFe/InscricaoPrestador"),
        "codigo_municipio": SAO_PAULO,
        "sigla_uf": "SP",
        "nome_municipio": "São Paulo",
        "documento_tomador": _doc(nfe, "CPFCNPJTomador"),
        "documento_intermediario": _doc(nfe, "CPFCNPJIntermediario"),
    }
    xml = etree.tostring(nfe, encoding="UTF-8", xml_declaration=True)
    return Recebida(dados, xml, xml if _texto(nfe, "StatusNFe") == "C" else None)


def pagina(retorno: etree._Element) -> list[Recebida]:
    """The notes of one page of the answer."""
    return [nota for nota in map(ler, retorno.findall("NFe")) if nota is not None]
