"""Each operation of the client written once, without I/O: a generator that yields what to do
next (a ``Pedido`` to send, or a ``Pausa``) and receives the ``httpx.Response`` or has the
transport error thrown into it. The synchronous and the asynchronous clients only drive these
plans, so both behave identically (retries, ``Retry-After``, safe re-POST by ref)."""

from __future__ import annotations

import random
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import httpx

from nfse.cliente.respostas import Cancelamento, Erro, Nota, corpo_json, erro_de


@dataclass(frozen=True)
class Pedido:
    metodo: str
    caminho: str
    json: Any = None
    params: dict[str, Any] | None = None


@dataclass(frozen=True)
class Pausa:
    segundos: float


@dataclass(frozen=True)
class Politica:
    """How hard the client insists: attempts after a transport error or a 5xx (with doubling
    waits from ``espera_inicial`` up to ``espera_maxima``), and after a 429 (waiting what
    ``Retry-After`` says, never more than ``espera_maxima_429``)."""

    tentativas: int = 5
    espera_inicial: float = 0.5
    espera_maxima: float = 10.0
    tentativas_429: int = 10
    espera_maxima_429: float = 60.0


Plano = Generator[Pedido | Pausa, httpx.Response | None, Any]


def _espera_429(resposta: httpx.Response, politica: Politica) -> float:
    for nome in ("retry-after", "rate-limit-reset"):
        valor = resposta.headers.get(nome, "")
        try:
            return min(max(float(valor), 0.0), politica.espera_maxima_429)
        except ValueError:
            continue
    return 1.0


def _espera(tentativa: int, politica: Politica) -> float:
    base = min(politica.espera_inicial * 2 ** tentativa, politica.espera_maxima)
    return base * random.uniform(0.5, 1.0)


def trocar(pedido: Pedido, politica: Politica, repetir: bool) -> Plano:
    """Sends ``pedido`` until it gets an answer that is not a 429 (waiting as told) and, when
    ``repetir`` (the request is safe to send again), not a transport error or a 5xx. Returns
    the last answer; raises the last transport error."""
    falhas = limitadas = 0
    while True:
        try:
            resposta = yield pedido
        except httpx.TransportError:
            if not repetir or falhas + 1 >= politica.tentativas:
                raise
            yield Pausa(_espera(falhas, politica))
            falhas += 1
            continue
        assert resposta is not None
        if resposta.status_code == 429 and limitadas + 1 < politica.tentativas_429:
            limitadas += 1
            yield Pausa(_espera_429(resposta, politica))
            continue
        if resposta.status_code >= 500 and repetir and falhas + 1 < politica.tentativas:
            yield Pausa(_espera(falhas, politica))
            falhas += 1
            continue
        return resposta


def consultar(caminho: str, ref: str, completa: bool, politica: Politica) -> Plano:
    params = {"completa": 1} if completa else None
    resposta = yield from trocar(Pedido("GET", f"{caminho}/{ref}", params=params), politica,
                                 repetir=True)
    if resposta.status_code != 200:
        raise erro_de(resposta)
    return Nota.de(corpo_json(resposta), ref)


def emitir(caminho: str, ref: str, nota: dict[str, Any], politica: Politica) -> Plano:
    """POST the note under ``ref``. Sending it again is safe because the ref is the key: after
    a lost answer the next POST finds the note (422 ``em_processamento`` or ``nfe_autorizada``)
    and the client answers the note's current state instead of an error."""
    resposta = yield from trocar(Pedido("POST", caminho, json=nota, params={"ref": ref}),
                                 politica, repetir=True)
    if resposta.status_code == 202:
        corpo = corpo_json(resposta)
        return Nota.de(corpo if isinstance(corpo, dict) else {}, ref)
    erro = erro_de(resposta)
    if resposta.status_code == 422 and erro.codigo in {"em_processamento", "nfe_autorizada"}:
        return (yield from consultar(caminho, ref, False, politica))
    raise erro


def esperar(caminho: str, ref: str, prazo: float, politica: Politica,
            intervalo: float = 0.5, intervalo_maximo: float = 10.0) -> Plano:
    """Polls the note until a final state, waiting ``intervalo`` first and growing by half at
    each poll up to ``intervalo_maximo``; ``TimeoutError`` once ``prazo`` seconds of waits are
    spent."""
    esperado = 0.0
    while True:
        nota = yield from consultar(caminho, ref, False, politica)
        if nota.final:
            return nota
        if esperado >= prazo:
            raise TimeoutError(f"A nota {ref} ainda está em {nota.status} após {prazo:g} s")
        pausa = min(intervalo, prazo - esperado)
        yield Pausa(pausa)
        esperado += pausa
        intervalo = min(intervalo * 1.5, intervalo_maximo)


def cancelar(caminho: str, ref: str, justificativa: str, politica: Politica) -> Plano:
    """DELETE the note. A retry after a lost answer that finds the note already cancelled
    (``nfe_cancelada``) is the cancellation the first attempt made."""
    pedido = Pedido("DELETE", f"{caminho}/{ref}", json={"justificativa": justificativa})
    resposta = yield from trocar(pedido, politica, repetir=True)
    if resposta.status_code == 200:
        corpo = corpo_json(resposta)
        corpo = corpo if isinstance(corpo, dict) else {}
        return Cancelamento(str(corpo.get("status") or ""),
                            [Erro.de(item) for item in corpo.get("erros") or []])
    erro = erro_de(resposta)
    if erro.codigo == "nfe_cancelada":
        return Cancelamento("cancelado")
    raise erro


def enviar(pedido: Pedido, politica: Politica, repetir: bool = True) -> Plano:
    """Any other call: the JSON of a 2xx answer, or the error."""
    resposta = yield from trocar(pedido, politica, repetir=repetir)
    if resposta.status_code >= 300:
        raise erro_de(resposta)
    return corpo_json(resposta)


def recebidas(cnpj: str, versao: int, completa: bool, politica: Politica) -> Plano:
    """One page of ``GET /v2/nfses_recebidas`` after ``versao`` (Focus: up to 100, ascending)."""
    params: dict[str, Any] = {"cnpj": cnpj, "versao": versao}
    if completa:
        params["completa"] = 1
    pagina = yield from enviar(Pedido("GET", "/v2/nfses_recebidas", params=params), politica)
    return pagina if isinstance(pagina, list) else []
