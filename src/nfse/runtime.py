"""The composition root shared by ``nfse serve``, ``nfse worker`` and the tests: settings,
database (migrated), secrets and the certificate-aware emitter factory."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine

from nfse.certs.secrets import SecretBox, load_or_create_key
from nfse.config import Settings
from nfse.store.db import make_engine, upgrade
from nfse.work.emissor import EmissorFactory


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    box: SecretBox
    emissores: EmissorFactory
    wake: threading.Event = field(default_factory=threading.Event)
    """Set when a note is accepted, so an in-process worker need not wait for its poll."""


def build_runtime(settings: Settings | None = None, migrate: bool = True) -> Runtime:
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url or "")
    if migrate:
        upgrade(engine)
    box = SecretBox(load_or_create_key(settings.secret_key, settings.data_dir / "secret.key"))
    return Runtime(settings=settings, engine=engine, box=box,
                   emissores=EmissorFactory(engine, settings, box))
