"""Substitution: the note a new one replaces, and the numbers each side shows.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("notas") as batch:
        batch.add_column(sa.Column("substitui_nota_id", sa.Integer))
        batch.add_column(sa.Column("numero_nfse_substituida", sa.String(20)))
        batch.add_column(sa.Column("numero_nfse_substituta", sa.String(20)))


def downgrade() -> None:
    with op.batch_alter_table("notas") as batch:
        for column in ("numero_nfse_substituta", "numero_nfse_substituida",
                       "substitui_nota_id"):
            batch.drop_column(column)
