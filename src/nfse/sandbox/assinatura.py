"""The sandboxes' own check of an enveloped XMLDSig, written apart from the client's signer so
a mistake in one is not mirrored by the other. C14N here goes through serialise + re-parse
(the signer uses a deep copy): the same canonical bytes reached by another path.

``Id`` attributes are plain strings in both standards (no DTD or schema declares them as
``xsd:ID``), so a reference ``#x`` is resolved as "the one element whose ``Id`` is ``x``";
an empty reference (``URI=""``) is the whole document."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
ENVELOPED = DS + "enveloped-signature"
C14N_ALGS = {"http://www.w3.org/TR/2001/REC-xml-c14n-20010315": False,
             "http://www.w3.org/2001/10/xml-exc-c14n#": True,
             "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments": False,
             "http://www.w3.org/2001/10/xml-exc-c14n#WithComments": True}
"""C14N algorithm → exclusive. The "WithComments" ones are accepted as the Sefin accepts them
(pynfse-nacional signs with exclusive C14N with comments and RSA-SHA256)."""
DIGESTS = {DS + "sha1": hashlib.sha1, "http://www.w3.org/2001/04/xmlenc#sha256": hashlib.sha256}
SIGNATURES = {DS + "rsa-sha1": hashes.SHA1,
              "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": hashes.SHA256}
_POR_ID = etree.XPath("//*[@Id=$id or @id=$id]")
"""The referenced element: ``Id``, or ``id`` as ISSSalvador spells it."""
_certificado = lru_cache(maxsize=1024)(x509.load_der_x509_certificate)
"""An emitter signs every document with one certificate: loaded (and its key read) once."""


class AssinaturaIncorreta(Exception):
    """The signature is malformed, uses an unsupported algorithm or does not verify."""


def ds(tag: str) -> str:
    return f"{{{DS}}}{tag}"


def _com_comentarios(algoritmo: str) -> bool:
    return algoritmo.endswith("#WithComments")


def _canonical(element: etree._Element, exclusive: bool,
               without: etree._Element | None = None, comments: bool = False) -> bytes:
    """C14N of ``element`` as a document subset; ``without`` (a descendant) is left out,
    which is what the enveloped-signature transform does to the signature inside it.
    Comments are left out unless ``comments``: a same-document reference (``#Id``) drops
    them before its transforms, though some signers keep them under a "WithComments"
    transform, so that digest is accepted too."""
    standalone = etree.fromstring(etree.tostring(element))
    if without is not None:
        position = list(element.iter()).index(without)
        gone = list(standalone.iter())[position]
        gone.getparent().remove(gone)
    return etree.tostring(standalone, method="c14n", exclusive=exclusive,
                          with_comments=comments)


def verificar_assinatura(signature: etree._Element,
                         esperado: etree._Element | None = None) -> x509.Certificate:
    """Check one ``Signature`` element; answer the certificate in its KeyInfo. With
    ``esperado`` the reference must point at that element. Raises ``AssinaturaIncorreta``."""
    try:
        signed_info = signature.find(ds("SignedInfo"))
        c14n_alg = signed_info.find(ds("CanonicalizationMethod")).get("Algorithm")
        sig_alg = signed_info.find(ds("SignatureMethod")).get("Algorithm")
        references = signed_info.findall(ds("Reference"))
        reference = references[0]
        uri = reference.get("URI", "")
        transforms = [t.get("Algorithm") for t in reference.iter(ds("Transform"))]
        digest_alg = reference.find(ds("DigestMethod")).get("Algorithm")
        digest_value = base64.b64decode(reference.findtext(ds("DigestValue")) or "")
        value = base64.b64decode(signature.findtext(ds("SignatureValue")) or "")
        der = base64.b64decode(signature.findtext(f".//{ds('X509Certificate')}") or "")
        cert = _certificado(der)
    except (AttributeError, IndexError, ValueError, TypeError) as exc:
        raise AssinaturaIncorreta(f"Assinatura malformada: {exc}") from exc
    if len(references) != 1:
        raise AssinaturaIncorreta("A assinatura deve ter exatamente uma referência")
    if c14n_alg not in C14N_ALGS or sig_alg not in SIGNATURES or digest_alg not in DIGESTS:
        raise AssinaturaIncorreta("Algoritmo de assinatura não suportado")
    if ENVELOPED not in transforms:
        raise AssinaturaIncorreta("Transformação enveloped-signature ausente")
    if uri == "":  # the whole document (ABRASF 1.0 messages whose root has no Id)
        targets = [signature.getroottree().getroot()]
    else:
        targets = _POR_ID(signature, id=uri.removeprefix("#"))
    if not (uri == "" or uri.startswith("#")) or len(targets) != 1:
        raise AssinaturaIncorreta(f"Referência {uri} não encontrada")
    target = targets[0]
    if esperado is not None and target is not esperado:
        raise AssinaturaIncorreta(f"Referência {uri} não aponta para o elemento "
                                  f"{etree.QName(esperado).localname} assinado")
    exclusive = any(C14N_ALGS.get(t, False) for t in transforms)
    inside = signature if any(node is target for node in signature.iterancestors()) else None
    variantes = [False] + [True] * any(_com_comentarios(t) for t in transforms)
    if all(DIGESTS[digest_alg](_canonical(target, exclusive, inside, comments)).digest()
           != digest_value for comments in variantes):
        raise AssinaturaIncorreta("Valor de resumo (digest) não confere")
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise AssinaturaIncorreta("Chave do certificado não é RSA")
    try:
        key.verify(value, _canonical(signed_info, C14N_ALGS[c14n_alg],
                                     comments=_com_comentarios(c14n_alg)),
                   padding.PKCS1v15(), SIGNATURES[sig_alg]())
    except InvalidSignature as exc:
        raise AssinaturaIncorreta("Assinatura não confere") from exc
    return cert
