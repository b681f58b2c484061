"""A local server that behaves like a municipality on ABRASF 2.0x (SOAP web service)."""

from nfse.sandbox.abrasf.server import AbrasfSandbox, parse_faults, run_forever

__all__ = ["AbrasfSandbox", "parse_faults", "run_forever"]
