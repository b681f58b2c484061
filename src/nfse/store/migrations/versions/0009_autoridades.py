"""Authorities a worker found out of the air (its circuit open), shared with the API so
``/v2/municipios`` can answer ``status_nfse = "fora_do_ar"``.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_table(
        "autoridades",
        sa.Column("chave", sa.String(400), primary_key=True),
        sa.Column("fora_do_ar_ate", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("autoridades")
