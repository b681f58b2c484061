"""A local server that behaves like the Sefin Nacional (produção restrita)."""

from nfse.sandbox.nacional.server import NacionalSandbox, run_forever

__all__ = ["NacionalSandbox", "run_forever"]
