"""Webhooks (gatilhos): the hooks a company registers and the outbox of deliveries.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hooks",
        sa.Column("id", sa.String(24), primary_key=True),
        sa.Column("empresa_id", sa.Integer, sa.ForeignKey("empresas.id"), nullable=False),
        sa.Column("ambiente", sa.String(11), nullable=False),
        sa.Column("cnpj", sa.String(14)),
        sa.Column("cpf", sa.String(11)),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("authorization", sa.LargeBinary),
        sa.Column("authorization_header", sa.String(100), nullable=False),
        sa.Column("secret", sa.LargeBinary),
        sa.Column("request_count", sa.Integer, nullable=False),
        sa.Column("success_count", sa.Integer, nullable=False),
        sa.Column("error_count", sa.Integer, nullable=False),
        sa.Column("count_since", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_hooks_owner", "hooks", ["empresa_id", "ambiente", "event"])
    op.create_table(
        "entregas",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hook_id", sa.String(24), nullable=False, index=True),
        sa.Column("nota_id", sa.Integer, sa.ForeignKey("notas.id"), nullable=False),
        sa.Column("delivery", sa.String(36), nullable=False, unique=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TZ),
        sa.Column("lease_until", TZ),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("erro", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("delivered_at", TZ),
    )
    op.create_index("ix_entregas_due", "entregas", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_entregas_due", "entregas")
    op.drop_table("entregas")
    op.drop_index("ix_hooks_owner", "hooks")
    op.drop_table("hooks")
