"""Settings, all from ``NFSE_*`` environment variables, with the embedded defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NACIONAL_PARAMETROS = {
    "producao": "https://adn.nfse.gov.br/parametrizacao",
    "homologacao": "https://adn.producaorestrita.nfse.gov.br/parametrizacao",
}
NACIONAL_ADN = {
    "producao": "https://adn.nfse.gov.br/contribuintes",
    "homologacao": "https://adn.producaorestrita.nfse.gov.br/contribuintes",
}
NACIONAL_URLS = {
    "producao": "https://sefin.nfse.gov.br/SefinNacional",
    "homologacao": "https://sefin.producaorestrita.nfse.gov.br/SefinNacional",
}


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _number(kind: type[int] | type[float], name: str, default: float) -> Any:
    """A dataclass field read from the environment when the settings are made."""
    return field(default_factory=lambda: kind(_env(name) or default))


def _flag(name: str) -> Any:
    """A boolean field: 1, true, sim, yes or on (any case) is true."""
    return field(default_factory=lambda: (_env(name) or "").strip().lower()
                 in ("1", "true", "sim", "yes", "on"))


@dataclass
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(_env("NFSE_DATA_DIR", "nfse-data")))
    database_url: str | None = field(default_factory=lambda: _env("NFSE_DATABASE_URL"))
    secret_key: str | None = field(default_factory=lambda: _env("NFSE_SECRET_KEY"))
    public_url: str | None = field(default_factory=lambda: _env("NFSE_PUBLIC_URL"))
    """Absolute base URL used in ``url`` and ``url_danfse``; default: the address served."""
    rate_limit: int = _number(int, "NFSE_RATE_LIMIT", 100)
    """Requests per minute per token."""
    auth_failures: int = _number(int, "NFSE_AUTH_FAILURES", 30)
    """Failed authentications per minute per client address before 429."""
    trusted_proxies: str = field(default_factory=lambda: _env("NFSE_TRUSTED_PROXIES", "") or "")
    """Reverse proxies (addresses or CIDR, comma-separated) whose ``X-Forwarded-For`` names
    the client; empty: the socket's peer is the client."""
    max_body: int = _number(int, "NFSE_MAX_BODY", 1_048_576)
    """Bytes of a request body; a larger one gets 413 before it is read whole."""
    nacional_url_homologacao: str = field(default_factory=lambda: _env(
        "NFSE_NACIONAL_URL_HOMOLOGACAO", NACIONAL_URLS["homologacao"]) or "")
    nacional_url_producao: str = field(default_factory=lambda: _env(
        "NFSE_NACIONAL_URL_PRODUCAO", NACIONAL_URLS["producao"]) or "")
    nacional_parametros_url_homologacao: str = field(default_factory=lambda: _env(
        "NFSE_NACIONAL_PARAMETROS_URL_HOMOLOGACAO", NACIONAL_PARAMETROS["homologacao"]) or "")
    nacional_parametros_url_producao: str = field(default_factory=lambda: _env(
        "NFSE_NACIONAL_PARAMETROS_URL_PRODUCAO", NACIONAL_PARAMETROS["producao"]) or "")
    """The ADN's municipal parameters; ``off``: no convênio check at POST."""
    nacional_adn_url_homologacao: str = field(default_factory=lambda: _env(
        "NFSE_NACIONAL_ADN_URL_HOMOLOGACAO", NACIONAL_ADN["homologacao"]) or "")
    nacional_adn_url_producao: str = field(default_factory=lambda: _env(
        "NFSE_NACIONAL_ADN_URL_PRODUCAO", NACIONAL_ADN["producao"]) or "")
    """The ADN's distribution to taxpayers, where received notes come from."""
    recebidas_intervalo: float = _number(float, "NFSE_RECEBIDAS_INTERVALO", 21600)
    """Seconds between two walks of a company's distribution (received notes)."""
    nacional_ca_file: str | None = field(default_factory=lambda: _env("NFSE_NACIONAL_CA_FILE"))
    """Trust store for the homologação authority (a sandbox CA); produção uses the system's."""
    abrasf_url_homologacao: str | None = field(default_factory=lambda: _env(
        "NFSE_ABRASF_URL_HOMOLOGACAO"))
    """Where every ABRASF municipality's homologação goes instead of its own test address
    (our ABRASF sandbox, in the demo and the tests)."""
    abrasf_ca_file: str | None = field(default_factory=lambda: _env("NFSE_ABRASF_CA_FILE"))
    """Trust store for ``abrasf_url_homologacao``."""
    proxies: dict[str, str] = field(default_factory=lambda: {
        name[5:-6].lower(): value for name, value in os.environ.items()
        if name.startswith("NFSE_") and name.endswith("_PROXY") and len(name) > 11 and value})
    """Per provider, the proxy that reaches its authorities (``NFSE_NACIONAL_PROXY``,
    ``NFSE_ABRASF_PROXY``, e.g. ``http://proxy:3128``); without one, the environment's
    ``HTTPS_PROXY``/``NO_PROXY`` apply."""
    paulistana_url_homologacao: str | None = field(default_factory=lambda: _env(
        "NFSE_PAULISTANA_URL_HOMOLOGACAO"))
    """Where São Paulo's homologação goes (our Paulistana sandbox, in the demo and the
    tests); unset: the Prefeitura's own address, where only TesteEnvioLoteRPS runs."""
    paulistana_ca_file: str | None = field(default_factory=lambda: _env(
        "NFSE_PAULISTANA_CA_FILE"))
    """Trust store for ``paulistana_url_homologacao``."""
    ipm_url_homologacao: str | None = field(default_factory=lambda: _env(
        "NFSE_IPM_URL_HOMOLOGACAO"))
    """Where the homologação of IPM's cities goes (our IPM sandbox, in the demo and the
    tests); unset: each city's own address, where IPM only validates (``nfse_teste``)."""
    ipm_ca_file: str | None = field(default_factory=lambda: _env("NFSE_IPM_CA_FILE"))
    """Trust store for ``ipm_url_homologacao``."""
    giap_url_homologacao: str | None = field(default_factory=lambda: _env(
        "NFSE_GIAP_URL_HOMOLOGACAO"))
    """Where the homologação of Giap's cities goes (our Giap sandbox, in the tests); unset:
    each city's own ``simula_nfe`` address."""
    giap_ca_file: str | None = field(default_factory=lambda: _env("NFSE_GIAP_CA_FILE"))
    """Trust store for ``giap_url_homologacao``."""
    sigissweb_url_homologacao: str | None = field(default_factory=lambda: _env(
        "NFSE_SIGISSWEB_URL_HOMOLOGACAO"))
    """Where the homologação of SigISSWeb's cities goes (our SigISSWeb sandbox, in the tests);
    unset: SigISSWeb's ``https://wshml.sigissweb.com/``."""
    sigissweb_ca_file: str | None = field(default_factory=lambda: _env(
        "NFSE_SIGISSWEB_CA_FILE"))
    """Trust store for ``sigissweb_url_homologacao``."""
    municipios_file: Path | None = field(default_factory=lambda: Path(p) if (
        p := _env("NFSE_MUNICIPIOS_FILE")) else None)
    """TOML file that extends or corrects the shipped municipality → provider table
    (``nfse/municipios/provedores.toml`` documents the format)."""
    permitir_http_municipal: bool = _flag("NFSE_PERMITIR_HTTP_MUNICIPAL")
    """The operator's opt-in to plain http (no TLS) towards the municipal systems that
    publish only such an address: only the addresses the shipped registry holds, never one
    of ``municipios_file`` (docs/http-municipal.md). Off: such a municipality is refused."""
    authority_timeout: float = _number(float, "NFSE_AUTHORITY_TIMEOUT", 30)
    worker_poll: float = _number(float, "NFSE_WORKER_POLL", 0.5)
    worker_in_flight: int = field(default_factory=lambda: int(
        _env("NFSE_WORKER_IN_FLIGHT") or _env("NFSE_WORKER_THREADS") or 64))
    """Notes in flight per worker process (each on a thread of its own, mostly waiting for
    its authority): claimed as places free up. ``NFSE_WORKER_THREADS`` is its old name."""
    nacional_concorrencia: int = _number(int, "NFSE_NACIONAL_CONCORRENCIA", 64)
    """Requests at once to the Sefin Nacional, per worker process."""
    abrasf_concorrencia: int = _number(int, "NFSE_ABRASF_CONCORRENCIA", 16)
    """Requests at once to each ABRASF municipality's server, per worker process."""
    backoff_base: float = _number(float, "NFSE_BACKOFF_BASE", 2)
    """Seconds before the first retry; doubles per attempt, with jitter."""
    backoff_cap: float = _number(float, "NFSE_BACKOFF_CAP", 300)
    worker_lease: float = _number(float, "NFSE_WORKER_LEASE", 120)
    """Seconds a claimed note stays with its worker; never less than two authority
    timeouts, so a live worker keeps what it is sending."""
    breaker_failures: int = _number(int, "NFSE_BREAKER_FAILURES", 5)
    """Consecutive failures to reach an authority before its circuit opens."""
    breaker_open: float = _number(float, "NFSE_BREAKER_OPEN", 30)
    """Seconds an open circuit waits before the first probe (doubling up to 10 min)."""
    processing_deadline: float = _number(float, "NFSE_PROCESSING_DEADLINE", 86400)
    """Seconds after which a note that cannot reach a final state becomes erro_autorizacao."""
    smtp_host: str | None = field(default_factory=lambda: _env("NFSE_SMTP_HOST"))
    """No host: messages go to the maildir ``DATA_DIR/maildir`` instead of being sent."""
    smtp_port: int = _number(int, "NFSE_SMTP_PORT", 0)
    """0: 465 with SSL, else 587 with STARTTLS, else 25."""
    smtp_user: str | None = field(default_factory=lambda: _env("NFSE_SMTP_USER"))
    smtp_password: str | None = field(default_factory=lambda: _env("NFSE_SMTP_PASSWORD"))
    smtp_starttls: bool = _flag("NFSE_SMTP_STARTTLS")
    smtp_ssl: bool = _flag("NFSE_SMTP_SSL")
    smtp_from: str = field(default_factory=lambda: _env(
        "NFSE_SMTP_FROM", "NFS-e <nfse@localhost>") or "")
    webhook_retries: list[float] = field(default_factory=lambda: [
        float(x) for x in (_env("NFSE_WEBHOOK_RETRIES") or "60,1800,3600,10800,86400")
        .split(",") if x.strip()])
    """Seconds before each retry of a failed webhook delivery; then it is given up."""
    webhook_allow: list[str] = field(default_factory=lambda: [
        x.strip() for x in (_env("NFSE_WEBHOOK_ALLOW") or "").split(",") if x.strip()])
    """Hosts or networks (CIDR) a produção webhook may reach though private or loopback."""
    webhook_concorrencia: int = _number(int, "NFSE_WEBHOOK_CONCORRENCIA", 8)
    """Webhook deliveries a worker process makes at once, at most half of them to one hook:
    a receiver that hangs holds its share (each delivery's timeout), not the others'."""
    email_max_attempts: int = _number(int, "NFSE_EMAIL_MAX_ATTEMPTS", 12)
    """Deliveries of one message tried before it is given up (with the backoff of notes)."""
    email_concorrencia: int = _number(int, "NFSE_EMAIL_CONCORRENCIA", 32)
    """E-mails a worker process prepares and sends at once (a message over a server 100 ms
    away takes three or four answers: ~0.3-0.4 s)."""
    smtp_conexoes: int = _number(int, "NFSE_SMTP_CONEXOES", 32)
    """SMTP sessions a worker process keeps open per server, each reused for message after
    message: as many as the messages it sends at once (``email_concorrencia``), so a server
    100 ms away is not what bounds a burst (~80 e-mails/s of sessions; the worker's CPU,
    ~65/s, comes first). Lower it for a server that limits connections per client."""
    danfse_dias: float = _number(float, "NFSE_DANFSE_DIAS", 7)
    """Days a rendered DANFSe is kept (a cache: it is rendered again from the NFS-e's XML
    when asked for later). ~30 KB each, more than everything else a note stores."""

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'nfse.db').resolve()}"

    def _do_provider(self, provider: str, chave: str) -> Any:
        """A provider's own setting: the field ``<provider>_<chave>`` of the providers
        shipped with one, else ``NFSE_<PROVIDER>_<CHAVE>`` as the environment has it now (a
        plug-in's)."""
        campo = f"{provider}_{chave}"
        if campo in self.__dataclass_fields__:
            return getattr(self, campo)
        return _env(f"NFSE_{campo.upper()}")

    def concorrencia(self, provider: str) -> int:
        """Requests at once per authority of ``provider``, per worker process:
        ``NFSE_<PROVIDER>_CONCORRENCIA``, else the ABRASF one (a municipality's own
        server)."""
        proprio = self._do_provider(provider, "concorrencia")
        return max(1, int(proprio) if proprio else self.abrasf_concorrencia)

    def homologacao(self, provider: str) -> tuple[str, str | None] | None:
        """Where the homologação of every authority of ``provider`` goes instead of each
        one's own test address (a sandbox, in the demo and the tests):
        ``NFSE_<PROVIDER>_URL_HOMOLOGACAO``, its server trusted with
        ``NFSE_<PROVIDER>_CA_FILE``; None: their own addresses."""
        url = self._do_provider(provider, "url_homologacao")
        return (url, self._do_provider(provider, "ca_file")) if url else None

    def nacional_url(self, ambiente: str) -> str:
        if ambiente == "producao":
            return self.nacional_url_producao
        return self.nacional_url_homologacao

    def nacional_parametros_url(self, ambiente: str) -> str:
        url = (self.nacional_parametros_url_producao if ambiente == "producao"
               else self.nacional_parametros_url_homologacao)
        return "" if url == "off" else url

    def nacional_adn_url(self, ambiente: str) -> str:
        if ambiente == "producao":
            return self.nacional_adn_url_producao
        return self.nacional_adn_url_homologacao

    def nacional_ca(self, ambiente: str) -> str | None:
        return self.nacional_ca_file if ambiente == "homologacao" else None
