"""Indexes the operators' note list walks, newest first, for each filter: by company, by
status, by both, the ref alone (without the company, which leads the unique constraint's
index) and the day accepted. With a million notes, a filtered page read every note without
them, and a company's notes of a rare status were fetched one heap page each.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"

INDICES = {
    "ix_notas_empresa": ["empresa_id", "id"],
    "ix_notas_status": ["status", "id"],
    "ix_notas_empresa_status": ["empresa_id", "status", "id"],
    "ix_notas_ref": ["ref"],
    "ix_notas_aceita": ["accepted_at", "id"],
}


def upgrade() -> None:
    for nome, colunas in INDICES.items():
        op.create_index(nome, "notas", colunas)


def downgrade() -> None:
    for nome in INDICES:
        op.drop_index(nome, "notas")
