"""Certificates we make ourselves: the demo company's A1, and the CA and server certificate of
a sandbox. Real companies bring an ICP-Brasil A1; these exist so the embedded setup and the
tests run offline."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from nfse.certs.a1 import A1, OID_CNPJ


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str, org: str = "nfse-gateway") -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def _usage(**enabled: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
         "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"), False)
    return x509.KeyUsage(**(flags | enabled))


def _builder(subject: x509.Name, issuer: x509.Name, key: rsa.RSAPrivateKey, *, start: datetime,
             days: int, ca: bool) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )


def _recently() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=5)


def generate_a1(
    cnpj: str,
    razao_social: str,
    *,
    issuer: A1 | None = None,
    not_before: datetime | None = None,
    days: int = 365,
) -> A1:
    """An ICP-Brasil-shaped A1: CN ``RAZAO:CNPJ``, the CNPJ in OtherName 2.16.76.1.3.3,
    digitalSignature + nonRepudiation, client authentication. Self-signed unless ``issuer``."""
    key = _key()
    subject = _name(f"{razao_social}:{cnpj}", org="ICP-Brasil")
    cnpj_der = b"\x04" + bytes([len(cnpj)]) + cnpj.encode("ascii")
    cert = (
        _builder(subject, issuer.cert.subject if issuer else subject, key,
                 start=not_before or _recently(), days=days, ca=False)
        .add_extension(_usage(digital_signature=True, content_commitment=True,
                              key_encipherment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH,
                                              ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                       critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.OtherName(OID_CNPJ, cnpj_der)]),
                       critical=False)
        .sign(issuer.key if issuer else key, hashes.SHA256())
    )
    return A1(key=key, cert=cert, chain=(issuer.cert,) if issuer else ())


def generate_ca(common_name: str, days: int = 3650) -> A1:
    key = _key()
    name = _name(common_name)
    cert = (
        _builder(name, name, key, start=_recently(), days=days, ca=True)
        .add_extension(_usage(digital_signature=True, key_cert_sign=True, crl_sign=True),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return A1(key=key, cert=cert)


def generate_server_cert(
    ca: A1, hostnames: tuple[str, ...] = ("localhost", "127.0.0.1"), days: int = 825
) -> A1:
    key = _key()
    sans: list[x509.GeneralName] = []
    for host in hostnames:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            sans.append(x509.DNSName(host))
    cert = (
        _builder(_name(hostnames[0]), ca.cert.subject, key, start=_recently(), days=days,
                 ca=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return A1(key=key, cert=cert, chain=(ca.cert,))
