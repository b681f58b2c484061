"""SigISS (``sigiss_ws.php``, SOAP rpc in ``urn:sigiss_ws``): docs/sigiss.md."""
