"""SigISSWeb: own REST layout (notafiscal), a session token from the company's login."""
