"""An ABRASF sandbox per test, validating against the official schema and trusting the test
companies' certificates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nfse.sandbox.abrasf import AbrasfSandbox
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.sandbox.abrasf.pedidos import A1_OUTRO, A1_TESTE, cliente
from tests.support import pasta_sandbox


@pytest.fixture
def abrasf(tmp_path: Path) -> Iterator[AbrasfSandbox]:
    box = AbrasfSandbox(pasta_sandbox(tmp_path / "abrasf"), xsd_dir=abrasf_xsd_dir(),
                        slow_seconds=0.3)
    box.start()
    box.trust(A1_TESTE.cert)
    box.trust(A1_OUTRO.cert)
    yield box
    box.stop()


@pytest.fixture
def client(abrasf: AbrasfSandbox) -> Iterator[httpx.Client]:
    with cliente(abrasf) as c:
        yield c
