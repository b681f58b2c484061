"""A1 certificates: PKCS#12 loading and the facts we read from them."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property, lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

OID_CNPJ = x509.ObjectIdentifier("2.16.76.1.3.3")
OID_CPF_TITULAR = x509.ObjectIdentifier("2.16.76.1.3.1")


class CertificadoInvalido(ValueError):
    """Not a PKCS#12, wrong password, or not an RSA signing certificate."""


class SenhaIncorreta(CertificadoInvalido):
    """A PKCS#12 that this password does not open."""


class NaoEPkcs12(CertificadoInvalido):
    """A file that is not a (whole) PKCS#12: a PEM, a PDF, a truncated upload."""


PKCS7 = bytes.fromhex("06092a864886f70d0107")
"""The start of the OID of PKCS#7 data (…7.1) and signedData (…7.2), the PFX's authSafe."""


@dataclass(frozen=True)
class A1:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def not_after(self) -> datetime:
        return self.cert.not_valid_after_utc

    def expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(UTC)) > self.not_after

    @property
    def cnpj(self) -> str | None:
        return document_of(self.cert)

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @cached_property
    def fingerprint(self) -> bytes:
        """SHA-256 of the certificate: names it in caches of connections and contexts."""
        return self.cert.fingerprint(hashes.SHA256())

    @cached_property
    def cert_base64(self) -> str:
        """The certificate's DER in base64, as every signature's KeyInfo carries it."""
        return base64.b64encode(self.cert.public_bytes(serialization.Encoding.DER)).decode()

    def to_pfx(self, password: str) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            b"a1", self.key, self.cert, list(self.chain) or None,
            serialization.BestAvailableEncryption(password.encode()),
        )


def _conteudo(data: bytes, pos: int, tag: int) -> tuple[int, int | None]:
    """Where the content of the DER/BER element at ``pos`` starts and its length (None when
    indefinite); IndexError when the element is not there."""
    if data[pos] != tag:
        raise IndexError(pos)
    primeiro = data[pos + 1]
    if primeiro < 0x80:
        return pos + 2, primeiro
    if primeiro == 0x80:
        return pos + 2, None
    tamanho = primeiro & 0x7F
    return pos + 2 + tamanho, int.from_bytes(data[pos + 2:pos + 2 + tamanho], "big")


def parece_pkcs12(data: bytes) -> bool:
    """PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, macData OPTIONAL }: the
    shape alone, which cryptography does not tell apart from a wrong password."""
    try:
        inicio, tamanho = _conteudo(data, 0, 0x30)
        if tamanho is not None and inicio + tamanho != len(data):
            return False
        if data[inicio:inicio + 3] != b"\x02\x01\x03":
            return False
        oid, _ = _conteudo(data, inicio + 3, 0x30)
        return data[oid:oid + len(PKCS7)] == PKCS7 and data[oid + len(PKCS7)] in (1, 2)
    except IndexError:
        return False


def load_pfx(data: bytes, password: str) -> A1:
    if not parece_pkcs12(data):
        raise NaoEPkcs12("o arquivo não é um certificado PKCS#12 (.pfx/.p12)")
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, password.encode())
    except (ValueError, TypeError) as exc:
        raise SenhaIncorreta("Senha do certificado incorreta") from exc
    if cert is None or not isinstance(key, rsa.RSAPrivateKey):
        raise CertificadoInvalido("o PKCS#12 não contém um certificado com chave RSA")
    return A1(key=key, cert=cert, chain=tuple(chain or ()))


@lru_cache(maxsize=1024)
def document_of(cert: x509.Certificate) -> str | None:
    """The CNPJ (ICP-Brasil OtherName 2.16.76.1.3.3) or, failing that, the digits after the
    colon of the common name (``RAZAO SOCIAL:12345678000195``). Kept per certificate (equal
    certificates hash alike): the sandboxes ask it twice per request, at ~60 µs each."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        for other in san.get_values_for_type(x509.OtherName):
            if other.type_id == OID_CNPJ:
                return _der_string(other.value)[-14:]
    except x509.ExtensionNotFound:
        pass
    for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        match = re.search(r":([0-9A-Z]{14}|\d{11})$", str(attr.value))
        if match:
            return match.group(1)
    return None


def _der_string(value: bytes) -> str:
    """Decode the DER string (OCTET/PrintableString/UTF8String) inside an OtherName value."""
    if len(value) >= 2 and value[0] in (0x04, 0x0C, 0x13, 0x16) and value[1] == len(value) - 2:
        return value[2:].decode("ascii", "replace")
    return re.sub(r"[^0-9A-Z]", "", value.decode("ascii", "ignore"))
