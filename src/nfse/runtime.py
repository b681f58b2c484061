"""The composition root shared by ``nfse serve``, ``nfse worker`` and the tests: settings,
database (migrated), secrets and the certificate-aware emitter factory."""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine

from nfse.certs.secrets import SecretBox, load_or_create_key
from nfse.config import Settings
from nfse.municipios.routing import carregar as carregar_municipios
from nfse.store.db import is_postgres, make_engine, upgrade
from nfse.store.group_commit import GroupCommit
from nfse.store.notas import Pedido, aceitar_lote
from nfse.work.emissor import EmissorFactory


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    box: SecretBox
    emissores: EmissorFactory
    wake: threading.Event = field(default_factory=threading.Event)
    """Set when a note is accepted, so an in-process worker need not wait for its poll."""
    aceitacao: GroupCommit[Pedido] = field(init=False)
    """Acceptance of notes in shared transactions (its thread starts on first use)."""

    def __post_init__(self) -> None:
        writer = self.engine
        if is_postgres(self.engine):
            # the writer retries a failed batch note by note on a new connection, so it
            # goes without the pool's round trip per checkout
            writer = make_engine(self.engine.url.render_as_string(hide_password=False),
                                 pre_ping=False)
        self.aceitacao = GroupCommit(writer, aceitar_lote)


def build_runtime(settings: Settings | None = None, migrate: bool = True,
                  pre_ping: bool = True) -> Runtime:
    settings = settings or Settings()
    carregar_municipios(settings.municipios_file)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url or "", pre_ping=pre_ping)
    if migrate:
        upgrade(engine)
    box = SecretBox(load_or_create_key(settings.secret_key, settings.data_dir / "secret.key"))
    return Runtime(settings=settings, engine=engine, box=box,
                   emissores=EmissorFactory(engine, settings, box))


def settle() -> None:
    """Load the lookup tables, then move everything alive into the collector's permanent
    generation. A full collection over the ~160,000 objects of a started process takes tens
    of milliseconds, stalling every request in flight; frozen, they are never scanned again."""
    from nfse.municipios.registry import all_municipios

    all_municipios()
    gc.collect()
    gc.freeze()
