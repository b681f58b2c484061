"""Received notes (Focus "NFS-e recebidas") read from the ADN's distribution, and where each
company's walk of it stands.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "recebidas",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("empresa_id", sa.Integer, sa.ForeignKey("empresas.id"), nullable=False),
        sa.Column("ambiente", sa.String(11), nullable=False),
        sa.Column("chave", sa.String(50), nullable=False),
        sa.Column("versao", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("nsu", sa.Integer, nullable=False),
        sa.Column("dados", sa.Text, nullable=False),
        sa.Column("xml", sa.LargeBinary, nullable=False),
        sa.Column("xml_evento", sa.LargeBinary),
        sa.Column("atualizado_em", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("empresa_id", "ambiente", "chave", name="uq_recebidas_chave"),
    )
    op.create_index("ix_recebidas_versao", "recebidas", ["empresa_id", "ambiente", "versao"])
    op.create_table(
        "sincronizacoes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("empresa_id", sa.Integer, sa.ForeignKey("empresas.id"), nullable=False),
        sa.Column("ambiente", sa.String(11), nullable=False),
        sa.Column("ultimo_nsu", sa.Integer, nullable=False),
        sa.Column("consultado_ate", sa.DateTime(timezone=True)),
        sa.Column("versao", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("erro", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("empresa_id", "ambiente", name="uq_sincronizacoes"),
    )


def downgrade() -> None:
    op.drop_table("sincronizacoes")
    op.drop_index("ix_recebidas_versao", "recebidas")
    op.drop_table("recebidas")
