"""Access keys and their dígito verificador, as the sandbox computes them (the check digits
of CPF and CNPJ are shared by the sandboxes, in ``nfse.sandbox.digitos``)."""

from __future__ import annotations

from nfse.sandbox.digitos import cnpj_ok, cpf_ok, mod11

__all__ = ["chave_dv", "cnpj_ok", "cpf_ok"]


def chave_dv(first49: str) -> str:
    return str(mod11([int(c) for c in first49], 9))
