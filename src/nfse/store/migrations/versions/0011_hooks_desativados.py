"""A hook whose deliveries mostly failed for 7 days is disabled: the window's counts and the
moment it was disabled.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    with op.batch_alter_table("hooks") as batch:
        batch.add_column(sa.Column("janela_inicio", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("janela_falhas", sa.Integer))
        batch.add_column(sa.Column("janela_sucessos", sa.Integer))
        batch.add_column(sa.Column("desativado_em", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("hooks") as batch:
        for column in ("desativado_em", "janela_sucessos", "janela_falhas", "janela_inicio"):
            batch.drop_column(column)
