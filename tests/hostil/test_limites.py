"""``NFSE_MAX_BODY``: a body over the limit gets 413 in the Focus format before it is parsed
or stored, whether it declares its length or streams it."""

from __future__ import annotations

import json
from collections.abc import Iterator

from tests.hostil.conftest import Alvo
from tests.support import nota_exemplo


def test_a_body_over_the_limit_is_refused_before_it_is_read(alvo: Alvo) -> None:
    grande = json.dumps(nota_exemplo(lixo="x" * 2_000_000)).encode()  # the 60 MB case, smaller
    answer = alvo.request("POST", "/v2/nfse?ref=grande", content=grande)
    assert answer.status_code == 413
    body = answer.json()
    assert body["codigo"] == "requisicao_muito_grande" and "1048576" in body["mensagem"]
    assert alvo.linhas()["notas"] == 0


def test_a_streamed_body_is_cut_at_the_limit(alvo: Alvo) -> None:
    sent = []

    def pedacos() -> Iterator[bytes]:
        yield b'{"lixo": "'
        for _ in range(100):
            sent.append(1)
            yield b"x" * 65536
        yield b'"}'

    answer = alvo.client.post("/v2/hooks", content=pedacos(), auth=(alvo.token, ""))
    assert answer.status_code == 413, answer.text
    assert alvo.linhas()["hooks"] == 0


def test_the_limit_is_a_setting(alvo: Alvo) -> None:
    nota = json.dumps(nota_exemplo()).encode()
    alvo.runtime.settings.max_body = len(nota) - 1
    assert alvo.request("POST", "/v2/nfse?ref=limite", content=nota).status_code == 413
    alvo.runtime.settings.max_body = len(nota)
    assert alvo.request("POST", "/v2/nfse?ref=limite", content=nota).status_code == 202
