"""Companies API: the rest of SPEC §5's company fields, tokens the administrator can read
back (encrypted), administrator tokens, and soft deletion (notes are kept).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

TZ = sa.DateTime(timezone=True)
TEXTOS = {"nome_fantasia": 60, "logradouro": 125, "numero": 10, "complemento": 60,
          "bairro": 60, "cep": 8, "municipio": 60, "uf": 2, "login_responsavel": 100,
          "serie_nfse_producao": 5, "serie_nfse_homologacao": 5, "serie_nfsen_producao": 5,
          "serie_nfsen_homologacao": 5}


def upgrade() -> None:
    with op.batch_alter_table("empresas") as batch:
        for name, size in TEXTOS.items():
            batch.add_column(sa.Column(name, sa.String(size)))
        batch.add_column(sa.Column("habilita_nfsen_producao", sa.Boolean))
        batch.add_column(sa.Column("habilita_nfsen_homologacao", sa.Boolean))
        batch.add_column(sa.Column("senha_responsavel", sa.LargeBinary))
        batch.add_column(sa.Column("excluida_em", TZ))
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("cifrado", sa.LargeBinary))
    op.create_table(
        "admin_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("nome", sa.String(100)),
        sa.Column("created_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("admin_tokens")
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("cifrado")
    with op.batch_alter_table("empresas") as batch:
        for name in [*TEXTOS, "habilita_nfsen_producao", "habilita_nfsen_homologacao",
                     "senha_responsavel", "excluida_em"]:
            batch.drop_column(name)
