"""The values the authority computed on the issued NFS-e (ISS, net value, IBS/CBS of the 2026
reform), as JSON: GET shows them in ``valores_nfse``.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    with op.batch_alter_table("notas") as batch:
        batch.add_column(sa.Column("valores_nfse", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("notas") as batch:
        batch.drop_column("valores_nfse")
