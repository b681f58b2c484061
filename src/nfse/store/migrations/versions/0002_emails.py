"""E-mail: the outbox (one row per recipient and message), the block list of addresses that
bounced, and each company's e-mail settings.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("empresas") as batch:
        batch.add_column(sa.Column("enviar_email_destinatario", sa.Boolean))
        batch.add_column(sa.Column("smtp_host", sa.String(255)))
        batch.add_column(sa.Column("smtp_port", sa.Integer))
        batch.add_column(sa.Column("smtp_user", sa.String(255)))
        batch.add_column(sa.Column("smtp_password", sa.LargeBinary))
        batch.add_column(sa.Column("smtp_starttls", sa.Boolean))
        batch.add_column(sa.Column("smtp_ssl", sa.Boolean))
        batch.add_column(sa.Column("smtp_from", sa.String(255)))
    op.create_table(
        "emails",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("nota_id", sa.Integer, sa.ForeignKey("notas.id"), nullable=False, index=True),
        sa.Column("destinatario", sa.String(254), nullable=False),
        sa.Column("motivo", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TZ),
        sa.Column("lease_until", TZ),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("erro", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ),
    )
    op.create_index("ix_emails_due", "emails", ["status", "next_attempt_at"])
    op.create_table(
        "emails_bloqueados",
        sa.Column("email", sa.String(254), primary_key=True),
        sa.Column("motivo", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("emails_bloqueados")
    op.drop_index("ix_emails_due", "emails")
    op.drop_table("emails")
    with op.batch_alter_table("empresas") as batch:
        for column in ("smtp_from", "smtp_ssl", "smtp_starttls", "smtp_password", "smtp_user",
                       "smtp_port", "smtp_host", "enviar_email_destinatario"):
            batch.drop_column(column)
