"""Agili: own XML layout (nfse_v_1.00.xsd) POSTed to .../api/<Operação>, the company named
by its digital key."""
