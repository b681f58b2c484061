"""The signer writes SignedInfo as text: it must be byte for byte what C14N makes of the
element, or every verifier computes a different signed message."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.sandbox.nacional.assinatura import verificar
from nfse.xml.sign import DSIG, c14n, sign

DOC = (b'<DPS xmlns="http://www.sped.fazenda.gov.br/nfse" versao="1.01">'
       b'<infDPS Id="DPS123"><a>x &amp; y</a><b c="1"/></infDPS></DPS>')


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_signed_info_text_is_its_canonical_form(algorithm: str) -> None:
    a1 = generate_a1("11222333000181", "EMPRESA TESTE LTDA")
    root = etree.fromstring(DOC)
    sign(root, root[0], a1, algorithm)
    signed_info = root.find(f"{{{DSIG}}}Signature/{{{DSIG}}}SignedInfo")
    value = base64.b64decode(root.findtext(f".//{{{DSIG}}}SignatureValue"))
    digest_cls = hashes.SHA1 if algorithm == "sha1" else hashes.SHA256
    # raises InvalidSignature unless lxml's C14N of SignedInfo is what was signed
    a1.cert.public_key().verify(value, c14n(signed_info), padding.PKCS1v15(), digest_cls())
    reparsed = etree.fromstring(etree.tostring(root))
    assert verificar(reparsed).serial_number == a1.cert.serial_number


def test_sign_by_id_and_refuses_ids_that_cannot_be_referenced() -> None:
    a1 = generate_a1("11222333000181", "EMPRESA TESTE LTDA")
    root = etree.fromstring(DOC)
    sign(root, "DPS123", a1)
    assert verificar(etree.fromstring(etree.tostring(root))) is not None
    with pytest.raises(ValueError, match="exactly one"):
        sign(etree.fromstring(DOC), "NOPE", a1)
    bad = etree.fromstring(DOC.replace(b'Id="DPS123"', b'Id="a&quot;b"'))
    with pytest.raises(ValueError, match="plain Id"):
        sign(bad, bad[0], a1)


def test_comments_are_not_signed_and_a_root_canonicalises_as_a_subtree() -> None:
    """XMLDSig's C14N drops comments: one added inside a signed element leaves its signature
    valid for the sandboxes' independent check. And an element canonicalises the same
    whether it is a subtree or a document's root (the signer skips the copy for a root)."""
    a1 = generate_a1("11222333000181", "EMPRESA TESTE LTDA")
    root = etree.fromstring(DOC)
    sign(root, "DPS123", a1)
    root[0].insert(0, etree.Comment(" observação do ERP "))
    assert verificar(etree.fromstring(etree.tostring(root))) is not None
    inf = etree.fromstring(DOC)[0]
    assert c14n(inf) == c14n(etree.fromstring(c14n(inf)))
