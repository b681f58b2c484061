"""Companies, their tokens and their A1 certificates (encrypted at rest)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, delete, func, insert, select, update

from nfse.certs.a1 import A1, load_pfx
from nfse.certs.secrets import SecretBox, hash_token
from nfse.model.nota import Endereco
from nfse.store.clock import aware, now
from nfse.store.tables import empresas, tokens

AMBIENTES = ("homologacao", "producao")


@dataclass(frozen=True)
class Empresa:
    id: int
    cnpj: str | None
    cpf: str | None
    nome: str
    inscricao_municipal: str
    codigo_municipio: str
    regime_tributario: int | None
    habilita_nfse: bool
    certificado_valido_ate: datetime | None
    email: str | None = None
    enviar_email_destinatario: bool | None = None
    """None: on in produção, off in homologação."""
    tem_certificado: bool = True
    habilita_nfsen_producao: bool | None = None
    habilita_nfsen_homologacao: bool | None = None
    """``/v2/nfsen`` per environment: None = enabled, False = refused."""
    endereco: Endereco | None = None
    """The registered address (fields not registered are None), read with the rest of the
    company: a system whose NFS-e carries it (SilTecnologia) needs it for every note, and a
    query of its own per note was half of the acceptance's CPU there."""

    @property
    def documento(self) -> str:
        return self.cnpj or self.cpf or ""

    def envia_ao_tomador(self, ambiente: str) -> bool:
        if self.enviar_email_destinatario is None:
            return ambiente == "producao"
        return self.enviar_email_destinatario


@dataclass(frozen=True)
class Credencial:
    """What a token opens: one company in one environment."""

    empresa: Empresa
    ambiente: str
    token_id: int


def _empresa(row) -> Empresa:  # noqa: ANN001
    return Empresa(
        id=row.id, cnpj=row.cnpj, cpf=row.cpf, nome=row.nome,
        inscricao_municipal=row.inscricao_municipal, codigo_municipio=row.codigo_municipio,
        regime_tributario=row.regime_tributario, habilita_nfse=row.habilita_nfse,
        certificado_valido_ate=aware(row.certificado_valido_ate), email=row.email,
        enviar_email_destinatario=row.enviar_email_destinatario,
        tem_certificado=row.certificado is not None,
        habilita_nfsen_producao=row.habilita_nfsen_producao,
        habilita_nfsen_homologacao=row.habilita_nfsen_homologacao,
        endereco=Endereco(logradouro=row.logradouro or None, numero=row.numero or None,
                          complemento=row.complemento or None, bairro=row.bairro or None,
                          cep=row.cep or None, uf=row.uf or None,
                          codigo_municipio=row.codigo_municipio),
    )


_GET = select(empresas).where(empresas.c.id == bindparam("empresa_id"))


def get_empresa(conn: Connection, empresa_id: int) -> Empresa:
    return _empresa(conn.execute(_GET, {"empresa_id": empresa_id}).one())


def find_by_cnpj(conn: Connection, cnpj: str) -> Empresa | None:
    row = conn.execute(select(empresas).where(empresas.c.cnpj == cnpj)).first()
    return _empresa(row) if row else None


def load_a1(conn: Connection, box: SecretBox, empresa_id: int) -> A1:
    row = conn.execute(
        select(empresas.c.certificado, empresas.c.senha_certificado)
        .where(empresas.c.id == empresa_id)
    ).one()
    return load_pfx(box.open(row.certificado), box.open(row.senha_certificado).decode())


def credenciais_prefeitura(conn: Connection, box: SecretBox, empresa_id: int
                           ) -> tuple[str | None, str | None]:
    """The company's user and password at the municipal portal (``login_responsavel``,
    ``senha_responsavel`` opened); None for what is not registered."""
    row = conn.execute(select(empresas.c.login_responsavel, empresas.c.senha_responsavel)
                       .where(empresas.c.id == empresa_id)).one_or_none()
    if row is None:
        return None, None
    senha = box.open(row.senha_responsavel).decode() if row.senha_responsavel else None
    return row.login_responsavel or None, senha


def smtp(conn: Connection, box: SecretBox, empresa_id: int) -> dict[str, Any] | None:
    """The company's own SMTP settings (``smtp_*`` of SPEC §5), or None to use the global."""
    row = conn.execute(select(
        empresas.c.smtp_host, empresas.c.smtp_port, empresas.c.smtp_user,
        empresas.c.smtp_password, empresas.c.smtp_starttls, empresas.c.smtp_ssl,
        empresas.c.smtp_from).where(empresas.c.id == empresa_id)).one()
    if not row.smtp_host:
        return None
    return {"host": row.smtp_host, "port": row.smtp_port or 0, "user": row.smtp_user,
            "password": box.open(row.smtp_password).decode() if row.smtp_password else None,
            "starttls": bool(row.smtp_starttls), "ssl": bool(row.smtp_ssl),
            "sender": row.smtp_from}


def configurar_smtp(conn: Connection, box: SecretBox, empresa_id: int, *, host: str | None,
                    port: int | None = None, user: str | None = None,
                    password: str | None = None, starttls: bool = False, ssl: bool = False,
                    sender: str | None = None) -> None:
    """Set (or, with no host, clear) the company's own SMTP server; the password is
    encrypted at rest."""
    conn.execute(update(empresas).where(empresas.c.id == empresa_id).values(
        smtp_host=host, smtp_port=port, smtp_user=user,
        smtp_password=box.seal(password.encode()) if password else None,
        smtp_starttls=starttls, smtp_ssl=ssl, smtp_from=sender))


