"""The composition root shared by ``nfse serve``, ``nfse worker`` and the tests: settings,
database (migrated), secrets and the certificate-aware emitter factory."""

from __future__ import annotations

import gc
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

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
    proteger(settings.data_dir)
    engine = make_engine(settings.database_url or "", pre_ping=pre_ping)
    if migrate:
        upgrade(engine)
    box = SecretBox(load_or_create_key(settings.secret_key, settings.data_dir / "secret.key"))
    return Runtime(settings=settings, engine=engine, box=box,
                   emissores=EmissorFactory(engine, settings, box))


def proteger(data_dir: Path) -> None:
    """Everything the gateway writes holds secrets or fiscal data (the SQLite database, the
    secret key, ``demo.json`` with its tokens, the maildir's messages): from now on this
    process creates its files 0600 and its folders 0700 (umask 077), and what ``data_dir``
    already holds is brought to those modes (installs made before this rule; only in a
    folder that is the gateway's own, with its ``secret.key``)."""
    os.umask(0o077)
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    if not (data_dir / "secret.key").exists():
        return
    for folder, subfolders, files in os.walk(data_dir):
        for name in subfolders:
            (Path(folder) / name).chmod(0o700)
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                path.chmod(0o600)


def settle() -> None:
    """Load the lookup tables, then move everything alive into the collector's permanent
    generation. A full collection over the ~160,000 objects of a started process takes tens
    of milliseconds, stalling every request in flight; frozen, they are never scanned again."""
    from nfse.municipios.registry import all_municipios

    all_municipios()
    gc.collect()
    gc.freeze()
