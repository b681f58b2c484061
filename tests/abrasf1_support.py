"""What the ABRASF 1.0 tests share: the sandbox where the gateway's ``abrasf_v1``
homologação goes, and a note issued in one municipality."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from nfse.sandbox.abrasf1 import Abrasf1Sandbox
from tests.support import Gateway, nota_exemplo


@contextmanager
def homologacao_abrasf1(gateway: Gateway, box: Abrasf1Sandbox,
                        monkeypatch: pytest.MonkeyPatch) -> Iterator[Abrasf1Sandbox]:
    """``box`` started, trusting the gateway's certificate, and where every abrasf_v1
    homologação goes (``NFSE_ABRASF_V1_URL_HOMOLOGACAO`` and ``NFSE_ABRASF_V1_CA_FILE``, as
    an operator would point them); stopped at the end."""
    box.start()
    try:
        monkeypatch.setenv("NFSE_ABRASF_V1_URL_HOMOLOGACAO", box.url)
        monkeypatch.setenv("NFSE_ABRASF_V1_CA_FILE", str(box.ca_file))
        box.trust(gateway.a1.cert)
        yield box
    finally:
        box.stop()


def nota_em(municipio: str) -> dict:
    """The example note, its prestador and service in ``municipio``."""
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = municipio
    body["servico"]["codigo_municipio"] = municipio
    return body
