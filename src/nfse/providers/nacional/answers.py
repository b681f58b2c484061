"""Reading the Sefin's JSON answers. Keys are matched case-insensitively and ``erro`` /
``erros`` are accepted as an object or a list: the wire uses PascalCase ``Codigo`` on
emission, lower-case ``codigo`` on queries and events (fact sheet §2.9)."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import datetime
from typing import Any

from lxml import etree

from nfse.providers.base import Erro

NS = {"n": "http://www.sped.fazenda.gov.br/nfse"}


def pack(xml: bytes) -> str:
    """gzip at level 1: a DPS shrinks about as much as at 9, in three quarters of the time."""
    return base64.b64encode(gzip.compress(xml, compresslevel=1, mtime=0)).decode("ascii")


def unpack(value: str) -> bytes:
    return gzip.decompress(base64.b64decode(value))


def _lower(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k).lower(): _lower(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_lower(v) for v in obj]
    return obj


def json_of(body: bytes) -> dict[str, Any] | None:
    """The answer as a dict with lower-case keys, or None when it is not a JSON object."""
    try:
        parsed = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(parsed, list):
        parsed = {"erros": parsed}
    return _lower(parsed) if isinstance(parsed, dict) else None


def erros_of(answer: dict[str, Any]) -> list[Erro]:
    raw = answer.get("erros", answer.get("erro"))
    if raw is None and "codigo" in answer:
        raw = answer
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    result = []
    for item in items:
        if not isinstance(item, dict):
            continue
        result.append(Erro(
            codigo=str(item.get("codigo") or "sem_codigo"),
            mensagem=str(item.get("descricao") or item.get("mensagem") or "").strip(),
            correcao=(str(item["complemento"]).strip() or None)
            if item.get("complemento") else None,
        ))
    return result


def nfse_fields(xml: bytes) -> tuple[str, datetime | None, dict[str, str]]:
    """(nNFSe, dhProc, the values the Sefin computed) of an NFS-e document, from one parse."""
    inf = etree.fromstring(xml).find("n:infNFSe", NS)
    if inf is None:
        return "", None, {}
    numero = inf.findtext("n:nNFSe", namespaces=NS) or ""
    dh_proc = inf.findtext("n:dhProc", namespaces=NS)
    return (numero, datetime.fromisoformat(dh_proc) if dh_proc else None,
            valores_nfse(inf))


VALORES = {
    # GET valores_nfse name → path in infNFSe (the NFS-e, not the DPS it echoes)
    "base_calculo": "n:valores/n:vBC",
    "aliquota": "n:valores/n:pAliqAplic",
    "valor_iss": "n:valores/n:vISSQN",
    "valor_total_retencoes": "n:valores/n:vTotalRet",
    "valor_liquido": "n:valores/n:vLiq",
    "ibs_cbs_base_calculo": "n:IBSCBS/n:valores/n:vBC",
    "ibs_uf_aliquota": "n:IBSCBS/n:valores/n:uf/n:pIBSUF",
    "ibs_mun_aliquota": "n:IBSCBS/n:valores/n:mun/n:pIBSMun",
    "cbs_aliquota": "n:IBSCBS/n:valores/n:fed/n:pCBS",
    "ibs_uf_valor": "n:IBSCBS/n:totCIBS/n:gIBS/n:gIBSUFTot/n:vIBSUF",
    "ibs_mun_valor": "n:IBSCBS/n:totCIBS/n:gIBS/n:gIBSMunTot/n:vIBSMun",
    "ibs_valor": "n:IBSCBS/n:totCIBS/n:gIBS/n:vIBSTot",
    "cbs_valor": "n:IBSCBS/n:totCIBS/n:gCBS/n:vCBS",
    "valor_total_nfse": "n:IBSCBS/n:totCIBS/n:vTotNF",
}


def valores_nfse(inf: etree._Element) -> dict[str, str]:
    """The values the Sefin computed on an NFS-e (its ``infNFSe``), named as the fields of
    SPEC §2.1; absent ones are left out."""
    found = {nome: inf.findtext(path, namespaces=NS) for nome, path in VALORES.items()}
    return {nome: valor for nome, valor in found.items() if valor}
