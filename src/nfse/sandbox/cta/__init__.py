"""A local CTA 2.00 NFS-e service (``wsnfse/``, multipart XML files) for tests."""

from nfse.sandbox.cta.server import CtaSandbox

__all__ = ["CtaSandbox"]
