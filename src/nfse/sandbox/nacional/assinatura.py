"""The sandbox's own check of an enveloped XMLDSig, written apart from the client's signer so
a mistake in one is not mirrored by the other. C14N here goes through serialise + re-parse
(the signer uses a deep copy): the same canonical bytes reached by another path."""

from __future__ import annotations

import base64
import hashlib

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
ENVELOPED = DS + "enveloped-signature"
C14N_ALGS = {"http://www.w3.org/TR/2001/REC-xml-c14n-20010315": False,
             "http://www.w3.org/2001/10/xml-exc-c14n#": True}
DIGESTS = {DS + "sha1": hashlib.sha1, "http://www.w3.org/2001/04/xmlenc#sha256": hashlib.sha256}
SIGNATURES = {DS + "rsa-sha1": hashes.SHA1,
              "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": hashes.SHA256}


class AssinaturaInvalida(Exception):
    def __init__(self, codigo: str, mensagem: str):
        super().__init__(mensagem)
        self.codigo = codigo


def _canonical(element: etree._Element, exclusive: bool) -> bytes:
    standalone = etree.fromstring(etree.tostring(element))
    return etree.tostring(standalone, method="c14n", exclusive=exclusive)


def _q(tag: str) -> str:
    return f"{{{DS}}}{tag}"


def verificar(root: etree._Element) -> x509.Certificate:
    """Check the Signature that is the last child of ``root``; answer its certificate.
    Raises ``AssinaturaInvalida`` with E0717 (missing) or E0714 (does not verify)."""
    signature = root.find(_q("Signature"))
    if signature is None:
        raise AssinaturaInvalida("E0717", "Assinatura digital ausente")
    try:
        signed_info = signature.find(_q("SignedInfo"))
        c14n_alg = signed_info.find(_q("CanonicalizationMethod")).get("Algorithm")
        sig_alg = signed_info.find(_q("SignatureMethod")).get("Algorithm")
        reference = signed_info.find(_q("Reference"))
        uri = reference.get("URI", "")
        transforms = [t.get("Algorithm") for t in reference.iter(_q("Transform"))]
        digest_alg = reference.find(_q("DigestMethod")).get("Algorithm")
        digest_value = base64.b64decode(reference.findtext(_q("DigestValue")) or "")
        value = base64.b64decode(signature.findtext(_q("SignatureValue")) or "")
        der = base64.b64decode(signature.findtext(f".//{_q('X509Certificate')}") or "")
        cert = x509.load_der_x509_certificate(der)
    except (AttributeError, ValueError, TypeError) as exc:
        raise AssinaturaInvalida("E0714", f"Assinatura malformada: {exc}") from exc
    if c14n_alg not in C14N_ALGS or sig_alg not in SIGNATURES or digest_alg not in DIGESTS:
        raise AssinaturaInvalida("E0714", "Algoritmo de assinatura não suportado")
    if ENVELOPED not in transforms:
        raise AssinaturaInvalida("E0714", "Transformação enveloped-signature ausente")
    targets = root.xpath("//*[@Id=$id]", id=uri.removeprefix("#"))
    if not uri.startswith("#") or len(targets) != 1:
        raise AssinaturaInvalida("E0714", f"Referência {uri} não encontrada")
    target = targets[0]
    exclusive = any(C14N_ALGS.get(t, False) for t in transforms)
    if DIGESTS[digest_alg](_canonical(target, exclusive)).digest() != digest_value:
        raise AssinaturaInvalida("E0714", "Valor de resumo (digest) não confere")
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise AssinaturaInvalida("E0714", "Chave do certificado não é RSA")
    try:
        key.verify(value, _canonical(signed_info, C14N_ALGS[c14n_alg]), padding.PKCS1v15(),
                   SIGNATURES[sig_alg]())
    except InvalidSignature as exc:
        raise AssinaturaInvalida("E0714", "Assinatura não confere") from exc
    return cert
