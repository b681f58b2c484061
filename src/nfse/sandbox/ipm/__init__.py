"""A local IPM (Atende.Net) NFS-e web service for tests and the demo."""

from nfse.sandbox.ipm.server import IpmSandbox

__all__ = ["IpmSandbox"]
