"""Each peer library in an environment of its own, made once under
``$NFSE_BENCH_PEERS_DIR`` (default ``~/.cache/nfse-bench/peers``): the peers pin old
versions of ``cryptography``, ``lxml`` and ``signxml`` that conflict with each other and
with ours, so installing them beside the project would change what is measured."""

from __future__ import annotations

import json
import os
import subprocess
import venv
from pathlib import Path

NFELIB = "nfelib+erpbrasil.assinatura"
PYNFSE = "pynfse-nacional"
PACKAGES = {  # per environment: what to install, and the distributions the report names
    NFELIB: (["nfelib>=3.2", "erpbrasil.assinatura>=1.8"],
             ["nfelib", "erpbrasil.assinatura", "signxml"]),
    PYNFSE: (["pynfse-nacional>=0.9"], ["pynfse-nacional", "signxml"]),
}
PEERS = {  # each path measured (``bench.peers.PEERS``), and the environment it runs in
    NFELIB: NFELIB,
    "nfelib signing itself (PKCS#12 re-opened per note)": NFELIB,
    PYNFSE: PYNFSE,
}
SCRIPT = Path(__file__).with_name("peers.py")


def home() -> Path:
    default = Path.home() / ".cache" / "nfse-bench" / "peers"
    return Path(os.environ.get("NFSE_BENCH_PEERS_DIR", default))


def python_of(environment: str) -> Path:
    """The interpreter of a peer environment, created and installed on first use."""
    target = home() / environment.replace("+", "_")
    python = target / "bin" / "python"
    marker = target / ".installed"
    if not marker.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(target)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES[environment][0]],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        marker.write_text(json.dumps(PACKAGES[environment][0]))
    return python


def versions(python: Path, names: list[str]) -> dict[str, str]:
    code = ("import json,sys\nfrom importlib import metadata\n"
            "print(json.dumps({n: metadata.version(n) for n in sys.argv[1:]}))")
    out = subprocess.run([str(python), "-c", code, *names], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def measure(peer: str, pfx: Path, senha: str, seconds: float, cpu: int) -> dict:
    """Documents/s of the peer on core ``cpu``, or ``unavailable`` with the reason."""
    environment = PEERS[peer]
    try:
        python = python_of(environment)
    except (subprocess.CalledProcessError, OSError) as exc:
        return {"peer": peer,
                "unavailable": f"could not install {PACKAGES[environment][0]}: {exc}"}
    out = subprocess.run([str(python), str(SCRIPT), peer, str(pfx), senha, str(seconds)],
                         capture_output=True, text=True,
                         preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
    if out.returncode != 0:
        lines = out.stderr.strip().splitlines() or ["no output"]
        return {"peer": peer, "unavailable": lines[-1]}
    result = json.loads(out.stdout)
    result["versions"] = versions(python, PACKAGES[environment][1])
    return result
