"""Alembic environment: migrations run on the connection handed over by ``store.db.upgrade``."""

from alembic import context

from nfse.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
