"""Citta's API, as the Nacional sandbox plays it: under its base path
(``/nfse/api/public/nacional``), ``POST`` of a lot ``{"LoteXmlGZipB64": [...]}`` of the NFS-e
the emitter built and signed (the official XSD unchanged: its ``nNFSe`` is the DPS's number),
and ``POST /eventos`` of a lot of the emitter's cancellation ``evento``. The checks are
SilTecnologia's (``siltecnologia.conferir_nfse``, ``registrar_nfse``, ``cancelar``); the
system keeps the emitter's number and key and its document as sent, and shares it with the
national environment: the Sefin's routes answer for it under ``/SefinNacional`` on the same
port. Facts from ACBr's ``Provedores/Citta.Provider.pas`` (``...CittaAPIPropria``,
2026-06-28); the client is ``nfse.providers.nacional.dialetos.citta``."""

from __future__ import annotations

import binascii
import json
from typing import TYPE_CHECKING, Any

from lxml import etree

from nfse.regras.catalogo import mensagem
from nfse.sandbox.nacional.sefin import _decode, _encode, agora
from nfse.sandbox.nacional.siltecnologia import (
    Recebida,
    Recusa,
    cancelar,
    conferir_nfse,
    registrar_nfse,
)
from nfse.xml import seguro
from nfse.xml.validate import nacional_schema_dir, validate

if TYPE_CHECKING:
    from nfse.sandbox.nacional.server import NacionalSandbox

SEFIN_NACIONAL = True
"""Citta's notes are queried at the national environment (ACBr: ``ServicosPadraoNacional``)."""
LOTE = "LoteXmlGZipB64"


def _oficial(nfse: etree._Element) -> list[str]:
    return validate(nfse, nacional_schema_dir() / "NFSe_v1.01.xsd")


def _documento(item: Any) -> etree._Element:
    try:
        return seguro.ler(_decode(item))
    except (ValueError, binascii.Error, OSError, EOFError, etree.XMLSyntaxError) as exc:
        raise Recusa([("E1225", mensagem("E1225"), str(exc))]) from exc


def _erros(recusa: Recusa) -> list[dict[str, str]]:
    return [{"Codigo": c, "Descricao": d, "Complemento": x} for c, d, x in recusa.mensagens]


def _como_emitida(recebida: Recebida) -> tuple[str, int, bytes]:
    """The note as Citta keeps it: the emitter's key, number and document."""
    chave = (recebida.inf.get("Id") or "")[3:]
    numero = recebida.c["nDPS"]
    if chave[23:36] != numero.zfill(13):
        raise Recusa([("S0001", "Chave de acesso da NFS-e inválida",
                       "O número da NFS-e na chave deve ser o nNFSe")])
    return chave, int(numero), etree.tostring(recebida.nfse, xml_declaration=True,
                                               encoding="UTF-8")


def _emitir(sandbox: NacionalSandbox, item: Any, chamador: str | None) -> dict[str, Any]:
    id_dps = None
    try:
        recebida = conferir_nfse(_documento(item), chamador, _oficial, True)
        id_dps = recebida.dps[0].get("Id")
        chave, _ = registrar_nfse(sandbox, recebida, lambda: _como_emitida(recebida))
    except Recusa as recusa:
        return {"id": id_dps, "Erros": _erros(recusa)}
    return {"id": id_dps, "ChaveAcesso": chave,
            "xmlGZipB64": _encode(sandbox.estado.por_chave(chave)["xml"]), "Erros": []}


def _cancelar(sandbox: NacionalSandbox, item: Any, chamador: str | None) -> dict[str, Any]:
    try:
        cancelar(sandbox, _documento(item), chamador)
    except Recusa as recusa:
        return {"Erros": _erros(recusa)}
    return {"Erros": []}


def responder(sandbox: NacionalSandbox, metodo: str, rota: list[str], corpo: bytes,
              chamador: str | None) -> tuple[int, bytes, str] | None:
    """A lot at the base path (emission) or at ``/eventos``; None for any other request."""
    if metodo != "POST" or rota not in ([], [""], ["eventos"]):
        return None
    try:
        lote = json.loads(corpo or b"{}").get(LOTE)
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        lote = None
    if not isinstance(lote, list) or not lote:
        corpo_erro = {"Erros": [{"Codigo": "E1235", "Descricao": f"{LOTE} ausente",
                                 "Complemento": ""}]}
        return 400, json.dumps(corpo_erro).encode(), "application/json"
    tratar = _cancelar if rota == ["eventos"] else _emitir
    resposta = {"DataHoraProcessamento": agora().isoformat(timespec="seconds"),
                "Lote": [tratar(sandbox, item, chamador) for item in lote]}
    return 200, json.dumps(resposta, ensure_ascii=False).encode(), "application/json"
