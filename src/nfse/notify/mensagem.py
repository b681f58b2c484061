"""The message a tomador (or anyone a client names) receives for a note: Portuguese subject
and body naming the prestador, the number and the value, plain text and HTML alternatives,
the DANFSe and the XML attached, replies going to the company."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

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
           responder_para: str | None) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = assunto(nota)
    message["From"] = remetente
    message["To"] = destinatario
    if responder_para:
        message["Reply-To"] = responder_para
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="nfse")
    linhas = _linhas(nota)
    message.set_content("Olá,\n\n" + "\n".join(linhas) + "\n")
    paragrafos = "".join(f"<p>{html.escape(linha)}</p>" for linha in linhas)
    if nota.url:
        link = html.escape(nota.url)
        paragrafos = paragrafos.replace(link, f'<a href="{link}">{link}</a>')
    message.add_alternative(
        f'<!doctype html><html lang="pt-BR"><meta charset="utf-8"><body><p>Olá,</p>'
        f"{paragrafos}</body></html>", subtype="html")
    for anexo in nota.anexos:
        maintype, _, subtype = anexo.tipo.partition("/")
        message.add_attachment(anexo.conteudo, maintype=maintype, subtype=subtype,
                               filename=anexo.nome)
    return message
