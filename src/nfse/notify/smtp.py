"""Sending one message: over SMTP (implicit TLS, STARTTLS or plain, with or without login),
or, with no SMTP server configured, into a maildir so nothing is silently dropped. Failures
are classified the way a mail queue needs: refused for good (5xx: the address goes on the
block list, or the message is given up), or worth retrying (4xx, no connection)."""

from __future__ import annotations

import mailbox
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path


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


def enviar(config: SmtpConfig, message: EmailMessage, timeout: float = 30.0) -> Entrega:
    try:
        if config.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.effective_port, timeout=timeout,
                context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(config.host, config.effective_port, timeout=timeout)
        with client:
            if config.starttls and not config.ssl:
                client.starttls(context=ssl.create_default_context())
            if config.user:
                client.login(config.user, config.password or "")
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        detail = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
        return Entrega(Resultado.RECUSADO if _permanent(code) else Resultado.ADIADO, detail)
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        detail = f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
        return Entrega(Resultado.FALHOU if _permanent(exc.smtp_code) else Resultado.ADIADO,
                       detail)
    except (smtplib.SMTPException, OSError) as exc:
        return Entrega(Resultado.ADIADO, f"{type(exc).__name__}: {exc}")
    return Entrega(Resultado.ENTREGUE)


def guardar(maildir: Path, message: EmailMessage) -> Entrega:
    """No SMTP server configured: keep the message where a user can open it."""
    mailbox.Maildir(maildir, create=True).add(message)
    return Entrega(Resultado.ENTREGUE, f"maildir {maildir}")
