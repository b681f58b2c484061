"""Concurrent POSTs: distinct refs all accepted with distinct RPS numbers; one ref accepted
exactly once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.support import Gateway, nota_exemplo


def test_fifty_concurrent_posts(gateway: Gateway) -> None:
    body = json.dumps(nota_exemplo()).encode()

    def post(ref: str) -> int:
        return httpx.post(f"{gateway.base_url}/v2/nfse", params={"ref": ref}, content=body,
                          auth=(gateway.token, ""), timeout=60).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        distinct = list(pool.map(post, [f"d-{i}" for i in range(50)]))
        same = list(pool.map(post, ["mesma"] * 50))
    assert distinct == [202] * 50
    assert same.count(202) == 1 and set(same) <= {202, 422}

    finals = [gateway.wait_final(f"d-{i}", timeout=60) for i in range(50)]
    assert {n["status"] for n in finals} == {"autorizado"}
    numbers = [int(n["numero_rps"]) for n in finals]
    assert len(set(numbers)) == 50
    assert gateway.wait_final("mesma")["status"] == "autorizado"
    assert sorted(numbers + [int(gateway.wait_final("mesma")["numero_rps"])]) == \
        list(range(1, 52))
    emitidas = gateway.sandbox.emitidas()
    assert len(emitidas) == 51 and len({e["idDps"] for e in emitidas}) == 51
