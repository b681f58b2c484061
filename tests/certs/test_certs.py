from __future__ import annotations

import os
import stat

import pytest

from nfse.certs.a1 import CertificadoInvalido, load_pfx
from nfse.certs.generate import generate_a1
from nfse.certs.secrets import SecretBox, hash_token, load_or_create_key


def test_a1_round_trip_keeps_the_cnpj() -> None:
    a1 = generate_a1("11222333000181", "EMPRESA LTDA")
    loaded = load_pfx(a1.to_pfx("segredo"), "segredo")
    assert loaded.cnpj == "11222333000181"
    assert not loaded.expired()


def test_wrong_password_is_a_clear_error() -> None:
    pfx = generate_a1("11222333000181", "EMPRESA LTDA").to_pfx("segredo")
    with pytest.raises(CertificadoInvalido):
        load_pfx(pfx, "outra")
    with pytest.raises(CertificadoInvalido):
        load_pfx(b"not a pkcs12", "x")


def test_key_file_is_private_and_stable(tmp_path) -> None:
    key_file = tmp_path / "secret.key"
    key = load_or_create_key(None, key_file)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert load_or_create_key(None, key_file) == key
    assert load_or_create_key("from-env", key_file) == "from-env"


def test_secrets_are_sealed() -> None:
    box = SecretBox("k")
    sealed = box.seal(b"senha do certificado")
    assert b"senha" not in sealed
    assert box.open(sealed) == b"senha do certificado"
    assert SecretBox("k").open(sealed) == b"senha do certificado"
    assert hash_token("abc") != "abc" and len(hash_token("abc")) == 64
