"""A local SigISS NFS-e service (``sigiss_ws.php``, SOAP rpc) for tests."""

from nfse.sandbox.sigiss.server import SigissSandbox

__all__ = ["SigissSandbox"]
