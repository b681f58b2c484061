"""One webhook delivery: POST the note's JSON with the hook's authorization header, a
delivery id for the receiver to de-duplicate (``X-Nfse-Delivery``) and, when the hook has a
secret, an HMAC-SHA256 signature of ``timestamp.body`` (``X-Nfse-Signature``).

And where a hook may point, in both environments (a hook is a request this server makes on
a tenant's behalf: SSRF): only to public addresses. The host is resolved once; every address
it resolves to must be public (loopback, private, link-local, CGNAT, ULA, multicast, reserved
and the IPv6 forms that embed such an IPv4 address — IPv4-mapped, 6to4, Teredo, NAT64 — are
refused, whatever spelling the URL uses); a name that does not resolve is refused. The
delivery then connects to the address it checked, with the name in ``Host`` and in the TLS
SNI and certificate check, so a DNS answer that changes between check and connection
(rebinding) cannot move it. Redirects are not followed. ``NFSE_WEBHOOK_ALLOW`` lists hosts
or networks let through anyway (a receiver on the gateway's own network; loopback in tests).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import socket
import time
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

import httpx

from nfse.notify.conexoes_http import ConexoesHttp

TIMEOUT = 10.0
MAX_URL = 2000
MAX_HEADER_VALUE = 4096
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")
"""An HTTP header name (RFC 9110 token)."""
_VALOR = re.compile(r"[\t\x20-\x7e]*")
"""A header value: visible characters, space and tab; never CR, LF or NUL."""
RESERVADOS = frozenset({
    "host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade",
    "te", "trailer", "proxy-authorization", "proxy-authenticate", "proxy-connection",
    "content-type", "content-encoding", "expect", "user-agent", "x-nfse-delivery",
    "x-nfse-timestamp", "x-nfse-signature",
})
"""Headers a hook may not set: framing and hop-by-hop ones, and those the delivery sets."""
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


@dataclass(frozen=True)
class Destino:
    url: str
    authorization: str | None = None
    authorization_header: str = "Authorization"
    secret: str | None = None
    permitidos: tuple[str, ...] = ()
    """``NFSE_WEBHOOK_ALLOW``: hosts or networks reachable though not public."""


class DestinoRecusado(Exception):
    """A destination a hook may not reach; the message says why, in Portuguese."""


def assinatura(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def entregar(destino: Destino, body: bytes, delivery: str, timeout: float = TIMEOUT,
             conexoes: ConexoesHttp | None = None) -> str | None:
    """None when the receiver answered 2xx; else what went wrong (a refused destination
    included: it is checked again at every delivery). ``conexoes``: the connections kept
    open (a worker's); without them the delivery opens and closes its own."""
    headers = {"Content-Type": "application/json", "User-Agent": "nfse-gateway",
               "X-Nfse-Delivery": delivery}
    if destino.authorization:
        problema = cabecalho_invalido(destino.authorization_header, destino.authorization)
        if problema:
            return problema
        headers[destino.authorization_header] = destino.authorization
    if destino.secret:
        timestamp = str(int(time.time()))
        headers["X-Nfse-Timestamp"] = timestamp
        headers["X-Nfse-Signature"] = assinatura(destino.secret, timestamp, body)
    try:
        parts = _partes(destino.url)
        address = resolver(parts, destino.permitidos)
    except DestinoRecusado as exc:
        return str(exc)
    url, extensions = _fixado(parts, address, headers)
    usadas = conexoes if conexoes is not None else ConexoesHttp()
    chave = (parts.scheme, (parts.hostname or "").lower(), address, parts.port)
    try:
        with usadas.cliente(chave) as client:
            def post() -> httpx.Response:
                return client.post(url, content=body, headers=headers, timeout=timeout,
                                   extensions=extensions)
            try:
                answer = post()
            except _CAIU_ANTES:
                answer = post()
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        if usadas is not conexoes:
            usadas.fechar()
    if 200 <= answer.status_code < 300:
        return None
    return f"HTTP {answer.status_code}"


_CAIU_ANTES = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
"""A kept connection the receiver closed while it sat idle fails the next request so: the
delivery is sent again at once, once, over a new connection (the receiver de-duplicates by
``X-Nfse-Delivery``), not left for the retry schedule's first wait."""


def _fixado(parts: SplitResult, address: str,
            headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The URL that connects to ``address``, naming the host in ``Host`` (set in
    ``headers``) and, for https, in the SNI and the certificate check."""
    host = parts.hostname or ""
    literal = f"[{address}]" if ":" in address else address
    port = f":{parts.port}" if parts.port else ""
    headers["Host"] = (f"[{host}]" if ":" in host else host) + port
    url = urlunsplit((parts.scheme, literal + port, parts.path or "/", parts.query, ""))
    return url, ({"sni_hostname": host} if parts.scheme == "https" else {})


def _partes(url: str) -> SplitResult:
    """``url`` split, or ``DestinoRecusado``: not http(s), no host, a bad port, spaces or
    control characters, credentials, too long."""
    shown = url[:100] + ("…" if len(url) > 100 else "")
    if len(url) > MAX_URL:
        raise DestinoRecusado(f"URL inválida: mais de {MAX_URL} caracteres")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise DestinoRecusado(f"URL inválida: {shown!r} (contém espaço ou caractere de "
                              "controle)")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError as exc:
        raise DestinoRecusado(f"URL inválida: {shown}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DestinoRecusado(f"URL inválida: {shown}")
    if parts.username is not None or parts.password is not None:
        raise DestinoRecusado(f"URL inválida: {shown} (credenciais na URL; use o parâmetro "
                              '"authorization")')
    return parts


def destino_recusado(url: str, permitidos: list[str] | tuple[str, ...]) -> str | None:
    """Why a hook may not point at ``url``, or None (checked at registration)."""
    try:
        resolver(_partes(url), permitidos)
    except DestinoRecusado as exc:
        return str(exc)
    return None


def resolver(parts: SplitResult, permitidos: list[str] | tuple[str, ...]) -> str:
    """The address to connect to: the host resolved once, every address it has public
    (or allowed); else ``DestinoRecusado``."""
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise DestinoRecusado("URL inválida: sem servidor")
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise DestinoRecusado(f"URL inválida: o nome {host} não foi encontrado no DNS") \
            from exc
    addresses = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
    if not addresses:
        raise DestinoRecusado(f"URL inválida: o nome {host} não foi encontrado no DNS")
    if host in permitidos:
        return addresses[0]
    networks = [ipaddress.ip_network(a, strict=False) for a in permitidos if _is_network(a)]
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if any(ip in net for net in networks):
            continue
        if not publico(ip):
            raise DestinoRecusado(f"URL inválida: {parts.hostname} (aponta para o endereço "
                                  f"interno {address})")
    return addresses[0]


def publico(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``ip`` is a public unicast address, IPv4 embedded in IPv6 included."""
    if (not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified
            or ip.is_loopback or ip.is_link_local or ip.is_private):
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if any(ip in net for net in _NAT64):
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        return all(publico(v4) for v4 in embedded if v4 is not None)
    return True


def cabecalho_invalido(nome: str, valor: str) -> str | None:
    """Why a hook may not send the header ``nome: valor``, or None."""
    if not _TOKEN.fullmatch(nome):
        return f'Parâmetro "authorization_header" inválido: {nome[:64]!r} não é um nome de ' \
               "cabeçalho HTTP"
    if nome.lower() in RESERVADOS or nome.lower().startswith("proxy-"):
        return f'Parâmetro "authorization_header" não pode ser "{nome}"'
    if len(valor) > MAX_HEADER_VALUE or not _VALOR.fullmatch(valor):
        return ('Parâmetro "authorization" inválido: até 4096 caracteres, sem quebras de '
                "linha nem caracteres de controle")
    return None


def _is_network(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True
