"""(ext) Certificate expiry warnings to webhooks: deliveries need not be about a note, and a
company remembers the last warning sent (30, 7 or 1 days before).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("entregas") as batch:
        batch.alter_column("nota_id", existing_type=sa.Integer, nullable=True)
        batch.add_column(sa.Column("empresa_id", sa.Integer))
    with op.batch_alter_table("empresas") as batch:
        batch.add_column(sa.Column("certificado_avisado", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("empresas") as batch:
        batch.drop_column("certificado_avisado")
    with op.batch_alter_table("entregas") as batch:
        batch.drop_column("empresa_id")
        batch.alter_column("nota_id", existing_type=sa.Integer, nullable=False)
