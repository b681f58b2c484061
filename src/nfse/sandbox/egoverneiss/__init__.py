"""A local eGoverneISS NFS-e service (Osasco's WCF SOAP) for tests."""

from nfse.sandbox.egoverneiss.server import EgoverneissSandbox

__all__ = ["EgoverneissSandbox"]
