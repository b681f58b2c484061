"""Giap: own REST layout (notaFiscal), authenticated by the company\x27s authorisation key."""
