"""The protocol every authority provider implements, and what it answers.

A provider never touches the database: it gets the normalised note and an emission context,
talks to its authority, and returns an ``Outcome``. The worker decides what to store.

A provider is a plug-in (``providers.registry``): it declares its ``name``, its
``capabilities`` and its configuration (the key of its document in a dry run, where its
addresses come from), and the API, the worker and the representation ask those, never its
name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from nfse.certs.a1 import A1
from nfse.model.errors import Problema
from nfse.model.nota import Nota
from nfse.providers.transport import Answer, NotSent, Refused, Transport, Unknown

if TYPE_CHECKING:
    from nfse.config import Settings
    from nfse.model.nota import Endereco
    from nfse.municipios.provedores import Rota


class Capability(StrEnum):
    """What a provider can do at its authority; callers ask before calling."""

    EMIT = "emit"
    """``emit``: issue a note from an RPS/DPS (required)."""
    QUERY = "query"
    """``query``: find the note of an RPS/DPS after an unknown outcome (required: without it
    a lost answer could only be resent, and a note issued twice)."""
    CANCEL = "cancel"
    """``cancel``: DELETE /v2/nfse; without it a cancellation is refused with a 400."""
    SUBSTITUTE = "substitute"
    """``emit`` of a note that replaces another (``Nota.substituicao``); without it a POST
    that asks for a substitution is refused with a 400."""
    EVENTS = "events"
    """The authority registers cancellations and substitutions as fiscal events with their
    official codes (the NFS-e Nacional's 101101, 105102): GET names them by code."""
    LOT = "lot"
    """The authority takes RPS in lots (synchronous, or a protocol queried later): only a
    profile of such a provider may choose a lot as its ``emissao``."""
    RECEIVED = "received"
    """``received``: the notes other prestadores issued to the company
    (``ReceivedNotes``), walked with ``/v2/nfses_recebidas``."""
    DRY_RUN = "dry_run"
    """``dry_run``: the signed document ``emit`` would send (``POST ...&dry_run=1``)."""
    PARAMETERS = "parameters"
    """The authority publishes municipal parameters that are checked at POST
    (``ChecksParameters``)."""


REQUIRED = frozenset({Capability.EMIT, Capability.QUERY})
"""What every provider must be able to do (``providers.registry`` refuses one without)."""


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


RECUSA_DE_CREDENCIAIS = frozenset({401, 403})
"""HTTP statuses by which a municipal system refuses the company's own user, password or key
(the systems that ask them want no client certificate of their own, so a 403 is about them)."""
CREDENCIAIS_AUSENTES = "credenciais_prefeitura_ausentes"


def credenciais_ausentes(mensagem: str, campos: str) -> Erro:
    """Why a note whose company lacks the credential its municipality's system asks was not
    sent: ``campos`` says what to register."""
    return Erro(CREDENCIAIS_AUSENTES, mensagem, f"Informe {campos} em PUT /v2/empresas/ID")


def credenciais_recusadas(recusa: str, de_quem: str, confira: str) -> str:
    """The ``mensagem`` of a note left waiting because the municipal system refused the
    company's credentials (``recusa``): the company's failure, not the authority's."""
    return (f"{recusa}. A falha é {de_quem}, não da prefeitura: confira {confira} em PUT "
            "/v2/empresas/ID; as notas seguem aguardando até o prazo de processamento")


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
    login: str | None = None
    senha: str | None = None
    """The company's user and password at the municipal portal (``login_responsavel``,
    ``senha_responsavel``), given only to a provider that declares ``usa_credenciais``:
    true (IPM authenticates by them), or a function of the municipality's options saying
    whether its system asks them (abrasf: Tributus, Saatri); None: not registered or not
    asked for."""
    endereco: Endereco | None = None
    """The company's registered address (``PUT /v2/empresas/ID``: logradouro, numero,
    complemento, bairro, cep, uf), given only to a provider that declares ``usa_endereco``
    true for the municipality's options (a system that takes an NFS-e the emitter builds,
    whose ``emit`` group carries it: SilTecnologia); None: not asked for."""


@dataclass(frozen=True)
class Rps:
    serie: str
    numero: int


class Address(NamedTuple):
    """Where an authority answers: its base URL and the trust store for its server
    certificate (None: the system's)."""

    url: str
    ca_file: str | None


@dataclass(frozen=True)
class DryRun:
    """What ``dry_run`` found: the ``document`` ``emit`` would send (None when it cannot be
    built), why not (``erros``), what the provider refuses in the note itself as POST would
    (``problemas``, named by the body's fields), notices, and the municipal parameters it
    consulted (None: not consulted)."""

    document: bytes | None
    erros: tuple[Erro, ...] = ()
    problemas: tuple[Problema, ...] = ()
    avisos: tuple[str, ...] = ()
    parametros: Mapping[str, Any] | None = None


def address_from_route(name: str, rota: Rota, ambiente: str, settings: Settings) -> Address:
    """The address of a municipality's own authority: in homologação, the provider's
    ``NFSE_<NAME>_URL_HOMOLOGACAO`` (a sandbox, trusted with ``NFSE_<NAME>_CA_FILE``) when
    set, else the route's address for ``ambiente``."""
    if ambiente == "homologacao":
        desvio = settings.homologacao(name)
        if desvio is not None:
            return Address(*desvio)
    return Address(rota.url(ambiente, settings.permitir_http_municipal) or "", None)


class Provider(Protocol):
    name: str
    """The name profiles give in ``padrao`` and notes keep (``notas.provider``)."""
    capabilities: frozenset[Capability]
    document_field: str
    """The key of the dry run's answer that carries the document (``dps_xml``,
    ``rps_xml``)."""

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        """Where the authority that serves the route answers in ``ambiente``
        (``address_from_route`` for a municipality's own server)."""
        ...

    def validate(self, nota: Nota) -> list[Problema]:
        """What this authority's layout needs beyond the contract, checked when the note is
        POSTed so the client gets a 400 at once instead of an erro_autorizacao later."""
        ...

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        """The document ``emit`` would send, signed and schema-checked, or the reasons there
        is none. Nothing is sent."""
        ...

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome: ...

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """Reconciliation: did this RPS/DPS already become a note? AUTHORIZED with the note,
        NOT_FOUND, or UNKNOWN when the authority could not be asked."""
        ...

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome: ...


class ChecksParameters(Protocol):
    """A provider with ``Capability.PARAMETERS``."""

    def parameters_cached(self, nota: Nota, ambiente: str) -> bool:
        """Whether ``check_parameters`` can answer without asking the authority."""
        ...

    def check_parameters(self, nota: Nota, emissor: Emissor) -> list[Problema]:
        """What the municipality's published parameters refuse in the note (no convênio, a
        service it does not accept, another rate); nothing when they cannot be read."""
        ...


class ReceivedPage(Protocol):
    """One page of ``ReceivedNotes.received``."""

    erro: str
    """Why the page could not be read (empty: it was)."""
    notas: list[Any]
    """Each with ``dados`` (the Focus fields of ``/v2/nfses_recebidas``), ``xml`` and
    ``cancelamento`` (the cancellation's XML, or None)."""
    mais: bool


class ReceivedNotes(Protocol):
    """A provider with ``Capability.RECEIVED``."""

    def received(self, cnpj: str | None, cpf: str | None, inicio: date, fim: date,
                 pagina: int, emissor: Emissor) -> ReceivedPage:
        """Page ``pagina`` of the notes issued to the company from ``inicio`` to ``fim``."""
        ...


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


def enviar(transport: Transport, metodo: str, url: str, emissor: Emissor, corpo: bytes,
           headers: Mapping[str, str], nome: str, sistema: str,
           guardado: bytes | None = None) -> Answer | Outcome:
    """One request to a municipal system that knows the company by its own credentials
    rather than by its certificate: the answer (an HTTP refusal included: such a system's
    403 is about the credentials, not the certificate), or the Outcome of a request that
    could not be completed (``falha_de_envio`` under ``nome``, keeping ``guardado`` or else
    ``corpo``; its messages name the prefeitura's ``sistema``)."""
    mantido = corpo if guardado is None else guardado
    try:
        return transport.request(metodo, url, emissor.a1, emissor.ca_file, emissor.timeout,
                                 content=corpo or None, headers=headers, proxy=emissor.proxy)
    except Refused as exc:
        if exc.answer is None:  # the certificate itself (expired: never sent)
            return falha_de_envio(exc, nome, mantido, "", "")
        return exc.answer
    except (NotSent, Unknown) as exc:
        return falha_de_envio(exc, nome, mantido, f"Prefeitura ({sistema}) inacessível",
                              f"Sem resposta da prefeitura ({sistema})")
