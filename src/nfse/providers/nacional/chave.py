"""The 50-digit chave de acesso of an NFS-e Nacional: layout and check digit."""

from __future__ import annotations


def dv_mod11(digits: str) -> str:
    """NF-e style modulus 11: weights 2..9 from the right, restarting at 2; DV 0 when the
    remainder is 0 or 1, else 11 − remainder."""
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(reversed(digits)))
    remainder = total % 11
    return "0" if remainder < 2 else str(11 - remainder)


def chave_valida(chave: str) -> bool:
    return len(chave) == 50 and chave.isdigit() and dv_mod11(chave[:49]) == chave[49]


def chave_nfse(municipio: str, ambiente_gerador: str, inscricao: str, numero: int,
               ano_mes: str, codigo: int) -> str:
    """The access key of an NFS-e, as the national layout composes it (TSIdNFSe of
    ``tiposSimples_v1.01.xsd``: the Id without its "NFS"): municipality (7), ambGer (1), kind
    of federal registration (1: CPF, 2: CNPJ), the registration (14), nNFSe (13), year and
    month of issue (``ano_mes``, AAMM), a numeric code (9) and the check digit."""
    tipo = "1" if len(inscricao) == 11 else "2"
    base = (f"{municipio}{ambiente_gerador}{tipo}{inscricao.zfill(14)}{numero:013d}"
            f"{ano_mes}{codigo % 10**9:09d}")
    return base + dv_mod11(base)
