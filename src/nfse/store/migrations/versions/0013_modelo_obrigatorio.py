"""Every note has its door: notes accepted before 0007 (no ``modelo``) came through
``/v2/nfse``, so the column is filled and required, and no reader supplies a default.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    op.execute("UPDATE notas SET modelo = 'nfse' WHERE modelo IS NULL")
    with op.batch_alter_table("notas") as batch:
        batch.alter_column("modelo", existing_type=sa.String(5), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("notas") as batch:
        batch.alter_column("modelo", existing_type=sa.String(5), nullable=True)
