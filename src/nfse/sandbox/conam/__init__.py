"""A local Conam NFS-e SOAP service for tests."""

from nfse.sandbox.conam.server import ConamSandbox

__all__ = ["ConamSandbox"]
