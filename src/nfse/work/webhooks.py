"""Webhooks: firing (a delivery per matching hook, in the transaction of the final status)
and delivering the outbox, at least once, with the retry schedule of
``NFSE_WEBHOOK_RETRIES``."""

from __future__ import annotations

import json
import logging

from sqlalchemy import Connection, Engine, Row

from nfse.certs.secrets import SecretBox
from nfse.config import Settings
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
    """Outcome of a delivery: None when delivered, else what went wrong."""

    def __init__(self, engine: Engine, settings: Settings, box: SecretBox, owner: str):
        super().__init__(engine, owner)
        self.settings = settings
        self.box = box

    def _claim(self) -> list[Row]:
        return hooks.claim(self.engine, self.owner, BATCH, self.lease)

    def _failure(self, detail: str) -> str | None:
        return detail

    def _deliver(self, entrega: Row) -> str | None:
        with self.engine.connect() as conn:
            hook = hooks.destino(conn, self.box, entrega.hook_id)
        if hook is None:
            return "gatilho removido"
        return entregar(Destino(hook.url, hook.authorization, hook.authorization_header,
                                hook.secret, tuple(self.settings.webhook_allow)),
                        entrega.body.encode(), entrega.delivery)

    def _record(self, entrega: Row, erro: str | None) -> None:
        schedule = self.settings.webhook_retries
        retry_in = schedule[entrega.attempts] if entrega.attempts < len(schedule) else None
        if erro == "gatilho removido":
            retry_in = None
        with self.engine.begin() as conn:
            hooks.registrar(conn, entrega, ok=erro is None, erro=erro, retry_in=retry_in)
        log.info("entrega %s (gatilho %s): %s", entrega.delivery, entrega.hook_id,
                 erro or "entregue")
