"""Request budgets that hold across API processes (PostgreSQL).

Each process counts its requests in memory (``api.ratelimit``) and, every ``intervalo``
seconds, adds what it counted since the last time to the ``limites`` table in one statement
and reads back every process's totals for those keys. A request is judged on the process's
own count plus the other processes' count as last read. So a budget costs no database
write per request — the hot path of the API — and N processes together admit at most the
budget plus what the others admitted in one ``intervalo``.

The shared windows are aligned to the clock (minute 0, 1, …) so every process means the same
window; the local windows (``RateLimiter``) start at a key's first request. At a minute's turn
the others' count starts again from zero: the shared part only ever loosens a budget by one
window, never refuses what one process alone would admit.

Should the database fail, counts are dropped and each process keeps its own budget."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from nfse.api.ratelimit import MAX_KEYS, WINDOW
from nfse.store import limites

log = logging.getLogger("nfse.api")
Chave = tuple[str, int]


def _guardada(chave: str) -> str:
    """The key as stored: a token's digest and an address fit; anything longer is hashed."""
    return chave if len(chave) <= 80 else hashlib.sha256(chave.encode()).hexdigest()


class ContagemPartilhada:
    def __init__(self, engine: Engine, intervalo: float = 0.2,
                 relogio: Callable[[], float] = time.time):
        self.engine = engine
        self.intervalo = intervalo
        self.relogio = relogio
        self._pendentes: dict[Chave, int] = {}
        self._enviados: dict[Chave, int] = {}
        self._outros: dict[Chave, int] = {}
        self._lock = threading.Lock()
        self._parar = threading.Event()
        self._thread: threading.Thread | None = None
        self._esquecida = 0
        self._podada = -1
        """The window in which the counts were dropped to bound memory (``_podar``)."""

    def _chave(self, chave: str) -> Chave:
        agora = self.relogio()
        return _guardada(chave), int(agora - agora % WINDOW)

    def contar(self, chave: str) -> int:
        """Count one request of this process; the other processes' requests in the window."""
        k = self._chave(chave)
        with self._lock:
            self._pendentes[k] = self._pendentes.get(k, 0) + 1
            return self._outros.get(k, 0)

    def outros(self, chave: str) -> int:
        """The other processes' requests in the window, as last read."""
        return self._outros.get(self._chave(chave), 0)

    def sincronizar(self) -> None:
        """Add this process's counts to the table; read every process's totals back."""
        with self._lock:
            pendentes, self._pendentes = self._pendentes, {}
        if not pendentes:
            return
        atual = max(janela for _, janela in pendentes)
        try:
            with self.engine.begin() as conn:
                totais = limites.somar(conn, pendentes)
                if atual > self._esquecida:
                    limites.esquecer(conn, atual - int(WINDOW))
                    self._esquecida = atual
        except SQLAlchemyError as exc:
            log.warning("contagem dos limites indisponível (%s); limite por processo", exc)
            return
        with self._lock:
            for k, total in totais.items():
                if k not in self._enviados and k[1] == self._podada:
                    enviados = total  # what this process sent is unknown: loosen, not tighten
                else:
                    enviados = self._enviados.get(k, 0) + pendentes.get(k, 0)
                self._enviados[k] = enviados
                self._outros[k] = total - enviados
            self._podar(atual)

    def _podar(self, atual: int) -> None:
        """Only the current window matters; memory stays bounded whatever the keys."""
        for mapa in (self._enviados, self._outros):
            for k in [k for k in mapa if k[1] < atual]:
                del mapa[k]
        if len(self._enviados) > MAX_KEYS:
            self._enviados.clear()
            self._outros.clear()
            self._podada = atual

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="nfse-limites", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._parar.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.sincronizar()

    def _run(self) -> None:
        while not self._parar.wait(self.intervalo):
            self.sincronizar()
