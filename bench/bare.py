"""The acceptance baseline: a bare FastAPI endpoint under the same server stack as
``nfse serve`` (same uvicorn configuration) that parses the same JSON and answers 202,
with no authentication, validation or storage. ``python -m bench.bare PORT``."""

from __future__ import annotations

import json
import sys

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from nfse.api.app import server_config

app = FastAPI()


@app.post("/v2/nfse")
async def accept(request: Request, ref: str | None = None) -> JSONResponse:
    body = json.loads(await request.body())
    return JSONResponse({"cnpj_prestador": body["prestador"]["cnpj"], "ref": ref,
                         "status": "processando_autorizacao"}, status_code=202)


if __name__ == "__main__":
    uvicorn.Server(server_config(app, "127.0.0.1", int(sys.argv[1]))).run()
