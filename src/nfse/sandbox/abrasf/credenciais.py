"""The company credentials some ABRASF systems want in every call, as the sandbox checks
them (``nfse.providers.abrasf.credenciais`` is the gateway's side): the Tributus key as
``?tokenAuth=`` of the address, the Saatri user and password as a WS-Security
``UsernameToken`` in the SOAP header, the IPM 2.04 ones as HTTP Basic authentication. A
sandbox given keys (``AbrasfSandbox.tokens``), users (``AbrasfSandbox.usuarios``) or HTTP
users (``AbrasfSandbox.usuarios_http``) refuses a call without a known one; given none, it
asks nothing. ISSLegal's key goes as the ``Authorization`` header itself
(``AbrasfSandbox.chaves_autorizacao``)."""

from __future__ import annotations

import binascii
from base64 import b64decode
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from nfse.sandbox.abrasf.soap import parser

TOKEN = "tokenAuth"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"


def recusa(caminho: str, envelope: bytes, tokens: set[str], usuarios: dict[str, str],
           autorizacao: str | None = None,
           usuarios_http: dict[str, str] | None = None,
           chaves_autorizacao: set[str] | None = None) -> str | None:
    """Why the call is refused for its credentials (a Portuguese message), or None."""
    if chaves_autorizacao and (autorizacao or "").strip() not in chaves_autorizacao:
        return ("Chave de autorização ausente ou inválida (cabeçalho Authorization)"
                if autorizacao else "Cabeçalho Authorization ausente (chave de autorização)")
    if usuarios_http:
        esquema, _, valor = (autorizacao or "").partition(" ")
        if esquema.lower() != "basic":
            return "Autenticação HTTP Basic ausente (usuário e senha do portal)"
        try:
            usuario, _, senha = b64decode(valor, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "Autenticação HTTP Basic malformada"
        if usuarios_http.get(usuario) != senha:
            return "Usuário ou senha inválidos (HTTP Basic)"
    if tokens:
        recebidos = parse_qs(urlsplit(caminho).query).get(TOKEN, [])
        if not recebidos:
            return f"Chave de autorização ausente: informe {TOKEN} no endereço"
        if recebidos[0] not in tokens:
            return f"Chave de autorização ({TOKEN}) inválida ou de outro contribuinte"
    if usuarios:
        try:
            root = etree.fromstring(envelope, parser())
        except etree.XMLSyntaxError:
            return None  # the SOAP reading answers the malformed envelope
        token = root.find(f"{{*}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
        if token is None:
            return "Cabeçalho WS-Security (UsernameToken) ausente"
        usuario = (token.findtext(f"{{{WSSE}}}Username") or "").strip()
        senha = token.findtext(f"{{{WSSE}}}Password") or ""
        if usuarios.get(usuario) != senha:
            return "Usuário ou senha inválidos (WS-Security)"
    return None
