"""A local SigISSWeb NFS-e REST service for tests."""

from nfse.sandbox.sigissweb.server import SigisswebSandbox

__all__ = ["SigisswebSandbox"]
