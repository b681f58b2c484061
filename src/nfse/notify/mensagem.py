"""The message a tomador (or anyone a client names) receives for a note: Portuguese subject
and body naming the prestador, the number and the value, plain text and HTML alternatives,
the DANFSe and the XML attached, replies going to the company."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from decimal import Decimal
from email.encoders import encode_base64
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from nfse.model.formato import reais


@dataclass(frozen=True)
class Anexo:
    nome: str
    conteudo: bytes
    tipo: str
    """MIME type, ``application/pdf`` or ``application/xml``."""


@dataclass(frozen=True)
class Nota:
    """What the message says of the note."""

    numero: str
    prestador: str
    valor: Decimal
    cancelada: bool = False
    codigo_verificacao: str | None = None
    tomador: str | None = None
    url: str | None = None
    anexos: list[Anexo] = field(default_factory=list)


def assunto(nota: Nota) -> str:
    if nota.cancelada:
        return f"NFS-e nº {nota.numero} de {nota.prestador} foi cancelada"
    return f"NFS-e nº {nota.numero} emitida por {nota.prestador}"


def _linhas(nota: Nota) -> list[str]:
    quem = f" para {nota.tomador}" if nota.tomador else ""
    if nota.cancelada:
        abertura = (f"{nota.prestador} cancelou a NFS-e nº {nota.numero}, no valor de "
                    f"{reais(nota.valor)}{quem}.")
    else:
        abertura = (f"{nota.prestador} emitiu a NFS-e nº {nota.numero}, no valor de "
                    f"{reais(nota.valor)}{quem}.")
    linhas = [abertura]
    if nota.codigo_verificacao:
        linhas.append(f"Código de verificação: {nota.codigo_verificacao}")
    if nota.url:
        linhas.append(f"Consulte a nota em: {nota.url}")
    if nota.anexos:
        linhas.append("Seguem em anexo: " + ", ".join(a.nome for a in nota.anexos) + ".")
    return linhas


def compor(nota: Nota, *, remetente: str, destinatario: str,
           responder_para: str | None) -> Message:
    """The message, built with ``email.mime`` (the ``compat32`` policy): the same MIME tree
    as ``EmailMessage``'s content manager builds, at a fifth of its CPU (~0.25 against
    ~1.2 ms with a DANFSe attached), which a burst of e-mails pays per message."""
    message = MIMEMultipart("mixed")
    message["Subject"] = Header(assunto(nota), "utf-8")
    message["From"] = _endereco(remetente)
    message["To"] = _endereco(destinatario)
    if responder_para:
        message["Reply-To"] = _endereco(responder_para)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="nfse")
    linhas = _linhas(nota)
    paragrafos = "".join(f"<p>{html.escape(linha)}</p>" for linha in linhas)
    if nota.url:
        link = html.escape(nota.url)
        paragrafos = paragrafos.replace(link, f'<a href="{link}">{link}</a>')
    corpo = MIMEMultipart("alternative")
    corpo.attach(MIMEText("Olá,\n\n" + "\n".join(linhas) + "\n", "plain", "utf-8"))
    corpo.attach(MIMEText(
        f'<!doctype html><html lang="pt-BR"><meta charset="utf-8"><body><p>Olá,</p>'
        f"{paragrafos}</body></html>\n", "html", "utf-8"))
    message.attach(corpo)
    for anexo in nota.anexos:
        maintype, _, subtype = anexo.tipo.partition("/")
        parte = MIMEBase(maintype, subtype)
        parte.set_payload(anexo.conteudo)
        encode_base64(parte)
        parte.add_header("Content-Disposition", "attachment", filename=anexo.nome)
        message.attach(parte)
    return message


def _endereco(endereco: str) -> str:
    """``Nome <endereco>`` with the name encoded when it is not ASCII."""
    nome, email = parseaddr(endereco)
    return formataddr((nome, email), charset="utf-8") if email else endereco
