"""Company administration shared by the CLI (and, later, ``/v2/empresas``): one service
layer, not two implementations."""

from __future__ import annotations

from dataclasses import dataclass

from nfse.certs.a1 import load_pfx
from nfse.runtime import Runtime
from nfse.store import empresas


class EmpresaInvalida(ValueError):
    pass


@dataclass(frozen=True)
class NovaEmpresa:
    empresa: empresas.Empresa
    token_homologacao: str
    token_producao: str


def criar_empresa(
    runtime: Runtime, *, cnpj: str, nome: str, inscricao_municipal: str, codigo_municipio: str,
    pfx: bytes, senha: str, regime_tributario: int | None = None,
    token_homologacao: str | None = None, email: str | None = None,
    enviar_email_destinatario: bool | None = None,
) -> NovaEmpresa:
    """Create a company with its A1 (checked: readable, same CNPJ root, not expired) and one
    token per environment."""
    a1 = load_pfx(pfx, senha)
    if a1.cnpj and a1.cnpj[:8] != cnpj[:8]:
        raise EmpresaInvalida(f"o certificado é do CNPJ {a1.cnpj}, não de {cnpj}")
    if a1.expired():
        raise EmpresaInvalida(f"o certificado venceu em {a1.not_after:%d/%m/%Y}")
    with runtime.engine.begin() as conn:
        if empresas.find_by_cnpj(conn, cnpj):
            raise EmpresaInvalida(f"já existe uma empresa com o CNPJ {cnpj}")
        empresa = empresas.criar_empresa(
            conn, runtime.box, cnpj=cnpj, nome=nome, inscricao_municipal=inscricao_municipal,
            codigo_municipio=codigo_municipio, pfx=pfx, senha=senha,
            regime_tributario=regime_tributario, email=email,
            enviar_email_destinatario=enviar_email_destinatario,
        )
        homologacao = empresas.criar_token(conn, empresa.id, "homologacao", token_homologacao)
        producao = empresas.criar_token(conn, empresa.id, "producao")
    return NovaEmpresa(empresa, homologacao, producao)
