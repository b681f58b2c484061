"""Where a note's public documents live: capability URLs (the note's 192-bit secret in the
path), opened without a token, as Focus clients and e-mail readers expect."""

from __future__ import annotations

PUBLIC_PREFIX = "/notas_fiscais_servico"
CONSULTA_PUBLICA = "https://www.nfse.gov.br/ConsultaPublica/?tpc=1&chave={chave}"
"""The national portal's public consultation of an NFS-e by its access key."""


def public_path(capability: str, name: str | None = None) -> str:
    """The note's page, or one of its documents (``nfse.xml``, ``cancelamento.xml``,
    ``danfse.pdf``)."""
    return f"{PUBLIC_PREFIX}/{capability}" + (f"/{name}" if name else "")
