"""ModernizacaoPublica's dialect of the national DPS, as the Nacional sandbox plays it: one
address (``/nfe/ReceberDPS.rule?sys=NFE``) that takes, by ``POST`` with HTTP Basic
credentials of the company, the signed DPS or the signed cancellation request as plain XML,
checked and answered with the Sefin's rules and documents (the DPS against the official XSD
and its signature); the DPS's answer in ModernizacaoPublica's JSON (``chave_acesso``, the
NFS-e as text in ``xml``, the Sefin's ``erros``), the request's as the Sefin's. The notes are
the national environment's: the Sefin's routes answer for them under ``/SefinNacional`` on
the same port. Facts from ACBr's ``Provedores/ModernizacaoPublica.Provider.pas``
(``...ModernizacaoPublicaAPIPropria``, 2026-06-28); the client is
``nfse.providers.nacional.dialetos.modernizacao``."""

from __future__ import annotations

import base64
import gzip
import json
from typing import TYPE_CHECKING, Any

from lxml import etree

from nfse.sandbox.nacional.sefin import envelope
from nfse.xml import seguro

if TYPE_CHECKING:
    from nfse.sandbox.nacional.server import NacionalSandbox

NS = "{http://www.sped.fazenda.gov.br/nfse}"
SEFIN_NACIONAL = True
"""Queries by DPS, by key and of events are the Sefin Nacional's (ACBr:
``ServicosPadraoNacional``)."""
AUTENTICACAO = "Basic"
"""The company authenticates by its user and password at the city's system."""


def _pacote(xml: bytes) -> str:
    return base64.b64encode(gzip.compress(xml)).decode()


def _receber(sandbox: NacionalSandbox, corpo: bytes, chamador: str | None
             ) -> tuple[int, dict[str, Any]]:
    try:
        raiz = seguro.ler(corpo)
    except etree.XMLSyntaxError as exc:
        return 400, {"sucesso": "false", "mensagem": f"XML ilegível: {exc}"}
    if raiz.tag == f"{NS}pedRegEvento":
        chave = raiz.findtext(f"{NS}infPedReg/{NS}chNFSe") or ""
        status, answer = sandbox.sefin.registrar_evento(
            chave, {"pedidoRegistroEventoXmlGZipB64": _pacote(corpo)}, chamador)
        return status, answer or {}
    status, answer = sandbox.sefin.receber_dps({"dpsXmlGZipB64": _pacote(corpo)}, chamador)
    answer = answer or {}
    if status != 201:
        return status, answer
    nfse = gzip.decompress(base64.b64decode(answer["nfseXmlGZipB64"])).decode()
    return 200, envelope(idDps=answer["idDps"], chave_acesso=answer["chaveAcesso"], xml=nfse)


def responder(sandbox: NacionalSandbox, metodo: str, rota: list[str], corpo: bytes,
              chamador: str | None) -> tuple[int, bytes, str] | None:
    """A POST at the base path; None for any other path or method. ``chamador``: the
    company the credentials belong to."""
    if metodo != "POST" or rota not in ([], [""]):
        return None
    status, answer = _receber(sandbox, corpo, chamador)
    return (status, json.dumps(answer, ensure_ascii=False).encode(),
            "application/json; charset=utf-8")
