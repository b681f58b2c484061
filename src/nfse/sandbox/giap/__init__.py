"""A local Giap NFS-e REST service for tests."""

from nfse.sandbox.giap.server import GiapSandbox

__all__ = ["GiapSandbox"]
