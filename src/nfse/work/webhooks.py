"""Webhooks: firing (a delivery per matching hook, in the transaction of the final status)
and delivering the outbox, at least once, with the retry schedule of
``NFSE_WEBHOOK_RETRIES``."""

from __future__ import annotations

import json
import logging
from collections import Counter
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

    Deliveries go out in groups, each on a delivery thread of its own, one after another:
    ``NFSE_WEBHOOK_CONCORRENCIA`` groups at once, at most half of them to one hook. A
    receiver that hangs holds its own groups for its timeout, and the other hooks' deliveries
    go on in the others (delivered one after another, they all waited behind it, whatever
    company they were for); a receiver far away gets several at once. A note's deliveries to
    a hook (or its company's events) are never in two groups at once, so they arrive in the
    order they were queued."""

    def __init__(self, engine: Engine, settings: Settings, box: SecretBox, owner: str):
        super().__init__(engine, owner)
        self.settings = settings
        self.box = box
        self.conexoes = ConexoesHttp()
        self.paralelo = max(1, settings.webhook_concorrencia)
        self.por_hook = max(1, self.paralelo // 2)
        self.on_free: Callable[[], None] | None = None
        """Called when a group ends: what it held back is due for the loop now."""
        self._groups: Counter[str] = Counter()
        """Groups in flight, by hook."""
        self._notas: Counter[tuple[str, int | None]] = Counter()
        """(hook, nota) of the deliveries in flight; nota None: a company event."""

    def run_once(self) -> int:
        """Claim what is due and hand it out in groups as places are free. What cannot go
        now (its hook has its share of groups, or its note is being delivered to that hook)
        is given back at once. How many were handed out when the claim was full (more may be
        due: the loop claims again at once), else 0: the loop waits to be woken, by new
        deliveries or by a group's end (``on_free``). Claiming again at once after every
        delivery handed out was an empty claim each time, beside the delivery just
        starting: ~2 ms more to each webhook at light load on PostgreSQL."""
        with self._mudou:
            self._mudou.wait_for(lambda: self._groups.total() < self.paralelo,
                                 timeout=self.espera)
            groups, em_voo = Counter(self._groups), set(self._notas)
        free = self.paralelo - groups.total()
        if free <= 0:
            return 0
        claimed = hooks.claim(self.engine, self.owner, BATCH, self.lease,
                              skip=sorted(h for h, n in groups.items() if n >= self.por_hook))
        novos, extra = self._agrupar(claimed, groups, em_voo, free)
        if extra:
            hooks.give_back(self.engine, self.owner, [row.id for row in extra])
        if not novos:
            return 0
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.paralelo, "webhooks")
        with self._mudou:
            for hook_id, rows in novos:
                self._groups[hook_id] += 1
                self._notas.update(_notas(hook_id, rows))
        for hook_id, rows in novos:
            self._pool.submit(self._deliver_group, hook_id, rows)
        return sum(len(rows) for _, rows in novos) if len(claimed) == BATCH else 0

    def _agrupar(self, claimed: list[Row], groups: Counter[str],
                 em_voo: set[tuple[str, int | None]], free: int
                 ) -> tuple[list[tuple[str, list[Row]]], list[Row]]:
        """The new groups (a hook's, at most ``free`` in all and ``por_hook`` per hook with
        those in flight, a note's deliveries to a hook in one of them, oldest first) and the
        deliveries left out."""
        novos: list[tuple[str, list[Row]]] = []
        by_hook: dict[str, list[list[Row]]] = {}
        by_nota: dict[tuple[str, int | None], list[Row]] = {}
        extra: list[Row] = []
        for row in sorted(claimed, key=lambda row: row.id):
            chave = (row.hook_id, row.nota_id)
            if chave in em_voo:
                extra.append(row)
                continue
            group = by_nota.get(chave)
            if group is None:
                own = by_hook.setdefault(row.hook_id, [])
                if groups[row.hook_id] + len(own) < self.por_hook and len(novos) < free:
                    group = []
                    own.append(group)
                    novos.append((row.hook_id, group))
                elif own:
                    group = min(own, key=len)
                else:
                    extra.append(row)
                    continue
                by_nota[chave] = group
            group.append(row)
        return novos, extra

    def _deliver_group(self, hook_id: str, rows: list[Row]) -> None:
        """A group's deliveries in order. After a failure the rest are given back: each
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
                self._groups -= Counter([hook_id])  # a hook with none left drops out
                self._notas -= Counter(_notas(hook_id, rows))
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


def _notas(hook_id: str, rows: list[Row]) -> list[tuple[str, int | None]]:
    """The (hook, nota) pairs of a group's deliveries; a company event's nota is None (a
    hook is one company's: its events are one subject, kept in order as a note's are)."""
    return [(hook_id, row.nota_id) for row in rows]
