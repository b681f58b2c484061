"""HTTP clients kept open per webhook destination, so that a destination's deliveries reuse
its connection: a new one per delivery was a TCP handshake and, for https, a TLS one (a
round trip or two and the handshake's CPU) before every note's webhook.

A destination is the scheme, the host name, the address that name was checked to resolve to
(``webhook.resolver``) and the port: a connection opened with one name's SNI and certificate
check, to one checked address, never carries a delivery for another name or address."""

from __future__ import annotations

import ssl
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import httpx

Destino = tuple[str, str, str, int | None]
"""Scheme, host name, checked address, port."""


@cache
def contexto_tls() -> ssl.SSLContext:
    """The TLS context of every delivery (httpx's default trust store), built once per
    process: built per delivery, as a new ``httpx.Client`` does, it cost ~12 ms of CPU, more
    than the rest of a delivery, and held a note's webhook ~16 ms after its commit."""
    return httpx.create_ssl_context(trust_env=False)


@dataclass
class _Cliente:
    http: httpx.Client
    em_uso: int = 0


class ConexoesHttp:
    """At most ``maximo`` destinations' clients kept; to make room, the least recently used
    one not delivering at that moment is closed (none idle: one more is kept for a while,
    never a connection closed under a delivery)."""

    def __init__(self, maximo: int = 64):
        self.maximo = maximo
        self._clientes: OrderedDict[Destino, _Cliente] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def cliente(self, destino: Destino) -> Iterator[httpx.Client]:
        """The destination's client, held while the block delivers."""
        with self._lock:
            cliente = self._clientes.pop(destino, None) or _Cliente(httpx.Client(
                follow_redirects=False, trust_env=False, verify=contexto_tls()))
            cliente.em_uso += 1
            self._clientes[destino] = cliente
            sobras = self._sobras()
        for sobra in sobras:
            sobra.close()
        try:
            yield cliente.http
        finally:
            with self._lock:
                cliente.em_uso -= 1

    def _sobras(self) -> list[httpx.Client]:
        """The idle clients taken out beyond ``maximo``, oldest first (lock held)."""
        sobras: list[httpx.Client] = []
        excesso = len(self._clientes) - self.maximo
        for destino, cliente in list(self._clientes.items()):
            if excesso <= 0:
                break
            if not cliente.em_uso:
                del self._clientes[destino]
                sobras.append(cliente.http)
                excesso -= 1
        return sobras

    def fechar(self) -> None:
        with self._lock:
            clientes = [cliente.http for cliente in self._clientes.values()]
            self._clientes.clear()
        for http in clientes:
            http.close()
