"""How many notes a worker has in flight, and how many of them each authority gets.

The worker claims notes as places free up (``Vagas``), never a fixed batch whose slowest
answer holds the others. A note waiting for its authority's cap (``Concorrencia``) gives its
place back while it waits, so a saturated municipality does not stop the notes of another
authority: up to ``RETIDAS`` × the places may be held by one worker, the rest waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from nfse.config import Settings

RETIDAS = 4
"""Notes one worker may hold at once, as a multiple of its places in flight (the surplus
waits for an authority at its cap)."""


class Vagas:
    """Places in flight (``limite``) and notes held (in flight or waiting for their
    authority's cap, up to ``RETIDAS × limite``)."""

    def __init__(self, limite: int):
        self.limite = max(1, limite)
        self.teto = RETIDAS * self.limite
        self.em_voo = 0
        self.retidas = 0
        self._cond = threading.Condition()

    def _livres(self) -> int:
        return max(0, min(self.limite - self.em_voo, self.teto - self.retidas))

    def livres(self) -> int:
        """How many notes may be claimed now."""
        with self._cond:
            return self._livres()

    def ocupar(self, n: int) -> None:
        with self._cond:
            self.em_voo += n
            self.retidas += n

    def encerrar(self) -> None:
        """A note is done (whatever its outcome)."""
        with self._cond:
            self.em_voo -= 1
            self.retidas -= 1
            self._cond.notify_all()

    @contextmanager
    def fora_de_voo(self) -> Iterator[None]:
        """While a note waits for its authority, its place is free for another note."""
        with self._cond:
            self.em_voo -= 1
            self._cond.notify_all()
        try:
            yield
        finally:
            with self._cond:
                self.em_voo += 1

    def esperar(self, timeout: float) -> None:
        """Until a place frees up (or ``timeout``)."""
        with self._cond:
            if self._livres() == 0:
                self._cond.wait(timeout)


class Concorrencia:
    """At most ``limite(provider)`` requests at once per authority (per worker process)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._semaforos: dict[str, threading.Semaphore] = {}

    def _semaforo(self, provider: str, autoridade: str) -> threading.Semaphore:
        with self._lock:
            found = self._semaforos.get(autoridade)
            if found is None:
                found = self._semaforos[autoridade] = threading.Semaphore(
                    self.settings.concorrencia(provider))
            return found

    @contextmanager
    def vez(self, provider: str, autoridade: str, vagas: Vagas | None = None
            ) -> Iterator[None]:
        """Hold one of the authority's places while talking to it; waiting for one, the
        note's own place in ``vagas`` is lent to other notes."""
        semaforo = self._semaforo(provider, autoridade)
        if not semaforo.acquire(blocking=False):
            if vagas is None:
                semaforo.acquire()
            else:
                with vagas.fora_de_voo():
                    semaforo.acquire()
        try:
            yield
        finally:
            semaforo.release()
