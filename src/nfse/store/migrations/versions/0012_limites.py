"""Request budgets shared by every API process (PostgreSQL): counts per key and window.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    unlogged = ["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else []
    op.create_table(
        "limites",
        sa.Column("chave", sa.String(80), primary_key=True),
        sa.Column("janela", sa.Integer, primary_key=True),
        sa.Column("contagem", sa.Integer, nullable=False),
        prefixes=unlogged,
    )


def downgrade() -> None:
    op.drop_table("limites")
