"""Reading the Sefin's JSON answers. Keys are matched case-insensitively and ``erro`` /
``erros`` are accepted as an object or a list: the wire uses PascalCase ``Codigo`` on
emission, lower-case ``codigo`` on queries and events (fact sheet §2.9)."""

from __future__ import annotations

import base64
import gzip
import json
import struct
import zlib
from datetime import datetime
from typing import Any

from lxml import etree

from nfse.providers.base import Erro
from nfse.xml import seguro

NS = {"n": "http://www.sped.fazenda.gov.br/nfse"}


def pack(xml: bytes) -> str:
    """gzip at level 0, then base64: the gzip format the Sefin requires, its deflate data in
    stored blocks, which every inflater reads (RFC 1951 §3.2.4: not an option of the
    format). In the DPS pipeline level 1 cost about 40 µs per document, a sixth of the RSA
    signature it carries, against 9 µs; the document travels as ~4.9 KB of base64 instead
    of ~2.9 KB, on a connection already open (no extra round trip).

    A document that fits one stored block is framed here, byte for byte what
    ``gzip.compress(xml, 0, mtime=0)`` writes: zlib's compressor allocates its ~270 KB of
    tables for every call even at level 0, which cost 3 to 24 µs a document (24 where the
    allocator returned them to the system each time) against 1 µs for the framing."""
    size = len(xml)
    if size > _ONE_BLOCK:
        return base64.b64encode(gzip.compress(xml, compresslevel=0, mtime=0)).decode("ascii")
    framed = b"".join((_GZIP_HEADER, _STORED.pack(1, size, size ^ 0xFFFF), xml,
                       _TRAILER.pack(zlib.crc32(xml), size)))
    return base64.b64encode(framed).decode("ascii")


_GZIP_HEADER = gzip.compress(b"", compresslevel=0, mtime=0)[:10]
"""gzip's header as ``gzip.compress`` writes it at level 0 without a time (RFC 1952 §2.3)."""
_STORED = struct.Struct("<BHH")
"""A final stored block's header: BFINAL=1 BTYPE=00, LEN, NLEN (RFC 1951 §3.2.4)."""
_TRAILER = struct.Struct("<LL")
"""CRC-32 and the input's size modulo 2^32 (RFC 1952 §2.3.1)."""
_ONE_BLOCK = 65_000
"""Below the size where zlib splits its stored output in two blocks (65,535 less its own
bookkeeping; ``tests/providers/test_nacional_dps_bytes.py`` holds the framing to zlib's
output up to here)."""


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


EMISSOR_PROPRIO = frozenset({"E0037", "E0038", "E0039", "E0084", "E0120"})
"""Sefin codes that mean the prestador cannot use the national emitter: its municipality is
not in the convênio register, its convênio is not active, it is not enabled for the national
emitters (catalogue), and, as São Paulo prestadores were answered, no establishment or
municipal registration in the national register (E0084, E0120)."""


MENSAGEM_EMISSOR_PROPRIO = (
    "O emissor nacional recusou a nota: o município do prestador emite NFS-e pelo seu próprio "
    "sistema, não pela Sefin Nacional. Emita pelo sistema do município ou corrija o município "
    "em NFSE_MUNICIPIOS_FILE.")


def mensagem_emissor_proprio(erros: list[Erro]) -> str | None:
    """The note's message when the Sefin refused it as a note of a municipality that issues
    through its own system; None for any other refusal."""
    if not any(e.codigo in EMISSOR_PROPRIO for e in erros):
        return None
    return MENSAGEM_EMISSOR_PROPRIO


def explicar_emissor_proprio(erros: list[Erro]) -> tuple[Erro, ...]:
    """``erros`` with the explanation as the ``correcao`` of each own-emitter code that
    brought none, so that the plain GET of the note says it."""
    return tuple(Erro(e.codigo, e.mensagem, MENSAGEM_EMISSOR_PROPRIO)
                 if e.codigo in EMISSOR_PROPRIO and not e.correcao else e for e in erros)


def nfse_fields(xml: bytes) -> tuple[str, datetime | None, dict[str, str]]:
    """(nNFSe, dhProc, the values the Sefin computed) of an NFS-e document, from one parse."""
    inf = seguro.ler(xml).find("n:infNFSe", NS)
    if inf is None:
        return "", None, {}
    found = _walk(inf, _WANTED, {})
    dh_proc = found.pop("dhProc", None)
    return (found.pop("nNFSe", ""), datetime.fromisoformat(dh_proc) if dh_proc else None,
            {nome: found[nome] for nome in VALORES if found.get(nome)})


VALORES = {
    # GET valores_nfse name → path in infNFSe (the NFS-e, not the DPS it echoes)
    "base_calculo": "valores/vBC",
    "aliquota": "valores/pAliqAplic",
    "valor_iss": "valores/vISSQN",
    "valor_total_retencoes": "valores/vTotalRet",
    "valor_liquido": "valores/vLiq",
    "ibs_cbs_base_calculo": "IBSCBS/valores/vBC",
    "ibs_uf_aliquota": "IBSCBS/valores/uf/pIBSUF",
    "ibs_mun_aliquota": "IBSCBS/valores/mun/pIBSMun",
    "cbs_aliquota": "IBSCBS/valores/fed/pCBS",
    "ibs_uf_valor": "IBSCBS/totCIBS/gIBS/gIBSUFTot/vIBSUF",
    "ibs_mun_valor": "IBSCBS/totCIBS/gIBS/gIBSMunTot/vIBSMun",
    "ibs_valor": "IBSCBS/totCIBS/gIBS/vIBSTot",
    "cbs_valor": "IBSCBS/totCIBS/gCBS/vCBS",
    "valor_total_nfse": "IBSCBS/totCIBS/vTotNF",
}

Wanted = dict[str, "str | Wanted"]


def _tree(paths: dict[str, str]) -> Wanted:
    """The paths as nested {qualified tag: subtree, or the name of the value at a leaf}."""
    tree: Wanted = {}
    for nome, path in paths.items():
        *parents, leaf = [f"{{{NS['n']}}}{step}" for step in path.split("/")]
        node = tree
        for step in parents:
            node = node.setdefault(step, {})  # type: ignore[assignment]
        node[leaf] = nome
    return tree


_WANTED = _tree({**VALORES, "nNFSe": "nNFSe", "dhProc": "dhProc"})


def _walk(element: etree._Element, wanted: Wanted, found: dict[str, str]) -> dict[str, str]:
    """The text of each wanted path under ``element``, the first match as ``findtext``
    gives it, in one pass that enters only the wanted branches (not the DPS the NFS-e
    carries)."""
    for child in element:
        target = wanted.get(child.tag)  # type: ignore[arg-type]
        if isinstance(target, str):
            found.setdefault(target, child.text or "")
        elif target is not None:
            _walk(child, target, found)
    return found

