"""The demo's certificate authority, standing in for ICP-Brasil: the sandboxes trust it as
the Sefin trusts ICP-Brasil, and it issues test A1s for any CNPJ, so a newcomer's own company
works against the demo (``nfse empresa criar --certificado-teste``). It lives in the data
directory, made on first use; a certificate it issues is worth nothing outside the demo."""

from __future__ import annotations

from pathlib import Path

from cryptography.exceptions import InvalidSignature

from nfse.certs.a1 import A1, load_pfx
from nfse.certs.generate import generate_a1, generate_ca

ARQUIVO = "ac-teste.p12"
PEM = "ac-teste.pem"
SENHA = "ac-teste"
"""The CA's file is a test fixture, not a secret: anyone with the data directory may issue."""
NOME = "AC de teste do nfse-gateway (não é ICP-Brasil)"


def ac_teste(data_dir: Path) -> A1:
    """The data directory's test CA (``ac-teste.p12``, mode 0600; its certificate also in
    ``ac-teste.pem`` for ``nfse sandbox ... --trust``), made on first use."""
    data_dir = Path(data_dir)
    path = data_dir / ARQUIVO
    if path.exists():
        return load_pfx(path.read_bytes(), SENHA)
    data_dir.mkdir(parents=True, exist_ok=True)
    ca = generate_ca(NOME)
    path.write_bytes(ca.to_pfx(SENHA))
    path.chmod(0o600)
    (data_dir / PEM).write_bytes(ca.cert_pem())
    return ca


def disponivel(data_dir: Path) -> bool:
    """Whether the data directory has a test CA (``nfse serve --demo`` or ``nfse empresa
    criar --certificado-teste`` made it), i.e. whether its sandboxes trust test A1s."""
    return (Path(data_dir) / ARQUIVO).exists()


def a1_teste(data_dir: Path, cnpj: str, razao_social: str) -> A1:
    """A test A1 for ``cnpj``, issued by the data directory's test CA (valid one year)."""
    return generate_a1(cnpj, razao_social, issuer=ac_teste(data_dir))


def emitido_pela_ac(a1: A1, data_dir: Path) -> bool:
    """Whether ``a1`` was issued by the data directory's test CA."""
    ca = ac_teste(data_dir)
    if a1.cert.issuer != ca.cert.subject:
        return False
    try:
        a1.cert.verify_directly_issued_by(ca.cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
