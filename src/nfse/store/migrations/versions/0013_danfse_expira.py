"""The kept DANFSe PDFs by age: after ``NFSE_DANFSE_DIAS`` a worker removes them (they are
rendered again from the NFS-e's XML when asked for), through this partial index.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    op.create_index("ix_artefatos_danfse", "artefatos", ["created_at"],
                    postgresql_where=sa.text("kind = 'danfse'"),
                    sqlite_where=sa.text("kind = 'danfse'"))


def downgrade() -> None:
    op.drop_index("ix_artefatos_danfse", "artefatos")
