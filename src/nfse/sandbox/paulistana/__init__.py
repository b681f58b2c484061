"""A local NFS-e Paulistana (São Paulo) web service for tests and the demo."""

from nfse.sandbox.paulistana.server import PaulistanaSandbox

__all__ = ["PaulistanaSandbox"]
