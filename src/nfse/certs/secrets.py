"""Secrets at rest: certificates, their passwords and prefeitura passwords are encrypted with
a key from ``NFSE_SECRET_KEY`` or, in the embedded setup, a key file created with mode 0600."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet


class SecretBox:
    def __init__(self, key: str):
        digest = hashlib.sha256(key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._digest = digest

    def seal(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def open(self, token: bytes) -> bytes:
        return self._fernet.decrypt(token)

    def derivar(self, rotulo: bytes) -> bytes:
        """A key of its own for one use (``rotulo``), derived from the secret key: an HMAC
        made with it says nothing about the key or the keys of other uses."""
        return hmac.new(self._digest, b"nfse:" + rotulo, hashlib.sha256).digest()


def load_or_create_key(env_value: str | None, key_file: Path) -> str:
    if env_value:
        return env_value
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def hash_token(token: str) -> str:
    """API tokens are stored as their SHA-256: high-entropy secrets need no slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()
