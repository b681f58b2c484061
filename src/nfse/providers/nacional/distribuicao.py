"""The ADN's distribution to taxpayers, read by the gateway (fact sheet §2.8): ``GET
{adn}/contribuintes/DFe/{NSU}?lote=true&cnpjConsulta=CNPJ`` answers the documents after the NSU
in which the CNPJ is prestador, tomador or intermediário, ascending; the scan ends at
``NENHUM_DOCUMENTO_LOCALIZADO`` (which comes as a 404 with that JSON body). A 429 (an HTML
page) or a 5xx means "come back later".

``ler`` turns each document into what ``/v2/nfses_recebidas`` shows of it."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from nfse.providers.base import Emissor
from nfse.providers.transport import NotSent, Transport, Unknown

NS = {"n": "http://www.sped.fazenda.gov.br/nfse"}
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
CANCELAMENTOS = ("CANCELAMENTO",)
"""``TipoEvento`` values that end a note (``CANCELAMENTO``, ``CANCELAMENTO_POR_SUBSTITUICAO``
and the like all start so)."""


@dataclass(frozen=True)
class Documento:
    nsu: int
    chave: str
    tipo: str
    """``NFSE``, ``EVENTO``, or another ``TipoDocumento`` the gateway does not keep."""
    tipo_evento: str
    xml: bytes


@dataclass(frozen=True)
class Pagina:
    documentos: list[Documento] = field(default_factory=list)
    fim: bool = False
    """Nothing after the NSU asked: stop until the next scheduled run."""
    erro: str = ""
    """Why the ADN could not be read now (retry later); empty when it answered."""


def _campo(item: dict[str, Any], nome: str) -> Any:
    for chave, valor in item.items():
        if chave.lower() == nome.lower():
            return valor
    return None


def _documento(item: dict[str, Any]) -> Documento | None:
    try:
        nsu = int(_campo(item, "NSU"))
        xml = gzip.decompress(base64.b64decode(str(_campo(item, "ArquivoXml")), validate=True))
    except (TypeError, ValueError, binascii.Error, OSError, EOFError, zlib.error):
        return None
    return Documento(nsu, str(_campo(item, "ChaveAcesso") or ""),
                     str(_campo(item, "TipoDocumento") or "").upper(),
                     str(_campo(item, "TipoEvento") or "").upper(), xml)


def consultar(transport: Transport, adn_url: str, emissor: Emissor, nsu: int,
              cnpj: str) -> Pagina:
    """One page of documents after ``nsu`` for ``cnpj``."""
    url = f"{adn_url}/DFe/{nsu}?lote=true&cnpjConsulta={cnpj}"
    try:
        answer = transport.request("GET", url, emissor.a1, emissor.ca_file, emissor.timeout,
                                   proxy=emissor.proxy)
    except (NotSent, Unknown) as exc:
        return Pagina(erro=f"ADN inacessível: {exc}")
    try:
        corpo = json.loads(answer.body)
    except (ValueError, UnicodeDecodeError):
        corpo = None
    if not isinstance(corpo, dict):
        return Pagina(erro=f"ADN respondeu HTTP {answer.status} sem JSON")
    status = str(_campo(corpo, "StatusProcessamento") or "").upper()
    if status == "NENHUM_DOCUMENTO_LOCALIZADO":
        return Pagina(fim=True)
    if status != "DOCUMENTOS_LOCALIZADOS" or answer.status != 200:
        erros = _campo(corpo, "Erros") or []
        texto = "; ".join(f"{_campo(e, 'Codigo')}: {_campo(e, 'Descricao')}"
                          for e in erros if isinstance(e, dict))
        return Pagina(erro=f"ADN recusou a consulta (HTTP {answer.status}): {texto or status}")
    itens = _campo(corpo, "LoteDFe") or []
    documentos = [d for d in (_documento(i) for i in itens if isinstance(i, dict)) if d]
    if not documentos:
        return Pagina(fim=True)
    return Pagina(sorted(documentos, key=lambda d: d.nsu))


def _texto(no: etree._Element | None, caminho: str) -> str:
    if no is None:
        return ""
    return (no.findtext(caminho, namespaces=NS) or "").strip()


def _documento_de(no: etree._Element | None) -> str:
    return _texto(no, "n:CNPJ") or _texto(no, "n:CPF") or _texto(no, "n:NIF")


def _valor(texto: str) -> str | None:
    """A value in the document, as the Focus JSON gives money: a string with 2 decimals."""
    try:
        return str(Decimal(texto).quantize(Decimal("0.01"))) if texto else None
    except InvalidOperation:
        return None


def ler_nfse(xml: bytes) -> dict[str, Any] | None:
    """The fields ``/v2/nfses_recebidas`` shows of an NFS-e; None when it is not one."""
    try:
        raiz = etree.fromstring(xml, PARSER)
    except etree.XMLSyntaxError:
        return None
    inf = raiz.find("n:infNFSe", NS)
    if inf is None:
        return None
    dps = inf.find("n:DPS/n:infDPS", NS)
    emit = inf.find("n:emit", NS)
    endereco = inf.find("n:emit/n:enderNac", NS)
    id_nota = inf.get("Id") or ""
    return {
        "chave": id_nota[3:] if id_nota.startswith("NFS") else id_nota,
        "numero": _texto(inf, "n:nNFSe"),
        "data_emissao": _texto(inf, "n:dhProc"),
        "numero_rps": _texto(dps, "n:nDPS"),
        "serie_rps": _texto(dps, "n:serie"),
        "data_emissao_rps": _texto(dps, "n:dhEmi"),
        "valor_servicos": _valor(_texto(dps, "n:valores/n:vServPrest/n:vServ")),
        "documento_prestador": _documento_de(emit),
        "nome_prestador": _texto(emit, "n:xNome"),
        "inscricao_municipal_prestador": _texto(emit, "n:IM"),
        "codigo_municipio": _texto(endereco, "n:cMun") or _texto(dps, "n:cLocEmi"),
        "nome_municipio": _texto(inf, "n:xLocEmi"),
        "sigla_uf": _texto(endereco, "n:UF"),
        "documento_tomador": _documento_de(dps.find("n:toma", NS) if dps is not None
                                           else None),
        "documento_intermediario": _documento_de(dps.find("n:interm", NS)
                                                 if dps is not None else None),
    }


def cancela(documento: Documento) -> bool:
    return documento.tipo == "EVENTO" and documento.tipo_evento.startswith(CANCELAMENTOS)
