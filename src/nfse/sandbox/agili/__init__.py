"""A local Agili NFS-e service for tests."""

from nfse.sandbox.agili.server import AgiliSandbox

__all__ = ["AgiliSandbox"]
