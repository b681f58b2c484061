"""A local Equiplano e-NFS SOAP service for tests."""

from nfse.sandbox.equiplano.server import EquiplanoSandbox

__all__ = ["EquiplanoSandbox"]
