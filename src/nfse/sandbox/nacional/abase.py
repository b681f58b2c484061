"""ABase's dialect of the national DPS, as the Nacional sandbox plays it: under its base path
(``/api-nacional``), ``POST /recepcionardps`` (the signed DPS as plain XML),
``GET /consultarnfsedps/{número}`` and ``POST /CancelarNfse`` (the signed cancellation
request), every call with ``Authorization: Bearer <chave de acesso do contribuinte>``; the
documents checked and issued with the Sefin's rules (the DPS against the official XSD and its
signature), the answers in ABase's XML (``Protocolo``, ``Erros/Erro``, ``StatusProcessamento``,
``ChaveAcesso``, the ``NFSe``). The events are the national environment's: the Sefin's routes
answer for them under ``/SefinNacional`` on the same port. ABase processes asynchronously; the
sandbox issues at once, so the query that follows the protocol finds the note. The answers'
root element names are the sandbox's own except ``CancelarNfseResponse``: ACBr reads the
children only. Facts from ACBr's ``Provedores/ABase.Provider.pas`` (``...ABaseAPIPropria``,
2026-06-28); the client is ``nfse.providers.nacional.dialetos.abase``."""

from __future__ import annotations

import base64
import gzip
from typing import TYPE_CHECKING, Any

from lxml import etree

from nfse.sandbox.nacional.sefin import agora
from nfse.xml import seguro

if TYPE_CHECKING:
    from nfse.sandbox.nacional.server import NacionalSandbox

NS = "{http://www.sped.fazenda.gov.br/nfse}"
SEFIN_NACIONAL = True
"""Queries by key and of events are the Sefin Nacional's (ACBr: ``ServicosPadraoNacional``)."""
AUTENTICACAO = "Bearer"
"""The company authenticates by its access key at ABase."""
XML = "application/xml; charset=utf-8"


def _pacote(xml: bytes) -> str:
    return base64.b64encode(gzip.compress(xml)).decode()


def _resposta(raiz: str, erros: list[dict[str, Any]] | None = None,
              filhos: dict[str, str | etree._Element] | None = None) -> bytes:
    """An ABase answer: ``DataHoraRecebimento``, the fields, ``Erros/Erro``."""
    resposta = etree.Element(raiz)
    etree.SubElement(resposta, "DataHoraRecebimento").text = \
        agora().replace(microsecond=0).isoformat()
    for nome, valor in (filhos or {}).items():
        if isinstance(valor, str):
            etree.SubElement(resposta, nome).text = valor
        else:
            resposta.append(valor)
    if erros:
        lista = etree.SubElement(resposta, "Erros")
        for erro in erros:
            item = etree.SubElement(lista, "Erro")
            for nome, chaves in (("Codigo", ("Codigo", "codigo")),
                                 ("Descricao", ("Descricao", "descricao")),
                                 ("Correcao", ("Complemento", "complemento"))):
                etree.SubElement(item, nome).text = next(
                    (str(erro[c]) for c in chaves if erro.get(c)), "")
    return etree.tostring(resposta, xml_declaration=True, encoding="UTF-8")


def _erros(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The Sefin's errors of an answer (emission: ``erros``; events: ``erro``)."""
    if answer.get("erros"):
        return list(answer["erros"])
    return [answer["erro"]] if answer.get("erro") else []


def recepcionar(sandbox: NacionalSandbox, corpo: bytes, chamador: str | None
                ) -> tuple[int, bytes, str]:
    status, answer = sandbox.sefin.receber_dps({"dpsXmlGZipB64": _pacote(corpo)}, chamador)
    if status != 201 or not answer:
        return (status, _resposta("RecepcionarDpsResposta", _erros(answer or {})), XML)
    protocolo = str(sandbox.estado.proximo("protocolo_abase"))
    return 200, _resposta("RecepcionarDpsResposta", filhos={"Protocolo": protocolo}), XML


def consultar(sandbox: NacionalSandbox, numero: str, chamador: str | None
              ) -> tuple[int, bytes, str]:
    """The company's note of the DPS number (any series)."""
    emitida = next((n for n in sandbox.emitidas() if n["cnpj"] == chamador
                    and n["nDPS"] == numero), None)
    if emitida is None:
        return 404, _resposta("ConsultarNfseDpsResposta", [{
            "Codigo": "E2404", "Descricao": "Nenhuma NFS-e gerada a partir desta DPS"}]), XML
    status, answer = sandbox.sefin.consultar_nfse(emitida["chaveAcesso"], chamador)
    if status != 200 or not answer:
        return status, _resposta("ConsultarNfseDpsResposta", _erros(answer or {})), XML
    nfse = seguro.ler(gzip.decompress(base64.b64decode(answer["nfseXmlGZipB64"])))
    return 200, _resposta("ConsultarNfseDpsResposta", filhos={
        "StatusProcessamento": "PROCESSADO", "ChaveAcesso": emitida["chaveAcesso"],
        "NFSe": nfse}), XML


def cancelar(sandbox: NacionalSandbox, corpo: bytes, chamador: str | None
             ) -> tuple[int, bytes, str]:
    try:
        raiz = seguro.ler(corpo)
    except etree.XMLSyntaxError as exc:
        return 400, _resposta("CancelarNfseResponse", [{
            "Codigo": "E1235", "Descricao": f"XML ilegível: {exc}"}]), XML
    chave = raiz.findtext(f"{NS}infPedReg/{NS}chNFSe") or ""
    status, answer = sandbox.sefin.registrar_evento(
        chave, {"pedidoRegistroEventoXmlGZipB64": _pacote(corpo)}, chamador)
    erros = [] if status == 201 else _erros(answer or {})
    return (200 if status == 201 else status), _resposta("CancelarNfseResponse", erros), XML


def responder(sandbox: NacionalSandbox, metodo: str, rota: list[str], corpo: bytes,
              chamador: str | None) -> tuple[int, bytes, str] | None:
    """A request to ABase's routes (under the base path); None for any other path.
    ``chamador``: the company the access key belongs to."""
    if metodo == "POST" and rota == ["recepcionardps"]:
        return recepcionar(sandbox, corpo, chamador)
    if metodo == "POST" and rota == ["CancelarNfse"]:
        return cancelar(sandbox, corpo, chamador)
    if metodo == "GET" and len(rota) == 2 and rota[0] == "consultarnfsedps":
        return consultar(sandbox, rota[1], chamador)
    return None
