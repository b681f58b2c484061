"""What every dialect shares with the Sefin's API: the same signed DPS, the same transport
and failure handling (``NacionalProvider``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from nfse.providers.base import Emissor, Erro, Exchange, Outcome, Result, Rps, falha_de_envio
from nfse.providers.nacional.dps import DpsInvalida, build_dps
from nfse.providers.transport import Answer, NotSent, Unknown

if TYPE_CHECKING:
    from nfse.model.nota import Nota
    from nfse.providers.nacional.provider import NacionalProvider


def documento(provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
              ) -> tuple[bytes, str | None] | Outcome:
    """The signed DPS the Sefin would receive and the notice of what it assumed (as
    ``NacionalProvider.emit`` builds it), or the refusal of a DPS that cannot be built."""
    lugar = provider.municipio(nota, emissor)
    try:
        xml = build_dps(nota, rps, emissor, municipio_ativo=lugar.ativo,
                        aliquota_municipal=lugar.aliquota)
    except DpsInvalida as exc:
        erros = tuple(Erro(p.codigo, p.mensagem, p.correcao) for p in exc.problemas) or (
            Erro("requisicao_invalida", str(exc)),)
        return Outcome(Result.REJECTED, erros=erros, mensagem=lugar.aviso)
    return xml, lugar.aviso


def chamar(provider: NacionalProvider, method: str, url: str, emissor: Emissor, nome: str,
           pedido: bytes, corpo: dict[str, Any] | None = None, *, content: bytes | None = None,
           headers: dict[str, str] | None = None
           ) -> tuple[Answer, tuple[Exchange, ...]] | Outcome:
    """One request (JSON ``corpo`` or raw ``content``): the answer and its exchange (the
    document ``pedido`` as the request sent, for the record); or the Outcome of a transport
    failure (RETRY or UNKNOWN, as the Sefin's)."""
    try:
        answer = provider.transport.request(method, url, emissor.a1, emissor.ca_file,
                                            emissor.timeout, corpo, content=content,
                                            headers=headers, proxy=emissor.proxy)
    except (NotSent, Unknown) as exc:
        return falha_de_envio(exc, nome, pedido, "Autoridade inacessível",
                              "Sem resposta da autoridade")
    return answer, (Exchange(name=nome, request=pedido, response=answer.body),)


def _lower(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k).lower(): _lower(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_lower(v) for v in obj]
    return obj


def json_de(body: bytes) -> Any:
    """A JSON answer (object or list) with lower-case keys; None when it is not JSON."""
    try:
        return _lower(json.loads(body))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
