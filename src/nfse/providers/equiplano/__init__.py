"""Equiplano (e-NFS, esnfs.com.br): own layout in a SOAP 1.1 service, every document signed
with the company's A1; asynchronous lots."""
