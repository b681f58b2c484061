"""Tiplan's dialect of the national DPS, as the Nacional sandbox plays it: the Sefin's rules,
requests and answers behind Tiplan's routes (``POST /recepcao`` with ``dpsXmlGZipB64``,
``POST /evento`` with ``pedidoRegistroEventoXmlGZipB64``, ``GET /chave-acesso/{id da DPS}``),
the notes and events served by the Sefin's routes on the same port. Facts from ACBr's
``Provedores/Tiplan.Provider.pas`` (``TACBrNFSeProviderTiplanAPIPropria``, 2026-06); the client
is ``nfse.providers.nacional.dialetos.tiplan``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from nfse.sandbox.nacional.pronim import _chave_do_pedido
from nfse.sandbox.nacional.sefin import Answer, erro

if TYPE_CHECKING:
    from nfse.sandbox.nacional.server import NacionalSandbox

SEFIN_NACIONAL = True
"""The NFS-e by key and the events are the Sefin Nacional's (``/SefinNacional``)."""


def _json(corpo: bytes) -> dict[str, Any]:
    try:
        body = json.loads(corpo or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _rota(sandbox: NacionalSandbox, metodo: str, rota: list[str], corpo: bytes,
          chamador: str | None) -> Answer | None:
    if metodo == "POST" and rota == ["recepcao"]:
        return sandbox.sefin.receber_dps(_json(corpo), chamador)
    if metodo == "POST" and rota == ["evento"]:
        body = _json(corpo)
        pedido = body.get("pedidoRegistroEventoXmlGZipB64")
        chave = _chave_do_pedido(pedido) if isinstance(pedido, str) else None
        if not chave:
            return erro(400, "E1235", "pedidoRegistroEventoXmlGZipB64 ausente ou inválido")
        return sandbox.sefin.registrar_evento(chave, body, chamador)
    if metodo == "GET" and len(rota) == 2 and rota[0] == "chave-acesso":
        return sandbox.sefin.consultar_dps(rota[1], chamador)
    return None


def responder(sandbox: NacionalSandbox, metodo: str, rota: list[str], corpo: bytes,
              chamador: str | None) -> tuple[int, bytes, str] | None:
    """A request to Tiplan's routes (under the base path): (status, body, content type);
    None for any other path."""
    answer = _rota(sandbox, metodo, rota, corpo, chamador)
    if answer is None:
        return None
    status, body = answer
    return (status, json.dumps(body or {}, ensure_ascii=False).encode(),
            "application/json; charset=utf-8")
