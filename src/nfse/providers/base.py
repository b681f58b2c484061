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
from nfse.providers.transport import NotSent, Refused, Unknown


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


class Party(StrEnum):
    """Whose failure an outcome without a verdict is (ARCHITECTURE decision 9)."""

    AUTHORITY = "autoridade"
    """Unreachable, 5xx, timeouts, unreadable answers: every company of the authority is
    affected; its circuit breaker counts it."""
    COMPANY = "empresa"
    """The company's certificate was refused (TLS handshake or HTTP 403, expired, revoked)
    or the company is not enabled at the authority: only its own notes wait."""


def certificado_recusado(motivo: str) -> str:
    """The ``mensagem`` of a note whose company's certificate the authority refused: what
    was refused and what to do."""
    return (f"Certificado recusado pela autoridade: {motivo}. A falha é do certificado da "
            "empresa, não da autoridade: confira se o A1 é ICP-Brasil, está válido e pertence "
            "ao CNPJ do prestador, e envie um novo em PUT /v2/empresas/ID "
            "(arquivo_certificado_base64); as notas seguem aguardando até o prazo de "
            "processamento")


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
    failure_of: Party | None = None
    """Whose failure a RETRY or UNKNOWN is; None: the authority's when no answer was read
    (see ``blame``)."""
    valores: Mapping[str, str] = field(default_factory=dict)
    """What the authority computed on the issued note (GET ``valores_nfse``): base_calculo,
    aliquota, valor_iss, valor_liquido and the IBS/CBS of the 2026 reform, as decimals in
    text, named as the fields of SPEC §2.1."""


def blame(outcome: Outcome) -> Party | None:
    """Whose failure ``outcome`` is: the company's when the provider said so; the
    authority's when no usable answer came (RETRY, or UNKNOWN without the authority's
    messages); None when the authority answered (a refusal or a duplicate report means it
    is up)."""
    if outcome.failure_of is not None:
        return outcome.failure_of
    if outcome.result == Result.RETRY or (outcome.result == Result.UNKNOWN
                                          and not outcome.erros):
        return Party.AUTHORITY
    return None


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
    proxy: str | None = None
    """The authority's proxy (``NFSE_<PROVIDER>_PROXY``); None = the environment's
    ``HTTPS_PROXY``/``NO_PROXY``."""
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


def falha_de_envio(exc: NotSent | Unknown, nome: str, pedido: bytes, inacessivel: str,
                   sem_resposta: str) -> Outcome:
    """The Outcome of a request the transport could not complete, with the exchange kept
    under ``nome``: RETRY when nothing reached the authority (the company's failure when the
    authority refused its certificate), UNKNOWN when the request may have arrived. The
    ``mensagem`` starts with ``inacessivel`` or ``sem_resposta``."""
    if isinstance(exc, Refused):
        recebido = exc.answer.body if exc.answer else exc.reason.encode()
        return Outcome(Result.RETRY, failure_of=Party.COMPANY,
                       mensagem=certificado_recusado(exc.reason),
                       exchanges=(Exchange(nome, pedido, recebido),))
    troca = (Exchange(nome, pedido, str(exc).encode()),)
    if isinstance(exc, NotSent):
        return Outcome(Result.RETRY, mensagem=f"{inacessivel}: {exc}", exchanges=troca)
    return Outcome(Result.UNKNOWN, mensagem=f"{sem_resposta}: {exc}", exchanges=troca)
