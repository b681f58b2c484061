"""The Sefin's reading of a signature: the Signature that is the last child of the signed
document, checked by the sandboxes' own verifier (``nfse.sandbox.assinatura``) and answered
with the Sefin's codes."""

from __future__ import annotations

from cryptography import x509
from lxml import etree

from nfse.sandbox.assinatura import AssinaturaIncorreta, ds, verificar_assinatura


class AssinaturaInvalida(Exception):
    def __init__(self, codigo: str, mensagem: str):
        super().__init__(mensagem)
        self.codigo = codigo


def verificar(root: etree._Element) -> x509.Certificate:
    """Check the Signature that is the last child of ``root``; answer its certificate.
    Raises ``AssinaturaInvalida`` with E0717 (missing) or E0714 (does not verify)."""
    signature = root.find(ds("Signature"))
    if signature is None:
        raise AssinaturaInvalida("E0717", "Assinatura digital ausente")
    try:
        return verificar_assinatura(signature)
    except AssinaturaIncorreta as exc:
        raise AssinaturaInvalida("E0714", str(exc)) from exc
