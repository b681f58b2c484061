"""Request bodies: JSON whatever the Content-Type says (clients send ``data=json.dumps(...)``
or ``curl -T file`` without one)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from nfse.api.errors import ApiError
from nfse.model.errors import RequisicaoInvalida


async def json_body(request: Request, required: bool = True) -> Any:
    return (await json_body_text(request, required))[0]


async def json_body_text(request: Request, required: bool = True) -> tuple[Any, str]:
    """The parsed body and its JSON text: as received when it is UTF-8 (kept as the note's
    request, it needs no second serialisation), re-serialised otherwise."""
    raw = await request.body()
    if not raw.strip():
        if not required:
            return {}, "{}"
        raise ApiError(415, "requisicao_invalida", "Corpo da requisição vazio; envie um JSON")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(415, "requisicao_invalida",
                       f"Corpo da requisição não é um JSON válido: {exc}") from exc
    try:
        return body, raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # UTF-16 or UTF-32, which json.loads reads too
        return body, json.dumps(body, ensure_ascii=False)


def invalid(exc: RequisicaoInvalida) -> ApiError:
    """Every problem in ``erros``; ``mensagem`` keeps the first, in the original wording."""
    return ApiError(400, "requisicao_invalida", str(exc),
                    erros=[p.as_json() | {"campo": p.campo} for p in exc.problemas])
