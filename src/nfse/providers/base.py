"""The protocol every authority provider implements, and what it answers.

A provider never touches the database: it gets the normalised note and an emission context,
talks to its authority, and returns an ``Outcome``. The worker decides what to store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from nfse.certs.a1 import A1
from nfse.model.errors import Problema
from nfse.model.nota import Nota


class Result(StrEnum):
    AUTHORIZED = "authorized"
    """The authority issued the note: numero, chave/codigo_verificacao and XML are set."""
    REJECTED = "rejected"
    """Final refusal: ``erros`` says why (becomes erro_autorizacao)."""
    RETRY = "retry"
    """Nothing reached the authority (connection refused, DNS, TLS handshake): send again."""
    UNKNOWN = "unknown"
    """The request may have arrived (timeout, reset, 5xx, unreadable answer): the next step
    is a reconciliation query, never a blind resend."""
    NOT_FOUND = "not_found"
    """A reconciliation query found no note for this RPS/DPS: it is safe to send again."""


@dataclass(frozen=True)
class Erro:
    codigo: str
    mensagem: str
    correcao: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"codigo": self.codigo, "mensagem": self.mensagem, "correcao": self.correcao}


@dataclass(frozen=True)
class Exchange:
    """One request/response pair, kept as an artifact (ARCHITECTURE decision 7)."""

    name: str
    request: bytes
    response: bytes


@dataclass(frozen=True)
class Outcome:
    result: Result
    numero: str | None = None
    codigo_verificacao: str | None = None
    chave_acesso: str | None = None
    data_emissao: datetime | None = None
    xml: bytes | None = None
    """The authorized NFS-e XML (or, for a cancellation, the event XML)."""
    erros: tuple[Erro, ...] = ()
    mensagem: str | None = None
    exchanges: tuple[Exchange, ...] = field(default=())
    valores: Mapping[str, str] = field(default_factory=dict)
    """What the authority computed on the issued note (GET ``valores_nfse``): base_calculo,
    aliquota, valor_iss, valor_liquido and the IBS/CBS of the 2026 reform, as decimals in
    text, named as the fields of SPEC §2.1."""


@dataclass(frozen=True)
class Emissor:
    """Who emits and where: everything a provider needs besides the note itself."""

    a1: A1
    ambiente: str
    """``homologacao`` or ``producao``."""
    base_url: str
    ca_file: str | None
    """Trust store for the authority's server certificate; None = system store."""
    razao_social: str
    regime_tributario: int | None = None
    """1 SN, 2 SN excesso, 3 normal, 4 MEI (SPEC §5): decides opSimpNac when the note is
    silent."""
    timeout: float = 30.0
    parametros_url: str = ""
    """The authority's municipal parameters service (NFS-e Nacional: the ADN's); empty =
    not consulted."""
    opcoes: Mapping[str, Any] = field(default_factory=dict)
    """Provider variant options from the municipality registry (ABRASF: SOAP version,
    namespaces, signature algorithm...); empty = the provider's defaults."""


@dataclass(frozen=True)
class Rps:
    serie: str
    numero: int


class Provider(Protocol):
    name: str

    def problemas(self, nota: Nota) -> list[Problema]:
        """What this authority's layout needs beyond the contract, checked when the note is
        POSTed so the client gets a 400 at once instead of an erro_autorizacao later."""
        ...

    def simular(self, nota: Nota, rps: Rps, emissor: Emissor) -> tuple[bytes | None,
                                                                        tuple[Erro, ...]]:
        """dry_run: the document ``emit`` would send, signed and schema-checked, or the
        reasons there is none. Nothing is sent."""
        ...

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome: ...

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """Reconciliation: did this RPS/DPS already become a note? AUTHORIZED with the note,
        NOT_FOUND, or UNKNOWN when the authority could not be asked."""
        ...

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome: ...
