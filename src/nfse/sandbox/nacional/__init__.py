"""A local server that behaves like the Sefin Nacional (produção restrita)."""

from nfse.sandbox.nacional.server import NacionalSandbox, parse_faults, run_forever

__all__ = ["NacionalSandbox", "parse_faults", "run_forever"]
