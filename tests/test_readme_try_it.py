"""The README's "Try it" block, run as a newcomer runs it, against ``nfse serve --demo`` on a
port that is not 8000: every command must take the address from ``demo.json``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support import free_port

README = Path(__file__).resolve().parents[1] / "README.md"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("curl") is None, reason="curl ausente")]


def _bloco_try_it() -> str:
    texto = README.read_text()
    secao = texto[texto.index("## Try it"):]
    return re.search(r"```sh\n(.*?)```", secao, re.S).group(1)


def test_try_it_works_on_any_port(tmp_path: Path) -> None:
    port = free_port()
    while port == 8000:
        port = free_port()
    env = {**os.environ, "NFSE_WORKER_POLL": "0.1"}
    env.pop("NFSE_DATABASE_URL", None)
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "nfse.cli", "serve", "--demo", "--port",
                             str(port)], cwd=tmp_path, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, \
                (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        bloco = _bloco_try_it()
        assert "8000" not in bloco
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", bloco], cwd=tmp_path,
                                capture_output=True, text=True, timeout=90)
        assert result.returncode == 0, result.stdout + result.stderr
        assert '"status":"processando_autorizacao"' in result.stdout
        assert '"status":"autorizado"' in result.stdout
        assert result.stdout.rstrip().endswith('{"status":"cancelado"}'), result.stdout
    finally:
        proc.terminate()
        proc.wait(timeout=30)
