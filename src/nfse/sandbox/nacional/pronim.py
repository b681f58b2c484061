"""Pronim's dialect of the national DPS, as the Nacional sandbox plays it: the Sefin's rules
and documents (the DPS checked against the XSD and its signature, the NFS-e and the event
generated as the Sefin does), behind Pronim's routes and envelope (``POST /EnviarSincrono``
with ``loteXmlGZipB64``, ``GET /ConsultarNFSe/{chave}``,
``/ConsultarDPS/{CNPJ}/{série}/{número}``, ``/ConsultarEventos/{chave}``). Facts from ACBr's
``Provedores/Pronim.Provider.pas`` (``TACBrNFSeProviderPronimAPIPropria``, 2026-06-28); the
client is ``nfse.providers.nacional.dialetos.pronim``."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from typing import TYPE_CHECKING, Any

from lxml import etree

from nfse.sandbox.nacional.sefin import envelope

if TYPE_CHECKING:
    from nfse.sandbox.nacional.server import NacionalSandbox

NS = "{http://www.sped.fazenda.gov.br/nfse}"
SEFIN_NACIONAL = False
"""Pronim answers queries itself: the Sefin's routes are not served beside its own."""
Resposta = tuple[int, Any]
"""(HTTP status, JSON body: an object, or a list for the events)."""


def _erros(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The Sefin's errors of an answer, as a list (emission: ``erros``; events: ``erro``)."""
    if answer.get("erros"):
        return list(answer["erros"])
    return [answer["erro"]] if answer.get("erro") else []


def _chave_do_pedido(item: str) -> str | None:
    """chNFSe of a cancellation request, None when the item is not one (the Sefin's own
    decoding answers what is wrong with it)."""
    try:
        root = etree.fromstring(gzip.decompress(base64.b64decode(item, validate=True)))
    except (binascii.Error, OSError, EOFError, ValueError, etree.XMLSyntaxError):
        return None
    if root.tag != f"{NS}pedRegEvento":
        return None
    return root.findtext(f"{NS}infPedReg/{NS}chNFSe") or ""


def _receber(sandbox: NacionalSandbox, item: Any, chamador: str | None) -> dict[str, Any]:
    """One item of a lot: a DPS (the Sefin's emission) or a cancellation request (its
    event), answered as an item of the lot's answer."""
    if not isinstance(item, str):
        return {"erros": [{"Codigo": "E1235", "Descricao": "Item do lote não é texto Base64",
                           "Complemento": ""}]}
    chave = _chave_do_pedido(item)
    if chave is not None:
        status, answer = sandbox.sefin.registrar_evento(
            chave, {"pedidoRegistroEventoXmlGZipB64": item}, chamador)
        if status == 201 and answer:
            return {"id": f"PRE{chave}101101", "chaveAcesso": chave,
                    "xmlGZipB64": answer["eventoXmlGZipB64"]}
        return {"id": f"PRE{chave}101101", "chaveAcesso": chave, "erros": _erros(answer or {})}
    status, answer = sandbox.sefin.receber_dps({"dpsXmlGZipB64": item}, chamador)
    answer = answer or {}
    if status == 201:
        return {"id": answer["idDps"], "chaveAcesso": answer["chaveAcesso"],
                "xmlGZipB64": answer["nfseXmlGZipB64"]}
    return {"id": answer.get("idDPS"), "erros": _erros(answer)}


def enviar(sandbox: NacionalSandbox, body: dict[str, Any], chamador: str | None) -> Resposta:
    """POST /EnviarSincrono: each document of the lot, in order."""
    lote = body.get("loteXmlGZipB64")
    if not isinstance(lote, list) or not lote:
        return 400, envelope(erros=[{"Codigo": "E1235", "Descricao": "loteXmlGZipB64 ausente",
                                     "Complemento": ""}])
    return 200, {"dataHoraProcessamento": envelope()["dataHoraProcessamento"],
                 "lote": [_receber(sandbox, item, chamador) for item in lote]}


def consultar_nfse(sandbox: NacionalSandbox, chave: str, chamador: str | None) -> Resposta:
    status, answer = sandbox.sefin.consultar_nfse(chave, chamador)
    if status != 200 or not answer:
        return status, {"total": 0, "notas": [], "erros": _erros(answer or {})}
    nota = sandbox.estado.por_chave(chave)
    situacao = "Cancelada" if nota and nota["cancelada"] else "Normal"
    return 200, {"total": 1, "notas": [{"xmlGZipB64": answer["nfseXmlGZipB64"],
                                        "situacao": situacao}]}


def consultar_dps(sandbox: NacionalSandbox, inscricao: str, serie: str, numero: str,
                  chamador: str | None) -> Resposta:
    emitida = next((n for n in sandbox.emitidas() if n["cnpj"] == inscricao
                    and n["serie"] == serie and n["nDPS"] == numero), None)
    if emitida is None:
        return 404, {"notas": [], "erros": [{"codigo": "E2404", "descricao":
                                             "Nenhuma NFS-e gerada a partir desta DPS"}]}
    status, answer = sandbox.sefin.consultar_nfse(emitida["chaveAcesso"], chamador)
    if status != 200 or not answer:
        return status, {"notas": [], "erros": _erros(answer or {})}
    return 200, {"notas": [{"chave": emitida["chaveAcesso"],
                            "xmlGZipB64": answer["nfseXmlGZipB64"]}]}


def consultar_eventos(sandbox: NacionalSandbox, chave: str) -> Resposta:
    status, answer = sandbox.sefin.consultar_evento(chave, "101101", "1")
    if status != 200 or not answer:
        return 200, []
    return 200, [{"tipo": "101101", "dataInclusao": answer["dataHoraProcessamento"],
                  "xmlGZipB64": answer["eventoXmlGZipB64"]}]


def _rota(sandbox: NacionalSandbox, metodo: str, rota: list[str], corpo: bytes,
          chamador: str | None) -> Resposta | None:
    if metodo == "POST" and rota == ["EnviarSincrono"]:
        try:
            body = json.loads(corpo or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = {}
        return enviar(sandbox, body if isinstance(body, dict) else {}, chamador)
    if metodo != "GET":
        return None
    if len(rota) == 2 and rota[0] == "ConsultarNFSe":
        return consultar_nfse(sandbox, rota[1], chamador)
    if len(rota) == 4 and rota[0] == "ConsultarDPS":
        return consultar_dps(sandbox, rota[1], rota[2], rota[3], chamador)
    if len(rota) == 2 and rota[0] == "ConsultarEventos":
        return consultar_eventos(sandbox, rota[1])
    return None


def responder(sandbox: NacionalSandbox, metodo: str, rota: list[str], corpo: bytes,
              chamador: str | None) -> tuple[int, bytes, str] | None:
    """A request to Pronim's routes (under the base path): (status, body, content type);
    None for any other path."""
    answer = _rota(sandbox, metodo, rota, corpo, chamador)
    if answer is None:
        return None
    status, body = answer
    return (status, json.dumps(body, ensure_ascii=False).encode(),
            "application/json; charset=utf-8")
