"""A local server that behaves like a Ginfes municipality (ABRASF 1.0, SOAP web service with
asynchronous lots)."""

from nfse.sandbox.abrasf1.server import Abrasf1Sandbox

__all__ = ["Abrasf1Sandbox"]
