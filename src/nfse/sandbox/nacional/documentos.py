"""Access keys, as the sandbox computes them (check digits of CPF and CNPJ are shared by the
sandboxes, in ``nfse.sandbox.documentos``)."""

from __future__ import annotations

from nfse.sandbox.documentos import cnpj_ok, cpf_ok, mod11

__all__ = ["chave_dv", "cnpj_ok", "cpf_ok"]


def chave_dv(first49: str) -> str:
    return str(mod11([int(c) for c in first49], 9))
