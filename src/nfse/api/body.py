"""Request bodies: JSON whatever the Content-Type says (clients send ``data=json.dumps(...)``
or ``curl -T file`` without one), read within ``NFSE_MAX_BODY`` and checked before any route
sees them, so that what a route stores can always be sent, printed and read back:

- at most ``NFSE_MAX_BODY`` bytes (413 as soon as the size is known, before parsing);
- strict UTF-8 (or UTF-16/32, which ``json.loads`` reads too): no invalid bytes, no lone
  surrogates, raw or escaped;
- plain JSON: no NaN/Infinity, no number that is not a finite float, no integer of more than
  ``MAX_DIGITOS`` digits, no key given twice, at most ``MAX_PROFUNDIDADE`` levels deep;
- every key and text within the characters the documents can carry (``model.texto``).

Every problem found is listed in ``erros``; nothing of a refused body is stored."""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import Request

from nfse.api.errors import ApiError
from nfse.model import texto
from nfse.model.digitos import so_digitos
from nfse.model.errors import Problema, RequisicaoInvalida

MAX_PROFUNDIDADE = 16
"""Levels of objects and lists; a note has four."""
MAX_DIGITOS = 64
"""Digits of an integer literal: a 44-digit access key fits, a 4,300-digit one does not."""
MAX_PROBLEMAS = 20
"""Problems listed for one body; a body with thousands stops being worth reading there."""


class _Recusado(ValueError):
    """A body the JSON decoder must stop reading."""


def _inteiro(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_DIGITOS:
        raise _Recusado(f"número inteiro com mais de {MAX_DIGITOS} dígitos")
    return int(literal)


def _real(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise _Recusado(f"número {literal[:40]} fora do intervalo aceito")
    return number


def _constante(literal: str) -> Any:
    raise _Recusado(f"{literal} não é um número JSON válido")


def _objeto(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _Recusado(f'chave "{_legivel(key)}" repetida no mesmo objeto')
            seen.add(key)
    return found


_DECODER = json.JSONDecoder(object_pairs_hook=_objeto, parse_int=_inteiro, parse_float=_real,
                            parse_constant=_constante)


def _legivel(value: str) -> str:
    """``value`` safe to put in a message (a lone surrogate cannot be encoded in one)."""
    return value if texto.problema(value) is None else ascii(value)[1:-1]


def limite(request: Request) -> int:
    return request.app.state.runtime.settings.max_body


def muito_grande(limit: int) -> ApiError:
    return ApiError(413, "requisicao_muito_grande",
                    f"Corpo da requisição maior que o limite de {limit} bytes",
                    headers={"Connection": "close"})


async def read_limited(request: Request) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed ``NFSE_MAX_BODY``: from
    ``Content-Length`` before reading, else while reading."""
    limit = limite(request)
    declared = request.headers.get("content-length", "")
    if so_digitos(declared) and (len(declared) > 18 or int(declared) > limit):
        raise muito_grande(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise muito_grande(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def json_body(request: Request, required: bool = True) -> Any:
    return (await json_body_text(request, required))[0]


async def json_body_text(request: Request, required: bool = True) -> tuple[Any, str]:
    """The parsed body and its JSON text: as received when it is UTF-8 (kept as the note's
    request, it needs no second serialisation), re-serialised otherwise."""
    raw = await read_limited(request)
    if not raw.strip():
        if not required:
            return {}, "{}"
        raise ApiError(415, "requisicao_invalida", "Corpo da requisição vazio; envie um JSON")
    return parse(raw)


def parse(raw: bytes) -> tuple[Any, str]:
    """``raw`` checked as the module says: (the value, its JSON text)."""
    encoding = json.detect_encoding(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise nao_json(f"Corpo da requisição não é texto {encoding.upper()} válido "
                       f"(byte inválido na posição {exc.start})") from exc
    try:
        body = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise nao_json(f"Corpo da requisição não é um JSON válido: {exc}") from exc
    except _Recusado as exc:
        raise recusado(f"Corpo da requisição recusado: {exc}") from exc
    except RecursionError as exc:
        raise recusado(f"Corpo da requisição recusado: mais de {MAX_PROFUNDIDADE} níveis de "
                       "objetos e listas") from exc
    problemas = [] if _simples(text) else problemas_do_corpo(body)
    if problemas:
        raise invalid(RequisicaoInvalida(problemas))
    if not encoding.startswith("utf-8"):
        text = json.dumps(body, ensure_ascii=False)
    return body, text


def _simples(text: str) -> bool:
    """Whether the JSON text alone shows that every key and text passes and the nesting is
    within the limit: no escape that could hide a character (``\\u``, ``\\b``, ``\\f``),
    nothing refused anywhere in the text, fewer brackets than the depth limit. The common
    case; it spares the walk over the values (most of the checks' cost)."""
    return (text.count("{") + text.count("[") <= MAX_PROFUNDIDADE and "\\u" not in text
            and "\\b" not in text and "\\f" not in text and texto.problema(text) is None)


def nao_json(mensagem: str) -> ApiError:
    return ApiError(415, "requisicao_invalida", mensagem, erros=[{
        "codigo": "requisicao_invalida", "mensagem": mensagem, "campo": None,
        "correcao": "Envie o corpo em JSON, codificado em UTF-8"}])


def recusado(mensagem: str) -> ApiError:
    return ApiError(400, "requisicao_invalida", mensagem, erros=[{
        "codigo": "requisicao_invalida", "mensagem": mensagem, "campo": None,
        "correcao": "Envie um JSON comum, como o gerado por qualquer biblioteca JSON"}])


def problemas_do_corpo(body: Any) -> list[Problema]:
    """Every key and text that cannot be carried, and nesting past ``MAX_PROFUNDIDADE``, in
    document order (at most ``MAX_PROBLEMAS``). Iterative: no depth reaches the stack."""
    problemas: list[Problema] = []
    pending: list[tuple[Any, str, int]] = [(body, "", 0)]
    while pending and len(problemas) < MAX_PROBLEMAS:
        value, path, depth = pending.pop()
        kind = type(value)
        if kind is str:
            motivo = texto.problema(value)
            if motivo:
                problemas.append(_problema(path or "corpo", motivo))
            continue
        if kind is not dict and kind is not list:
            continue
        if depth >= MAX_PROFUNDIDADE:
            problemas.append(Problema(path or "corpo",
                                      f'Parâmetro "{path}" tem mais de {MAX_PROFUNDIDADE} '
                                      "níveis de objetos e listas",
                                      "Envie a nota no formato documentado"))
            continue
        children: list[tuple[Any, str, int]] = []
        if kind is dict:
            for key, item in value.items():
                motivo = texto.problema(key)
                name = f"{path}.{_legivel(key)}" if path else _legivel(key)
                if motivo:
                    problemas.append(_problema(name, "(o nome do parâmetro) " + motivo))
                    continue
                children.append((item, name, depth + 1))
        else:
            children = [(item, f"{path}[{index}]", depth + 1)
                        for index, item in enumerate(value)]
        pending.extend(reversed(children))
    return problemas


def _problema(campo: str, motivo: str) -> Problema:
    return Problema(campo, f'Parâmetro "{campo}" {motivo}',
                    "Corrija o texto e envie a requisição novamente")


def invalid(exc: RequisicaoInvalida) -> ApiError:
    """Every problem in ``erros``; ``mensagem`` keeps the first, in the original wording."""
    return ApiError(400, "requisicao_invalida", str(exc),
                    erros=[p.as_json() | {"campo": p.campo} for p in exc.problemas])
