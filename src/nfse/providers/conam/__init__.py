"""Conam (etransparencia.com.br): own layout over GeneXus SOAP, asynchronous lots."""
