"""Company creation for the CLI, the demo and the tests: a thin door onto ``cadastro``, the
service behind ``/v2/empresas``, so the rules live in one place."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from nfse import cadastro
from nfse.model.errors import RequisicaoInvalida
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
    token per environment, through the same service as ``POST /v2/empresas``."""
    payload = {"cnpj": cnpj, "nome": nome, "inscricao_municipal": inscricao_municipal,
               "codigo_municipio": codigo_municipio, "regime_tributario": regime_tributario,
               "email": email, "enviar_email_destinatario": enviar_email_destinatario,
               "arquivo_certificado_base64": base64.b64encode(pfx).decode(),
               "senha_certificado": senha}
    try:
        criada = cadastro.criar(runtime, payload, token_homologacao=token_homologacao)
    except (RequisicaoInvalida, cadastro.ErroValidacao) as exc:
        raise EmpresaInvalida(str(exc)) from exc
    with runtime.engine.connect() as conn:
        empresa = empresas.get_empresa(conn, criada["id"])
    return NovaEmpresa(empresa, criada["token_homologacao"], criada["token_producao"])
