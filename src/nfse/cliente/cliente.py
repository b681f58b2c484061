"""The client of the gateway's API (and of Focus NFe's own, whose contract it speaks), in a
synchronous (``Cliente``) and an asynchronous (``ClienteAsync``) flavour that run the same
plans (``nfse.cliente.planos``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from nfse.cliente import planos
from nfse.cliente.planos import Pausa, Pedido, Plano, Politica
from nfse.cliente.respostas import Cancelamento, Nota

CAMINHOS = {"nfse": "/v2/nfse", "nfsen": "/v2/nfsen"}


def _caminho(modelo: str) -> str:
    try:
        return CAMINHOS[modelo]
    except KeyError:
        raise ValueError(f"modelo deve ser um de {sorted(CAMINHOS)}, não {modelo!r}") from None


class _Base:
    """What both flavours share: the plans of each operation, by name."""

    def __init__(self, politica: Politica | None):
        self.politica = politica or Politica()

    def _emitir(self, ref: str, nota: dict[str, Any], modelo: str) -> Plano:
        return planos.emitir(_caminho(modelo), ref, nota, self.politica)

    def _consultar(self, ref: str, completa: bool, modelo: str) -> Plano:
        return planos.consultar(_caminho(modelo), ref, completa, self.politica)

    def _esperar(self, ref: str, prazo: float, modelo: str) -> Plano:
        return planos.esperar(_caminho(modelo), ref, prazo, self.politica)

    def _cancelar(self, ref: str, justificativa: str, modelo: str) -> Plano:
        return planos.cancelar(_caminho(modelo), ref, justificativa, self.politica)

    def _email(self, ref: str, emails: list[str], modelo: str) -> Plano:
        return planos.enviar(Pedido("POST", f"{_caminho(modelo)}/{ref}/email",
                                    json={"emails": emails}), self.politica)

    def _hook(self, ref: str, modelo: str) -> Plano:
        return planos.enviar(Pedido("POST", f"{_caminho(modelo)}/{ref}/hook"), self.politica)


def _maior_versao(pagina: list[dict[str, Any]], versao: int) -> int:
    return max([versao, *(int(item.get("versao") or 0) for item in pagina)])


class Cliente(_Base):
    """``Cliente("https://nfse.example", token)``; every method raises ``ErroApi`` (or a
    subclass) for a refused request and ``httpx.TransportError`` when the server could not be
    reached after the retries of ``politica``."""

    def __init__(self, url: str, token: str, *, politica: Politica | None = None,
                 timeout: float = 30.0, http: httpx.Client | None = None):
        super().__init__(politica)
        self._http = http or httpx.Client(base_url=url, auth=(token, ""), timeout=timeout)

    def __enter__(self) -> Cliente:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _rodar(self, plano: Plano) -> Any:
        try:
            passo = next(plano)
            while True:
                if isinstance(passo, Pausa):
                    time.sleep(passo.segundos)
                    passo = plano.send(None)
                    continue
                try:
                    resposta = self._http.request(passo.metodo, passo.caminho, json=passo.json,
                                                  params=passo.params)
                except httpx.TransportError as exc:
                    passo = plano.throw(exc)
                    continue
                passo = plano.send(resposta)
        except StopIteration as fim:
            return fim.value

    def emitir(self, ref: str, nota: dict[str, Any], modelo: str = "nfse") -> Nota:
        """POST the note; safe to call again with the same ref (see ``planos.emitir``)."""
        return self._rodar(self._emitir(ref, nota, modelo))

    def consultar(self, ref: str, completa: bool = False, modelo: str = "nfse") -> Nota:
        return self._rodar(self._consultar(ref, completa, modelo))

    def esperar(self, ref: str, prazo: float = 300.0, modelo: str = "nfse") -> Nota:
        """The note once it reaches a final state (polling with a growing interval)."""
        return self._rodar(self._esperar(ref, prazo, modelo))

    def cancelar(self, ref: str, justificativa: str, modelo: str = "nfse") -> Cancelamento:
        return self._rodar(self._cancelar(ref, justificativa, modelo))

    def enviar_email(self, ref: str, emails: list[str], modelo: str = "nfse") -> Any:
        return self._rodar(self._email(ref, emails, modelo))

    def reenviar_hook(self, ref: str, modelo: str = "nfse") -> Any:
        return self._rodar(self._hook(ref, modelo))

    def recebidas(self, cnpj: str, versao: int = 0,
                  completa: bool = False) -> Iterator[dict[str, Any]]:
        """Every received note (Focus ``/v2/nfses_recebidas``) after ``versao``, page by page;
        keep the last item's ``versao`` to resume from there next time."""
        while True:
            pagina = self._rodar(planos.recebidas(cnpj, versao, completa, self.politica))
            if not pagina:
                return
            yield from pagina
            versao = _maior_versao(pagina, versao)


class ClienteAsync(_Base):
    """The same client for asyncio: ``async with ClienteAsync(url, token) as c: await
    c.emitir(...)``."""

    def __init__(self, url: str, token: str, *, politica: Politica | None = None,
                 timeout: float = 30.0, http: httpx.AsyncClient | None = None):
        super().__init__(politica)
        self._http = http or httpx.AsyncClient(base_url=url, auth=(token, ""),
                                               timeout=timeout)

    async def __aenter__(self) -> ClienteAsync:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _rodar(self, plano: Plano) -> Any:
        try:
            passo = next(plano)
            while True:
                if isinstance(passo, Pausa):
                    await asyncio.sleep(passo.segundos)
                    passo = plano.send(None)
                    continue
                try:
                    resposta = await self._http.request(passo.metodo, passo.caminho,
                                                        json=passo.json, params=passo.params)
                except httpx.TransportError as exc:
                    passo = plano.throw(exc)
                    continue
                passo = plano.send(resposta)
        except StopIteration as fim:
            return fim.value

    async def emitir(self, ref: str, nota: dict[str, Any], modelo: str = "nfse") -> Nota:
        return await self._rodar(self._emitir(ref, nota, modelo))

    async def consultar(self, ref: str, completa: bool = False, modelo: str = "nfse") -> Nota:
        return await self._rodar(self._consultar(ref, completa, modelo))

    async def esperar(self, ref: str, prazo: float = 300.0, modelo: str = "nfse") -> Nota:
        return await self._rodar(self._esperar(ref, prazo, modelo))

    async def cancelar(self, ref: str, justificativa: str,
                       modelo: str = "nfse") -> Cancelamento:
        return await self._rodar(self._cancelar(ref, justificativa, modelo))

    async def enviar_email(self, ref: str, emails: list[str], modelo: str = "nfse") -> Any:
        return await self._rodar(self._email(ref, emails, modelo))

    async def reenviar_hook(self, ref: str, modelo: str = "nfse") -> Any:
        return await self._rodar(self._hook(ref, modelo))

    async def recebidas(self, cnpj: str, versao: int = 0,
                        completa: bool = False) -> AsyncIterator[dict[str, Any]]:
        while True:
            pagina = await self._rodar(planos.recebidas(cnpj, versao, completa, self.politica))
            if not pagina:
                return
            for item in pagina:
                yield item
            versao = _maior_versao(pagina, versao)
