"""The delivery loop shared by the outboxes (``work.outbox``): in a burst, places freed one
by one are claimed together, not one claim (a write transaction) per freed place."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from nfse.work.outbox import Outbox


class Fila(Outbox[None]):
    """Rows 0..n-1; each delivery waits for its own release."""

    paralelo = 4
    espera = 30.0

    def __init__(self, n: int):
        super().__init__(engine=None, owner="teste")  # type: ignore[arg-type]
        self.pendentes = list(range(n))
        self.pedidos: list[int] = []
        self.soltar = {i: threading.Event() for i in range(n)}
        self.feitas: list[int] = []

    def _claim_ate(self, quantos: int) -> list[SimpleNamespace]:
        tomadas, self.pendentes = self.pendentes[:quantos], self.pendentes[quantos:]
        if tomadas:
            self.pedidos.append(len(tomadas))
        return [SimpleNamespace(id=i) for i in tomadas]

    def _deliver(self, row: SimpleNamespace) -> None:
        assert self.soltar[row.id].wait(30)

    def _failure(self, detail: str) -> None:
        return None

    def _record(self, row: SimpleNamespace, outcome: None) -> None:
        self.feitas.append(row.id)


def test_places_freed_one_by_one_are_claimed_together() -> None:
    fila = Fila(20)
    laco = threading.Thread(target=lambda: [fila.run_once() for _ in range(3)], daemon=True)
    try:
        laco.start()
        for n in range(8):  # the first claim took 8 (twice the threads): one at a time
            fila.soltar[n].set()
            while len(fila.feitas) <= n:
                threading.Event().wait(0.01)
        laco.join(30)
        assert not laco.is_alive()
        assert fila.pedidos[0] == 8
        assert min(fila.pedidos[1:]) >= 2, fila.pedidos  # one per freed place, it was 1
    finally:
        for evento in fila.soltar.values():
            evento.set()
        fila.close()
