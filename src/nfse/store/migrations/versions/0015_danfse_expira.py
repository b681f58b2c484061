"""The kept DANFSe PDFs by age: after ``NFSE_DANFSE_DIAS`` a worker removes them (they are
rendered again from the NFS-e's XML when asked for), through this partial index.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"


def upgrade() -> None:
    op.create_index("ix_artefatos_danfse", "artefatos", ["created_at"],
                    postgresql_where=sa.text("kind = 'danfse'"),
                    sqlite_where=sa.text("kind = 'danfse'"))


def downgrade() -> None:
    op.drop_index("ix_artefatos_danfse", "artefatos")
