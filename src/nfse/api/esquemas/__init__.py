"""JSON Schemas (OpenAPI 3.1) of the request and response bodies, for the API reference.

The routes parse their bodies by hand (``nfse.model``, ``nfse.cadastro``): these schemas
describe what that parsing accepts, they do not validate requests. ``nfse.api.openapi`` puts
them into the OpenAPI document; the tests check that the examples validate against them and
that the server accepts the examples.
"""
