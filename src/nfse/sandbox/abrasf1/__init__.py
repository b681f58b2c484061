"""A local server that behaves like an ABRASF 1.0 municipality (SOAP web service with
asynchronous lots): Ginfes, ISSFortaleza, ISSSalvador or WebISS 1.00."""

from nfse.sandbox.abrasf1.server import Abrasf1Sandbox

__all__ = ["Abrasf1Sandbox"]
