"""The company's municipal credentials inside an ABRASF call (option ``credencial``), for
the systems that ask them besides, or instead of, the certificate: the ``login_responsavel``
and ``senha_responsavel`` of ``/v2/empresas`` (``Emissor.login``/``senha``).

- ``token_url`` (Tributus): the contribuinte's authorisation key as the ``tokenAuth``
  parameter of the address of every call (ACBr ``Tributus.Provider.pas``, ``CriarServiceClient``:
  ``?tokenAuth=`` + the emitter's ``WSChaveAutoriz``); the key is the company's
  ``senha_responsavel``.
- ``ws_security`` (Saatri): a WS-Security ``UsernameToken`` (user and password as text) in
  the SOAP header of every call, ``mustUnderstand`` (ACBr ``Saatri.Provider.pas``,
  ``GetDadosUsuario``); Saatri asks no client certificate (``UseCertificateHTTP := False``),
  the gateway's A1 goes all the same.
- ``basic`` (IPM 2.04): HTTP Basic authentication with the user and password (ACBr
  ``IPM.Provider.pas``, ``TACBrNFSeXWebserviceIPM204.SetHeaders``); no client certificate
  asked (``UseCertificateHTTP := False``).
- ``chave_autorizacao`` (ISSLegal 2.03): the contribuinte's authorisation key, as it is,
  as the ``Authorization`` HTTP header of every call (ACBr ``ISSLegal.Provider.pas``,
  ``SetHeaders``: the emitter's ``WSChaveAutoriz``); the key is the company's
  ``senha_responsavel``."""

from __future__ import annotations

from base64 import b64encode
from urllib.parse import quote
from xml.sax.saxutils import escape

from nfse.providers.abrasf import rest
from nfse.providers.abrasf.variante import Variante
from nfse.providers.base import Emissor, Erro, credenciais_ausentes

TOKEN = "tokenAuth"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = ("http://docs.oasis-open.org/wss/2004/01/"
                 "oasis-200401-wss-username-token-profile-1.0#PasswordText")


def faltando(emissor: Emissor, variante: Variante) -> Erro | None:
    """Why the call cannot go: the credential the system asks is not registered."""
    if variante.credencial == "token_url" and not emissor.senha:
        return credenciais_ausentes(
            "A prefeitura (Tributus) exige a chave de autorização do contribuinte em cada "
            "chamada e a empresa não tem senha_responsavel cadastrada",
            "a chave (tokenAuth) em senha_responsavel")
    if variante.credencial == "chave_autorizacao" and not emissor.senha:
        return credenciais_ausentes(
            "A prefeitura exige a chave de autorização do contribuinte em cada chamada "
            "(cabeçalho Authorization) e a empresa não tem senha_responsavel cadastrada",
            "a chave em senha_responsavel")
    if variante.credencial == "token_gerado" and not (emissor.login and emissor.senha):
        return rest.ausentes()
    if variante.credencial in ("ws_security", "basic") and not (emissor.login and emissor.senha):
        return credenciais_ausentes(
            "A prefeitura exige o usuário e a senha da empresa em cada chamada "
            f"({'WS-Security' if variante.credencial == 'ws_security' else 'HTTP Basic'}) e "
            "a empresa não os tem cadastrados", "login_responsavel e senha_responsavel")
    return None


def endereco(emissor: Emissor, variante: Variante) -> str:
    """The address of a call: with ``?tokenAuth=`` when the system wants it there."""
    if variante.credencial != "token_url" or not emissor.senha:
        return emissor.base_url
    juntar = "&" if "?" in emissor.base_url else "?"
    return f"{emissor.base_url}{juntar}{TOKEN}={quote(emissor.senha, safe='')}"


def cabecalho_soap(emissor: Emissor, variante: Variante) -> str:
    """The SOAP ``Header`` content of a call ("" when none)."""
    if variante.credencial != "ws_security" or not (emissor.login and emissor.senha):
        return ""
    return (f'<wsse:Security xmlns:wsse="{WSSE}" soap:mustUnderstand="1">'
            f"<wsse:UsernameToken><wsse:Username>{escape(emissor.login)}</wsse:Username>"
            f'<wsse:Password Type="{PASSWORD_TEXT}">{escape(emissor.senha)}</wsse:Password>'
            "</wsse:UsernameToken></wsse:Security>")


def cabecalhos_http(emissor: Emissor, variante: Variante) -> dict[str, str]:
    """The HTTP headers of a call's credential ({} when none)."""
    if variante.credencial == "chave_autorizacao" and emissor.senha:
        return {"Authorization": emissor.senha}
    if variante.credencial != "basic" or not (emissor.login and emissor.senha):
        return {}
    par = f"{emissor.login}:{emissor.senha}".encode()
    return {"Authorization": "Basic " + b64encode(par).decode("ascii")}
