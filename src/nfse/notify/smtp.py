"""Sending one message: over SMTP (implicit TLS, STARTTLS or plain, with or without login),
or, with no SMTP server configured, into a maildir so nothing is silently dropped. Failures
are classified the way a mail queue needs: refused for good (5xx: the address goes on the
block list, or the message is given up), or worth retrying (4xx, no connection). Sessions
are kept open and reused per server (``Conexoes``)."""

from __future__ import annotations

import mailbox
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Protocol

from nfse.notify.mensagem import Mensagem


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 0
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    sender: str = "NFS-e <nfse@localhost>"

    @property
    def effective_port(self) -> int:
        return self.port or (465 if self.ssl else 587 if self.starttls else 25)


class Resultado(StrEnum):
    ENTREGUE = "entregue"
    RECUSADO = "recusado"
    """The recipient's address was refused for good (5xx at RCPT)."""
    FALHOU = "falhou"
    """The message was refused for good (5xx after the recipient was accepted)."""
    ADIADO = "adiado"
    """Try again later: no connection, a 4xx answer, a login that failed."""


@dataclass(frozen=True)
class Entrega:
    resultado: Resultado
    detalhe: str = ""


def _permanent(code: int) -> bool:
    return 500 <= code < 600


@cache
def _contexto_tls() -> ssl.SSLContext:
    """The TLS context of every SMTP session (the system's trust store), built once per
    process: building one reads and parses the trust store, ~15 ms of CPU."""
    return ssl.create_default_context()


def _abrir(config: SmtpConfig, timeout: float) -> smtplib.SMTP:
    if config.ssl:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            config.host, config.effective_port, timeout=timeout,
            context=_contexto_tls())
    else:
        client = smtplib.SMTP(config.host, config.effective_port, timeout=timeout)
    try:
        if config.starttls and not config.ssl:
            client.starttls(context=_contexto_tls())
        if config.user:
            client.login(config.user, config.password or "")
    except BaseException:
        client.close()
        raise
    return client


def _fechar(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _classificar(exc: Exception) -> Entrega:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        detail = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
        return Entrega(Resultado.RECUSADO if _permanent(code) else Resultado.ADIADO, detail)
    if isinstance(exc, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        detail = f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
        return Entrega(Resultado.FALHOU if _permanent(exc.smtp_code) else Resultado.ADIADO,
                       detail)
    return Entrega(Resultado.ADIADO, f"{type(exc).__name__}: {exc}")


def _mandar(client: smtplib.SMTP, message: Mensagem) -> None:
    """MAIL, RCPT and DATA with the message's bytes as they are (``send_message`` would
    flatten a ``Message`` again)."""
    client.sendmail(message.remetente, list(message.destinatarios), message.dados)


_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
"""Refusals after which the session is still good (smtplib has sent RSET)."""


class Conexoes:
    """SMTP sessions kept open per server and reused for the next messages: opening one
    (TCP, greeting, EHLO, STARTTLS, login) took more round trips than the message itself.

    At most ``por_servidor`` sessions per server, idle or busy: a message takes one that is
    idle, opens one while fewer are open, or waits for one to come back (up to the send's
    timeout; then it is retried later). Over a server 100 ms away a message is three or four
    answers (~0.3-0.4 s), so one session carries ~3 messages/s and 50/s need ~16-20 at once.
    A session idle longer than ``ociosa`` seconds is closed rather than reused (servers drop
    idle clients); a reused one the server has meanwhile closed is replaced once, at once."""

    def __init__(self, ociosa: float = 30.0, por_servidor: int = 20):
        self.ociosa = ociosa
        self.por_servidor = max(1, por_servidor)
        self._idle: dict[SmtpConfig, list[tuple[float, smtplib.SMTP]]] = {}
        self._vagas: dict[SmtpConfig, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def _pegar(self, config: SmtpConfig) -> smtplib.SMTP | None:
        velhas: list[smtplib.SMTP] = []
        found = None
        with self._lock:
            idle = self._idle.get(config, [])
            while idle:
                desde, client = idle.pop()
                if time.monotonic() - desde <= self.ociosa:
                    found = client
                    break
                velhas.append(client)
        for client in velhas:
            _fechar(client)
        return found

    def _devolver(self, config: SmtpConfig, client: smtplib.SMTP) -> None:
        with self._lock:
            self._idle.setdefault(config, []).append((time.monotonic(), client))

    def _vaga(self, config: SmtpConfig) -> threading.BoundedSemaphore:
        with self._lock:
            return self._vagas.setdefault(config, threading.BoundedSemaphore(self.por_servidor))

    def enviar(self, config: SmtpConfig, message: Mensagem,
               timeout: float = 30.0) -> Entrega:
        """Send over a session of this server's, within its limit of sessions."""
        vaga = self._vaga(config)
        if not vaga.acquire(timeout=timeout):
            return Entrega(Resultado.ADIADO, f"as {self.por_servidor} conexões com "
                           f"{config.host} estão ocupadas")
        try:
            return self._enviar(config, message, timeout)
        finally:
            vaga.release()

    def _enviar(self, config: SmtpConfig, message: Mensagem, timeout: float) -> Entrega:
        client = self._pegar(config)
        if client is not None:
            try:
                _mandar(client, message)
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                client.close()  # the server closed the idle session: a fresh one below
            except _REFUSED as exc:
                self._devolver(config, client)
                return _classificar(exc)
            except (smtplib.SMTPException, OSError) as exc:
                client.close()
                return _classificar(exc)
            else:
                self._devolver(config, client)
                return Entrega(Resultado.ENTREGUE)
        try:
            client = _abrir(config, timeout)
        except (smtplib.SMTPException, OSError) as exc:
            return _classificar(exc)
        try:
            _mandar(client, message)
        except _REFUSED as exc:
            self._devolver(config, client)
            return _classificar(exc)
        except (smtplib.SMTPException, OSError) as exc:
            client.close()
            return _classificar(exc)
        self._devolver(config, client)
        return Entrega(Resultado.ENTREGUE)

    def fechar(self) -> None:
        """QUIT every idle session."""
        with self._lock:
            todas = [client for idle in self._idle.values() for _, client in idle]
            self._idle.clear()
        for client in todas:
            _fechar(client)


def enviar(config: SmtpConfig, message: Mensagem, timeout: float = 30.0) -> Entrega:
    """One message over a session of its own."""
    conexoes = Conexoes()
    try:
        return conexoes.enviar(config, message, timeout)
    finally:
        conexoes.fechar()


class Escrita(Protocol):
    def as_bytes(self) -> bytes: ...


def guardar(maildir: Path, message: Escrita) -> Entrega:
    """No SMTP server configured: keep the message where a user can open it."""
    mailbox.Maildir(maildir, create=True).add(message.as_bytes().replace(b"\r\n", b"\n"))
    return Entrega(Resultado.ENTREGUE, f"maildir {maildir}")
