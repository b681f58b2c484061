"""(2) The DPS pipeline on one core: a normalised note → DPS XML → XMLDSig signature → XSD
validation → gzip+base64 (``build_dps`` + ``answers.pack``, what the worker does before
sending), against the raw RSA-2048 signature rate of ``cryptography`` (the physical
ceiling: a DPS needs one signature) and against the peers building and signing an
equivalent DPS, each in its own environment on the same core (``bench.peer_envs``)."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from bench import peer_envs
from bench.acceptance import NOTA
from nfse.certs.a1 import A1
from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.providers.base import Emissor, Rps
from nfse.providers.nacional.answers import pack
from nfse.providers.nacional.dps import build_dps

CPU = 1


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds``, after one warm-up call."""
    fn()
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        done += 1
    return done / elapsed


def ours(a1: A1) -> Callable[[], str]:
    nota = parse_nfse(NOTA)
    emissor = Emissor(a1=a1, ambiente="homologacao", base_url="", ca_file=None,
                      razao_social="EMPRESA BENCH LTDA", regime_tributario=3)
    numbers = itertools.count(1)
    return lambda: pack(build_dps(nota, Rps(serie="1", numero=next(numbers)), emissor))


def ceiling(a1: A1) -> Callable[[], bytes]:
    """One RSA-2048 PKCS#1 v1.5 signature with SHA-1, the DPS's algorithm, of a SignedInfo-
    sized message."""
    message = b"x" * 600
    return lambda: a1.key.sign(message, padding.PKCS1v15(), hashes.SHA1())


def run(workdir: Path, seconds: float, rounds: int) -> dict:
    """Ours and the ceiling alternate ``rounds`` times in this process pinned to one core;
    the peers run once each in their own processes on that core."""
    a1 = generate_a1("11222333000181", "EMPRESA BENCH LTDA")
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {CPU})
    try:
        ours_fn, ceiling_fn = ours(a1), ceiling(a1)
        mine, rsa = [], []
        for _ in range(rounds):
            rsa.append(rate(ceiling_fn, seconds))
            mine.append(rate(ours_fn, seconds))
    finally:
        os.sched_setaffinity(0, previous)
    pfx = workdir / "peer.pfx"
    pfx.write_bytes(a1.to_pfx("senha"))
    peers = [peer_envs.measure(p, pfx, "senha", seconds, CPU) for p in peer_envs.PEERS]
    return {"ours": sum(mine) / rounds, "rsa": sum(rsa) / rounds, "peers": peers}