def criar_token(conn: Connection, empresa_id: int, ambiente: str, token: str | None = None,
                box: SecretBox | None = None) -> str:
    """Issue a token for one company and environment. It is looked up by its hash; with
    ``box`` it is also kept encrypted, for the administrator to read back."""
    token = token or secrets.token_urlsafe(32)
    conn.execute(insert(tokens).values(
        empresa_id=empresa_id, ambiente=ambiente, token_hash=hash_token(token), created_at=now(),
        cifrado=box.seal(token.encode()) if box else None,
    ))
    return token


def tokens_em_claro(conn: Connection, box: SecretBox, empresa_id: int) -> dict[str, str | None]:
    """The newest readable token of each environment (None where only a hash is kept)."""
    found: dict[str, str | None] = {ambiente: None for ambiente in AMBIENTES}
    for row in conn.execute(select(tokens.c.ambiente, tokens.c.cifrado)
                            .where(tokens.c.empresa_id == empresa_id).order_by(tokens.c.id)):
        if row.cifrado:
            found[row.ambiente] = box.open(row.cifrado).decode()
    return found


def revogar_tokens(conn: Connection, empresa_id: int) -> None:
    conn.execute(delete(tokens).where(tokens.c.empresa_id == empresa_id))


def token_exists(conn: Connection, token: str) -> bool:
    return conn.execute(
        select(tokens.c.id).where(tokens.c.token_hash == hash_token(token))
    ).first() is not None


def autenticar(conn: Connection, token: str) -> Credencial | None:
    row = conn.execute(
        select(tokens.c.id, tokens.c.ambiente, tokens.c.empresa_id)
        .where(tokens.c.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    return Credencial(empresa=get_empresa(conn, row.empresa_id), ambiente=row.ambiente,
                      token_id=row.id)


def inserir(conn: Connection, values: dict[str, Any]) -> int:
    """A new company from its columns (the API's service checks them); its id."""
    result = conn.execute(insert(empresas).values(**values, created_at=now()))
    return result.inserted_primary_key[0]


def ativa_com_documento(conn: Connection, cnpj: str | None, cpf: str | None) -> int | None:
    """The id of the company not deleted with this CNPJ (or, without one, this CPF)."""
    documento = (empresas.c.cnpj == cnpj) if cnpj else (empresas.c.cpf == cpf)
    return conn.execute(select(empresas.c.id).where(empresas.c.excluida_em.is_(None),
                                                    documento)).scalar()


def existe(conn: Connection, empresa_id: int) -> bool:
    """Whether the company was ever registered (deleted ones too)."""
    return conn.execute(select(empresas.c.id).where(empresas.c.id == empresa_id)
                        ).first() is not None


def registro(conn: Connection, empresa_id: int) -> Row | None:
    """Every column of a company not deleted through the API."""
    return conn.execute(select(empresas).where(empresas.c.id == empresa_id,
                                               empresas.c.excluida_em.is_(None))).first()


def listar(conn: Connection, *, cnpj: str | None, cpf: str | None, offset: int,
           limit: int) -> tuple[list[Row], int]:
    """A page of companies, oldest first, and how many match."""
    where = [empresas.c.excluida_em.is_(None)]
    if cnpj:
        where.append(empresas.c.cnpj == cnpj)
    if cpf:
        where.append(empresas.c.cpf == cpf)
    total = conn.execute(select(func.count()).select_from(empresas).where(*where)).scalar_one()
    rows = conn.execute(select(empresas).where(*where).order_by(empresas.c.id)
                        .offset(offset).limit(limit)).all()
    return list(rows), total


def atualizar(conn: Connection, empresa_id: int, values: dict[str, Any]) -> None:
    if values:
        conn.execute(update(empresas).where(empresas.c.id == empresa_id).values(**values))


def excluir(conn: Connection, empresa_id: int) -> None:
    """No access any more (tokens revoked); the company and its notes stay on record."""
    revogar_tokens(conn, empresa_id)
    conn.execute(update(empresas).where(empresas.c.id == empresa_id).values(excluida_em=now()))


def serie(conn: Connection, empresa_id: int, ambiente: str, modelo: str) -> str:
    """The RPS/DPS series a company numbers the notes of one door in, per environment
    (default 1; both doors share a series' counter when their series are equal)."""
    return conn.execute(_serie(modelo, ambiente), {"empresa_id": empresa_id}).scalar() or "1"


@cache
def _serie(modelo: str, ambiente: str) -> Select:
    return select(empresas.c[f"serie_{modelo}_{ambiente}"]).where(
        empresas.c.id == bindparam("empresa_id"))


def certificados_vencendo(conn: Connection, ate: datetime) -> list[Row]:
    """Companies (not deleted) whose certificate expires before ``ate``."""
    return list(conn.execute(select(
        empresas.c.id, empresas.c.cnpj, empresas.c.cpf, empresas.c.certificado_valido_ate,
        empresas.c.certificado_avisado).where(
        empresas.c.excluida_em.is_(None), empresas.c.certificado_valido_ate.isnot(None),
        empresas.c.certificado_valido_ate <= ate)))


def marcar_aviso(conn: Connection, empresa_id: int, dias: int) -> bool:
    """Record the warning ``dias`` before expiry, unless it (or a later one) was sent: True
    when this call is the one that records it, so concurrent workers warn once."""
    result = conn.execute(update(empresas).where(
        empresas.c.id == empresa_id,
        (empresas.c.certificado_avisado.is_(None)) | (empresas.c.certificado_avisado > dias))
        .values(certificado_avisado=dias))
    return result.rowcount == 1
