"""Initial schema: companies, tokens, numbering, notes, history, artifacts, workers.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "empresas",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cnpj", sa.String(14)),
        sa.Column("cpf", sa.String(11)),
        sa.Column("nome", sa.String(115), nullable=False),
        sa.Column("inscricao_municipal", sa.String(20), nullable=False),
        sa.Column("codigo_municipio", sa.String(7), nullable=False),
        sa.Column("regime_tributario", sa.Integer),
        sa.Column("email", sa.String(80)),
        sa.Column("certificado", sa.LargeBinary),
        sa.Column("senha_certificado", sa.LargeBinary),
        sa.Column("certificado_valido_ate", TZ),
        sa.Column("certificado_cnpj", sa.String(14)),
        sa.Column("habilita_nfse", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("empresa_id", sa.Integer, sa.ForeignKey("empresas.id"), nullable=False),
        sa.Column("ambiente", sa.String(11), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "numeracao",
        sa.Column("empresa_id", sa.Integer, sa.ForeignKey("empresas.id"), primary_key=True),
        sa.Column("ambiente", sa.String(11), primary_key=True),
        sa.Column("serie", sa.String(5), primary_key=True),
        sa.Column("proximo_numero", sa.Integer, nullable=False),
    )
    op.create_table(
        "notas",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("empresa_id", sa.Integer, sa.ForeignKey("empresas.id"), nullable=False),
        sa.Column("ambiente", sa.String(11), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("requisicao", sa.Text, nullable=False),
        sa.Column("cnpj_prestador", sa.String(14), nullable=False),
        sa.Column("serie_rps", sa.String(5)),
        sa.Column("numero_rps", sa.Integer),
        sa.Column("tipo_rps", sa.String(1)),
        sa.Column("numero", sa.String(20)),
        sa.Column("codigo_verificacao", sa.String(60)),
        sa.Column("chave_acesso", sa.String(50)),
        sa.Column("data_emissao", TZ),
        sa.Column("erros", sa.Text),
        sa.Column("mensagem", sa.Text),
        sa.Column("capability", sa.String(43), nullable=False, unique=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("reconcile", sa.Boolean, nullable=False),
        sa.Column("next_attempt_at", TZ),
        sa.Column("lease_until", TZ),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("accepted_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("empresa_id", "ambiente", "ref", name="uq_notas_ref"),
    )
    op.create_index("ix_notas_due", "notas", ["status", "next_attempt_at"])
    op.create_table(
        "historico",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("nota_id", sa.Integer, sa.ForeignKey("notas.id"), nullable=False, index=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("detalhe", sa.Text),
        sa.Column("at", TZ, nullable=False),
    )
    op.create_table(
        "artefatos",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("nota_id", sa.Integer, sa.ForeignKey("notas.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(80), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("media_type", sa.String(60), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "workers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("heartbeat_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in ("workers", "artefatos", "historico", "notas", "numeracao", "tokens",
                  "empresas"):
        op.drop_table(table)
