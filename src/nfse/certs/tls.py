"""TLS contexts. Python's ``ssl`` loads a client key only from a file, so the key is written,
encrypted with a one-time password, to a private temporary file that is removed at once."""

from __future__ import annotations

import os
import secrets
import ssl
import tempfile

from cryptography.hazmat.primitives import serialization

from nfse.certs.a1 import A1


def _load_identity(ctx: ssl.SSLContext, identity: A1) -> None:
    password = secrets.token_hex(16)
    pem = identity.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()),
    ) + identity.cert_pem() + b"".join(
        c.public_bytes(serialization.Encoding.PEM) for c in identity.chain
    )
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        ctx.load_cert_chain(path, password=password)
    finally:
        os.unlink(path)


def client_context(identity: A1, cafile: str | None = None) -> ssl.SSLContext:
    """HTTPS client context presenting ``identity`` (mutual TLS). ``cafile`` replaces the
    system trust store when given (a sandbox's CA).

    TLS 1.2 at most, as the Sefin speaks (1.0 to 1.2): the server's verdict on the client
    certificate then arrives inside the handshake, before any byte of a request leaves, so
    a refused certificate is known to be "not sent" (with TLS 1.3 it arrives after the
    request was written, and a reset can hide it)."""
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    _load_identity(ctx, identity)
    return ctx


def server_context(identity: A1, client_cafile: str | None = None) -> ssl.SSLContext:
    """HTTPS server context; with ``client_cafile`` a client certificate is required and must
    chain to one of the certificates in that file."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _load_identity(ctx, identity)
    if client_cafile:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(cafile=client_cafile)
    return ctx
