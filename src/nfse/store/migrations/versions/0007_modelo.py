"""The door a note came through: ``nfse`` (municipal unified model) or ``nfsen`` (the flat
model of the NFS-e Nacional).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("notas") as batch:
        batch.add_column(sa.Column("modelo", sa.String(5)))


def downgrade() -> None:
    with op.batch_alter_table("notas") as batch:
        batch.drop_column("modelo")
