"""The database tables (SQLAlchemy Core). Alembic migrations in ``store/migrations`` create
them; keep both in step."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()

MAX_ID = 2**31 - 1
"""The largest id an ``Integer`` primary key holds (an INTEGER in PostgreSQL, which refuses a
larger value even in a comparison): beyond it no row exists, and a query would fail."""

empresas = Table(
    "empresas", metadata,
    Column("id", Integer, primary_key=True),
    Column("cnpj", String(14)),
    Column("cpf", String(11)),
    Column("nome", String(115), nullable=False),
    Column("inscricao_municipal", String(20), nullable=False),
    Column("codigo_municipio", String(7), nullable=False),
    Column("regime_tributario", Integer),
    Column("email", String(80)),
    Column("certificado", LargeBinary),
    # PKCS#12, encrypted (certs.secrets).
    Column("senha_certificado", LargeBinary),
    Column("certificado_valido_ate", DateTime(timezone=True)),
    Column("certificado_cnpj", String(14)),
    Column("habilita_nfse", Boolean, nullable=False, default=True),
    Column("enviar_email_destinatario", Boolean),
    # None: on in produção, off in homologação.
    Column("smtp_host", String(255)),
    Column("smtp_port", Integer),
    Column("smtp_user", String(255)),
    Column("smtp_password", LargeBinary),
    # Encrypted (certs.secrets).
    Column("smtp_starttls", Boolean),
    Column("smtp_ssl", Boolean),
    Column("smtp_from", String(255)),
    Column("nome_fantasia", String(60)),
    Column("logradouro", String(125)),
    Column("numero", String(10)),
    Column("complemento", String(60)),
    Column("bairro", String(60)),
    Column("cep", String(8)),
    Column("municipio", String(60)),
    Column("uf", String(2)),
    Column("login_responsavel", String(100)),
    Column("senha_responsavel", LargeBinary),
    # Encrypted; never shown back.
    Column("habilita_nfsen_producao", Boolean),
    Column("habilita_nfsen_homologacao", Boolean),
    Column("serie_nfse_producao", String(5)),
    Column("serie_nfse_homologacao", String(5)),
    Column("serie_nfsen_producao", String(5)),
    Column("serie_nfsen_homologacao", String(5)),
    Column("certificado_avisado", Integer),
    # Days before expiry of the last warning sent to webhooks (30, 7, 1); reset on upload.
    Column("excluida_em", DateTime(timezone=True)),
    # Deleted through the API: no access any more, notes kept for the retention period.
    Column("created_at", DateTime(timezone=True), nullable=False),
)

tokens = Table(
    "tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("empresa_id", Integer, ForeignKey("empresas.id"), nullable=False),
    Column("ambiente", String(11), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("cifrado", LargeBinary),
    # The token, encrypted, so the administrator can read it back.
)

admin_tokens = Table(
    "admin_tokens", metadata,
    # The administrator (reseller) tokens of /v2/empresas; hashed.
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("nome", String(100)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

numeracao = Table(
    "numeracao", metadata,
    Column("empresa_id", Integer, ForeignKey("empresas.id"), primary_key=True),
    Column("ambiente", String(11), primary_key=True),
    Column("serie", String(5), primary_key=True),
    Column("proximo_numero", Integer, nullable=False),
)

notas = Table(
    "notas", metadata,
    Column("id", Integer, primary_key=True),
    Column("empresa_id", Integer, ForeignKey("empresas.id"), nullable=False),
    Column("ambiente", String(11), nullable=False),
    Column("ref", String(100), nullable=False),
    Column("provider", String(20), nullable=False),
    Column("status", String(30), nullable=False),
    Column("requisicao", Text, nullable=False),
    Column("cnpj_prestador", String(14), nullable=False),
    Column("serie_rps", String(5)),
    Column("numero_rps", Integer),
    Column("tipo_rps", String(1)),
    Column("numero", String(20)),
    Column("codigo_verificacao", String(60)),
    Column("chave_acesso", String(50)),
    Column("data_emissao", DateTime(timezone=True)),
    Column("erros", Text),
    Column("mensagem", Text),
    Column("capability", String(43), nullable=False, unique=True),
    # Random secret (>= 128 bits) naming the note's public URLs.
    Column("attempts", Integer, nullable=False, default=0),
    Column("reconcile", Boolean, nullable=False, default=False),
    # True once a request may have reached the authority: ask before sending again.
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("lease_until", DateTime(timezone=True)),
    Column("lease_owner", String(64)),
    Column("modelo", String(5), nullable=False),
    Column("valores_nfse", Text),  # JSON: the values the authority computed
    # The door: nfse (municipal unified model, also when NULL) or nfsen (national flat).
    Column("substitui_nota_id", Integer),
    # The note this one replaces (numero_rps_substituido), once accepted.
    Column("numero_nfse_substituida", String(20)),
    Column("numero_nfse_substituta", String(20)),
    Column("accepted_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("empresa_id", "ambiente", "ref", name="uq_notas_ref"),
    Index("ix_notas_due", "status", "next_attempt_at"),
    # The operators' list (store.operador), newest first under each filter:
    Index("ix_notas_empresa", "empresa_id", "id"),
    Index("ix_notas_status", "status", "id"),
    Index("ix_notas_empresa_status", "empresa_id", "status", "id"),
    Index("ix_notas_ref", "ref"),
    Index("ix_notas_aceita", "accepted_at", "id"),
)

historico = Table(
    "historico", metadata,
    Column("id", Integer, primary_key=True),
    Column("nota_id", Integer, ForeignKey("notas.id"), nullable=False, index=True),
    Column("status", String(30), nullable=False),
    Column("detalhe", Text),
    Column("at", DateTime(timezone=True), nullable=False),
)

artefatos = Table(
    "artefatos", metadata,
    Column("id", Integer, primary_key=True),
    Column("nota_id", Integer, ForeignKey("notas.id"), nullable=False, index=True),
    Column("kind", String(80), nullable=False),
    # xml_nfse, xml_cancelamento, danfse, or exchange:<name>:request|response.
    Column("content", LargeBinary, nullable=False),
    # zlib-compressed.
    Column("media_type", String(60), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_artefatos_danfse", "created_at", postgresql_where=text("kind = 'danfse'"),
          sqlite_where=text("kind = 'danfse'")),
    # The kept PDFs by age, for their expiry (work.danfse.expirar).
)

workers = Table(
    "workers", metadata,
    Column("id", String(64), primary_key=True),
    Column("heartbeat_at", DateTime(timezone=True), nullable=False),
)

autoridades = Table(
    "autoridades", metadata,
    Column("chave", String(400), primary_key=True),
    Column("fora_do_ar_ate", DateTime(timezone=True), nullable=False),
)

limites = Table(
    "limites", metadata,
    # Requests of every API process in one budget window (api.ratelimit): the key (a token's
    # or a client address's digest) and the window's start in seconds since the epoch.
    # UNLOGGED on PostgreSQL: a count lost in a crash only loosens one minute's budget.
    Column("chave", String(80), primary_key=True),
    Column("janela", Integer, primary_key=True),
    Column("contagem", Integer, nullable=False),
)

def _queue_columns() -> list[Column]:
    """What an outbox row needs to be claimed with a lease and retried (store.leases)."""
    return [Column("status", String(20), nullable=False),
            Column("attempts", Integer, nullable=False),
            Column("next_attempt_at", DateTime(timezone=True)),
            Column("lease_until", DateTime(timezone=True)),
            Column("lease_owner", String(64)),
            Column("erro", Text),
            Column("created_at", DateTime(timezone=True), nullable=False)]


emails = Table(
    "emails", metadata,
    # The e-mail outbox: one row per recipient and message, claimed like notes.
    Column("id", Integer, primary_key=True),
    Column("nota_id", Integer, ForeignKey("notas.id"), nullable=False, index=True),
    Column("destinatario", String(254), nullable=False),
    Column("motivo", String(20), nullable=False),
    # autorizado, cancelado (automatic, to the tomador) or pedido (POST .../email).
    # status: pendente, enviado, bloqueado, falhou.
    *_queue_columns(),
    Column("sent_at", DateTime(timezone=True)),
    Index("ix_emails_due", "status", "next_attempt_at"),
)

emails_bloqueados = Table(
    "emails_bloqueados", metadata,
    Column("email", String(254), primary_key=True),
    # Lower-cased.
    Column("motivo", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

hooks = Table(
    "hooks", metadata,
    # Hooks (SPEC §4: the URLs a client registers) of one company and environment;
    # authorization and secret encrypted.
    Column("id", String(24), primary_key=True),
    Column("empresa_id", Integer, ForeignKey("empresas.id"), nullable=False),
    Column("ambiente", String(11), nullable=False),
    Column("cnpj", String(14)),
    Column("cpf", String(11)),
    Column("event", String(20), nullable=False),
    Column("url", Text, nullable=False),
    Column("authorization", LargeBinary),
    Column("authorization_header", String(100), nullable=False),
    Column("secret", LargeBinary),
    Column("request_count", Integer, nullable=False),
    Column("success_count", Integer, nullable=False),
    Column("error_count", Integer, nullable=False),
    Column("count_since", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("janela_inicio", DateTime(timezone=True)),
    Column("janela_falhas", Integer),
    Column("janela_sucessos", Integer),
    # Deliveries that failed and succeeded since janela_inicio (a 7-day window).
    Column("desativado_em", DateTime(timezone=True)),
    # Set when a window ended with most deliveries failed: no more deliveries go to it.
    Index("ix_hooks_owner", "empresa_id", "ambiente", "event"),
)

entregas = Table(
    "entregas", metadata,
    # The webhook outbox: one row per hook and event, with the note's JSON of that moment.
    Column("id", Integer, primary_key=True),
    Column("hook_id", String(24), nullable=False, index=True),
    Column("nota_id", Integer, ForeignKey("notas.id")),
    Column("empresa_id", Integer),
    # Set instead of nota_id for company events (certificado).
    Column("delivery", String(36), nullable=False, unique=True),
    Column("body", Text, nullable=False),
    # status: pendente, entregue, falhou.
    *_queue_columns(),
    Column("delivered_at", DateTime(timezone=True)),
    Index("ix_entregas_due", "status", "next_attempt_at"),
)

recebidas = Table(
    "recebidas", metadata,
    # NFS-e where the company is tomador or intermediário (Focus "NFS-e recebidas"), read
    # from the ADN's distribution; versao grows with every change, per company and ambiente.
    Column("id", Integer, primary_key=True),
    Column("empresa_id", Integer, ForeignKey("empresas.id"), nullable=False),
    Column("ambiente", String(11), nullable=False),
    Column("chave", String(50), nullable=False),
    Column("versao", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("nsu", Integer, nullable=False),
    Column("dados", Text, nullable=False),
    # JSON: the fields distribuicao.ler_nfse reads from the XML.
    Column("xml", LargeBinary, nullable=False),
    # gzip of the NFS-e.
    Column("xml_evento", LargeBinary),
    Column("atualizado_em", DateTime(timezone=True), nullable=False),
    UniqueConstraint("empresa_id", "ambiente", "chave", name="uq_recebidas_chave"),
    Index("ix_recebidas_versao", "empresa_id", "ambiente", "versao"),
)

sincronizacoes = Table(
    "sincronizacoes", metadata,
    # One per company and ambiente: where its walk of the ADN distribution stands. Claimed
    # with a lease like an outbox row (status is always "pendente").
    Column("id", Integer, primary_key=True),
    Column("empresa_id", Integer, ForeignKey("empresas.id"), nullable=False),
    Column("ambiente", String(11), nullable=False),
    Column("ultimo_nsu", Integer, nullable=False),
    # The ADN's: its distribution read up to here.
    Column("consultado_ate", DateTime(timezone=True)),
    # The municipal system's (ABRASF ConsultarNfseServicoTomado): notes issued up to here read.
    Column("versao", Integer, nullable=False),
    *_queue_columns(),
    UniqueConstraint("empresa_id", "ambiente", name="uq_sincronizacoes"),
)
