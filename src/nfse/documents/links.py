"""Where a note's public documents live: capability URLs (the note's 192-bit secret in the
path), opened without a token, as Focus clients and e-mail readers expect."""

from __future__ import annotations

PUBLIC_PREFIX = "/notas_fiscais_servico"


def public_path(capability: str, name: str | None = None) -> str:
    """The note's page, or one of its documents (``nfse.xml``, ``cancelamento.xml``,
    ``danfse.pdf``)."""
    return f"{PUBLIC_PREFIX}/{capability}" + (f"/{name}" if name else "")
