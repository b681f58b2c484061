"""Migrations carry old data forward on either engine."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import insert, select

from nfse.store import db
from nfse.store.clock import now
from nfse.store.tables import empresas, notas


def _de_volta(engine, revisao: str) -> None:  # noqa: ANN001
    """The test's database (migrated to the head once per run) taken back to ``revisao``:
    the later migrations' downgrades run too."""
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revisao)


def test_a_note_from_before_the_door_was_stored_came_through_v2_nfse(
        database_url: str) -> None:
    """Notes accepted before 0007 have no ``modelo``: they came through ``/v2/nfse``, and
    after the upgrade they answer there (and their hooks are the ``nfse`` ones) like any
    other, with no default in the code that reads them."""
    engine = db.make_engine(database_url)
    try:
        _de_volta(engine, "0011")
        moment = now()
        with engine.begin() as conn:
            empresa_id = conn.execute(insert(empresas).values(
                cnpj="11222333000181", nome="ANTIGA", inscricao_municipal="1",
                codigo_municipio="3550308", created_at=moment).returning(empresas.c.id)
            ).scalar_one()
            conn.execute(insert(notas).values(
                empresa_id=empresa_id, ambiente="homologacao", ref="antiga",
                capability="c" * 32, provider="nacional", status="autorizado",
                requisicao="{}", cnpj_prestador="11222333000181", attempts=1,
                reconcile=False, updated_at=moment, accepted_at=moment, modelo=None))
        db.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(select(notas.c.modelo)).scalars().all() == ["nfse"]
    finally:
        engine.dispose()
