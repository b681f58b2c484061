"""Enveloped XMLDSig in the profile the Sefin Nacional accepts everywhere: C14N 1.0 (2001),
enveloped-signature + C14N transforms, RSA-SHA1/SHA-1 by default, the leaf certificate in
KeyInfo, and the Signature in the default xmldsig namespace (no ``ds:`` prefix: E1228).

Our own code rather than signxml: signxml refuses SHA-1 unless patched, we need exactly this
shape, and signing is on the hot path (one RSA operation per note must dominate its cost).
"""

from __future__ import annotations

import base64
import copy
import hashlib

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from nfse.certs.a1 import A1

DSIG = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = DSIG + "enveloped-signature"
ALGORITHMS = {
    "sha1": (DSIG + "rsa-sha1", DSIG + "sha1", hashlib.sha1, hashes.SHA1),
    "sha256": ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
               "http://www.w3.org/2001/04/xmlenc#sha256", hashlib.sha256, hashes.SHA256),
}


def c14n(element: etree._Element) -> bytes:
    """Inclusive C14N 1.0 of an element as a document subset (inherited namespaces declared
    on it).

    lxml/libxml2 (seen with lxml 5.4 and 6.1) canonicalise a subtree wrongly: elements two
    levels down get ``xmlns=""``. A deep copy is a root of its own, carries the in-scope
    namespace declarations, and canonicalises correctly to the same bytes."""
    return etree.tostring(copy.deepcopy(element), method="c14n", exclusive=False,
                          with_comments=False)


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{DSIG}}}{tag}", attrs)


def sign(root: etree._Element, reference_id: str, a1: A1, algorithm: str = "sha1") -> None:
    """Sign the element of ``root`` whose Id is ``reference_id``; the Signature becomes the
    last child of ``root``. The referenced element must not contain the Signature, so the
    enveloped transform leaves it unchanged and its digest is that of its C14N."""
    sig_uri, digest_uri, digest_fn, hash_cls = ALGORITHMS[algorithm]
    target = root.xpath("//*[@Id=$id]", id=reference_id)
    if len(target) != 1:
        raise ValueError(f"exactly one element with Id={reference_id} expected")
    digest = base64.b64encode(digest_fn(c14n(target[0])).digest()).decode()

    signature = etree.SubElement(root, f"{{{DSIG}}}Signature", nsmap={None: DSIG})
    signed_info = _sub(signature, "SignedInfo")
    _sub(signed_info, "CanonicalizationMethod", Algorithm=C14N)
    _sub(signed_info, "SignatureMethod", Algorithm=sig_uri)
    reference = _sub(signed_info, "Reference", URI=f"#{reference_id}")
    transforms = _sub(reference, "Transforms")
    _sub(transforms, "Transform", Algorithm=ENVELOPED)
    _sub(transforms, "Transform", Algorithm=C14N)
    _sub(reference, "DigestMethod", Algorithm=digest_uri)
    _sub(reference, "DigestValue").text = digest

    value = a1.key.sign(c14n(signed_info), padding.PKCS1v15(), hash_cls())
    _sub(signature, "SignatureValue").text = base64.b64encode(value).decode()
    x509_data = _sub(_sub(signature, "KeyInfo"), "X509Data")
    der = a1.cert.public_bytes(serialization.Encoding.DER)
    _sub(x509_data, "X509Certificate").text = base64.b64encode(der).decode()
