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
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from nfse.certs.a1 import A1

DSIG = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
"""Exclusive C14N, named where a system wants it (Centi): for a signed element that declares
its one default namespace itself, its bytes are those of C14N 1.0."""
ENVELOPED = DSIG + "enveloped-signature"
ALGORITHMS = {
    "sha1": (DSIG + "rsa-sha1", DSIG + "sha1", hashlib.sha1, hashes.SHA1),
    "sha256": ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
               "http://www.w3.org/2001/04/xmlenc#sha256", hashlib.sha256, hashes.SHA256),
}


_SAFE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def c14n(element: etree._Element) -> bytes:
    """Inclusive C14N 1.0 of an element as a document subset (inherited namespaces declared
    on it).

    lxml/libxml2 (seen with lxml 5.4 and 6.1) canonicalise a subtree wrongly: elements two
    levels down get ``xmlns=""``. A deep copy is a root of its own, carries the in-scope
    namespace declarations, and canonicalises correctly to the same bytes. An element that
    is already its document's root needs no copy."""
    own = element if element.getparent() is None else copy.deepcopy(element)
    return etree.tostring(own, method="c14n", exclusive=False, with_comments=False)


# SignedInfo as C14N 1.0 renders it inside a Signature in the default xmldsig namespace:
# the bytes that are signed. Built as text, it needs neither a tree nor a canonicalisation;
# ``test_sign`` checks it against lxml's C14N of the same element.
SIGNED_INFO = (
    '<SignedInfo xmlns="{dsig}"><CanonicalizationMethod Algorithm="{c14n}">'
    '</CanonicalizationMethod><SignatureMethod Algorithm="{method}"></SignatureMethod>'
    '<Reference URI="{uri}"><Transforms><Transform Algorithm="{enveloped}"></Transform>'
    '<Transform Algorithm="{c14n}"></Transform></Transforms>'
    '<DigestMethod Algorithm="{digest_method}"></DigestMethod>'
    '<DigestValue>{digest}</DigestValue></Reference></SignedInfo>'
)
SIGNATURE = ('<Signature xmlns="{dsig}">{signed_info}<SignatureValue>{value}</SignatureValue>'
             '<KeyInfo><X509Data><X509Certificate>{cert}</X509Certificate></X509Data>'
             '</KeyInfo></Signature>')
_BY_ID = etree.XPath("//*[@Id=$id]")


def _signed_info_parts(algorithm: str, canonicalizacao: str = C14N) -> tuple[str, str, str]:
    """``SIGNED_INFO`` for ``algorithm`` cut around its two variables (the reference URI and
    the digest), the constants filled in once: formatting the whole template per document
    cost more than the digest it carries."""
    method, digest_uri = ALGORITHMS[algorithm][:2]
    text = SIGNED_INFO.format(dsig=DSIG, c14n=canonicalizacao, method=method, uri="\0",
                              enveloped=ENVELOPED, digest_method=digest_uri, digest="\0")
    before, between, after = text.split("\0")
    return before, between, after


_SIGNED_INFO_PARTS = {algorithm: _signed_info_parts(algorithm) for algorithm in ALGORITHMS}
_SIGNED_INFO_PARTS_EXC = {algorithm: _signed_info_parts(algorithm, EXC_C14N)
                          for algorithm in ALGORITHMS}


def signed_info(canonical: bytes, ident: str, algorithm: str = "sha1",
                exclusiva: bool = False) -> str:
    """The SignedInfo, as text, referencing the element with Id ``ident`` whose C14N is
    ``canonical``: the digest, and the message the RSA operation signs. An empty ``ident``
    references the whole document (``URI=""``, as ABRASF 1.0 systems such as Ginfes sign
    messages whose root has no Id); ``canonical`` is then the root's C14N. ``exclusiva`` names
    exclusive C14N in the canonicalisation and the transform (``EXC_C14N``)."""
    if ident and not _SAFE_ID.fullmatch(ident):
        raise ValueError(f"the signed element needs a plain Id, not {ident!r}")
    digest = base64.b64encode(ALGORITHMS[algorithm][2](canonical).digest()).decode()
    partes = _SIGNED_INFO_PARTS_EXC if exclusiva else _SIGNED_INFO_PARTS
    before, between, after = partes[algorithm]
    return before + (f"#{ident}" if ident else "") + between + digest + after


def signature(canonical: bytes, ident: str, a1: A1, algorithm: str = "sha1",
              exclusiva: bool = False) -> str:
    """The Signature element, as text, for the element with Id ``ident`` whose C14N is
    ``canonical``. Enveloped: that element must not contain the Signature, so the enveloped
    transform leaves it unchanged and its digest is that of its C14N."""
    info = signed_info(canonical, ident, algorithm, exclusiva)
    value = a1.key.sign(info.encode(), padding.PKCS1v15(), ALGORITHMS[algorithm][3]())
    return signature_element(info, value, a1)


_SIGNATURE_PARTS = SIGNATURE.format(dsig=DSIG, signed_info="\0", value="\0",
                                    cert="\0").split("\0")


def signature_element(info: str, value: bytes, a1: A1) -> str:
    """The Signature element around SignedInfo ``info`` and its RSA signature ``value``."""
    start, before_value, before_cert, end = _SIGNATURE_PARTS
    return (start + info + before_value + base64.b64encode(value).decode() + before_cert
            + a1.cert_base64 + end)


def sign(root: etree._Element, reference: str | etree._Element, a1: A1,
         algorithm: str = "sha1") -> None:
    """Sign ``reference`` (an element of ``root``, or the Id of one); the Signature becomes
    the last child of ``root``."""
    if isinstance(reference, str):
        found = _BY_ID(root, id=reference)
        if len(found) != 1:
            raise ValueError(f"exactly one element with Id={reference} expected")
        reference = found[0]
    ident = reference.get("Id") or ""
    root.append(etree.fromstring(signature(c14n(reference), ident, a1, algorithm)))
