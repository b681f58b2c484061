"""Webhooks: firing (a delivery per matching hook, in the transaction of the final status)
and delivering the outbox, at least once, with the retry schedule of
``NFSE_WEBHOOK_RETRIES``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Connection, Engine, Row

from nfse.certs.secrets import SecretBox
from nfse.config import Settings
from nfse.notify.conexoes_http import ConexoesHttp
from nfse.notify.webhook import Destino, entregar
from nfse.representacao import nota_json
from nfse.store import hooks, notas
from nfse.work.outbox import BATCH, Outbox

log = logging.getLogger("nfse.webhooks")


def disparar(conn: Connection, nota_id: int, base_url: str,
             antes: Row | None = None, matching: list[str] | None = None) -> list[str]:
    """Queue the note's current JSON (as GET answers it) to every matching hook; the ids of
    the hooks. ``antes``: the note's row as the caller already read it (its company,
    environment, prestador and door decide the hooks); the current row and its JSON are read
    only when some hook wants them. ``matching``: the hooks, when the caller already looked
    them up (``ciclo.autorizar``)."""
    row = antes if antes is not None else notas.get(conn, nota_id)
    if matching is None:
        matching = hooks.da_nota(conn, row)
    if matching:
        if antes is not None:
            row = notas.get(conn, nota_id)
        body = json.dumps(nota_json(conn, row, base_url), ensure_ascii=False)
        hooks.enfileirar(conn, nota_id, matching, body)
    return matching


class Webhooks(Outbox[str | None]):
    """Outcome of a delivery: None when delivered, else what went wrong.

    Deliveries to ``NFSE_WEBHOOK_CONCORRENCIA`` hooks at once, each hook's one after another
    on one thread, oldest first: a receiver that hangs holds its own thread for its timeout,
    and the other hooks' deliveries go on in the others (delivered one after another, they
    all waited behind it, whatever company they were for)."""

    def __init__(self, engine: Engine, settings: Settings, box: SecretBox, owner: str):
        super().__init__(engine, owner)
        self.settings = settings
        self.box = box
        self.conexoes = ConexoesHttp()
        self.paralelo = max(1, settings.webhook_concorrencia)
        self.on_free: Callable[[], None] | None = None
        """Called when a hook's deliveries end: its next ones are due for the loop now."""
        self._hooks_in_flight: set[str] = set()

    def run_once(self) -> int:
        """Claim what is due for hooks not being delivered to, and hand each hook's
        deliveries (at most ``BATCH``) to one delivery thread; how many were handed."""
        with self._mudou:
            self._mudou.wait_for(lambda: len(self._hooks_in_flight) < self.paralelo,
                                 timeout=self.espera)
            busy = set(self._hooks_in_flight)
        free = self.paralelo - len(busy)
        if free <= 0:
            return 0
        claimed = hooks.claim(self.engine, self.owner, BATCH, self.lease,
                              skip=sorted(busy))
        by_hook: dict[str, list[Row]] = {}
        extra = []
        for row in sorted(claimed, key=lambda row: row.id):
            group = by_hook.get(row.hook_id)
            if group is None and len(by_hook) < free:
                group = by_hook[row.hook_id] = []
            (extra if group is None else group).append(row)
        if extra:
            hooks.give_back(self.engine, self.owner, [row.id for row in extra])
        if not by_hook:
            return 0
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.paralelo, "webhooks")
        with self._mudou:
            self._hooks_in_flight.update(by_hook)
        for hook_id, rows in by_hook.items():
            self._pool.submit(self._deliver_to_hook, hook_id, rows)
        return sum(map(len, by_hook.values()))

    def _deliver_to_hook(self, hook_id: str, rows: list[Row]) -> None:
        """One hook's deliveries in order. After a failure the rest are given back: each
        would wait the same timeout, holding its lease meanwhile."""
        try:
            for n, row in enumerate(rows):
                if self._one(row) is not None:
                    if rest := [later.id for later in rows[n + 1:]]:
                        hooks.give_back(self.engine, self.owner, rest)
                    break
        except Exception:
            log.exception("hook %s: unexpected failure", hook_id)
        finally:
            with self._mudou:
                self._hooks_in_flight.discard(hook_id)
                self._mudou.notify_all()
            if self.on_free is not None:
                self.on_free()

    def _deliver(self, entrega: Row) -> str | None:
        with self.engine.connect() as conn:
            hook = hooks.destino(conn, self.box, entrega.hook_id)
        if hook is None:
            return "gatilho removido"
        return entregar(Destino(hook.url, hook.authorization, hook.authorization_header,
                                hook.secret, tuple(self.settings.webhook_allow)),
                        entrega.body.encode(), entrega.delivery, conexoes=self.conexoes)

    def close(self) -> None:
        super().close()
        self.conexoes.fechar()

    def _failure(self, detail: str) -> str | None:
        return detail

    def _record(self, entrega: Row, erro: str | None) -> None:
        schedule = self.settings.webhook_retries
        retry_in = schedule[entrega.attempts] if entrega.attempts < len(schedule) else None
        if erro == "gatilho removido":
            retry_in = None
        with self.engine.begin() as conn:
            hooks.registrar(conn, entrega, ok=erro is None, erro=erro, retry_in=retry_in)
        log.info("entrega %s (gatilho %s): %s", entrega.delivery, entrega.hook_id,
                 erro or "entregue")
