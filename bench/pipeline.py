"""(2) The DPS pipeline on one core: a normalised note → DPS XML → XSD validation →
XMLDSig signature → gzip+base64 (``build_dps`` + ``answers.pack``, what the worker does
before sending), against the raw RSA-2048 signature rate of ``cryptography`` (the physical
ceiling: a DPS needs one signature) and against the peers building, signing and encoding an
equivalent DPS as their clients do before sending, each in its own environment on the same
core (``bench.peer_envs``).

Each stage is also timed alone (``stages``), so the bench says where the time beyond the
RSA operation goes."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from bench import peer_envs
from bench.acceptance import NOTA
from nfse.certs.a1 import A1
from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.providers.base import Emissor, Rps
from nfse.providers.nacional.dps import (
    build_dps,
    check_schema,
    document,
    signed_dps,
    unsigned_dps,
    write_inf_dps,
)
from nfse.providers.nacional.respostas import pack
from nfse.xml.sign import signature_element, signed_info

CPU = 1


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per CPU second of ``fn`` (this process's), over about ``seconds`` of CPU or
    twice that of the clock, after one warm-up call. CPU time, as the peers count it too:
    on a shared machine another process on the pinned core took a share of the wall clock
    that differed from one side to the other and swung the ratios (0.40 to 0.81 for the
    same code, minutes apart)."""
    fn()
    done, start, wall = 0, time.process_time(), time.perf_counter() + 2 * seconds
    while (elapsed := time.process_time() - start) < seconds and time.perf_counter() < wall:
        fn()
        done += 1
    return done / max(elapsed, 1e-6)


def _emissor(a1: A1) -> Emissor:
    return Emissor(a1=a1, ambiente="homologacao", base_url="", ca_file=None,
                   razao_social="EMPRESA BENCH LTDA", regime_tributario=3)


def ours(a1: A1) -> Callable[[], str]:
    nota, emissor = parse_nfse(NOTA), _emissor(a1)
    numbers = itertools.count(1)
    return lambda: pack(build_dps(nota, Rps(serie="1", numero=next(numbers)), emissor))


def same_stages(a1: A1) -> Callable[[], str]:
    """``ours`` without the XSD check: the stages the peers run (build, sign, gzip+base64),
    for a comparison of the same work beside the issue's (which keeps the check)."""
    nota, emissor = parse_nfse(NOTA), _emissor(a1)
    numbers = itertools.count(1)

    def run() -> str:
        ident, canonical = write_inf_dps(nota, Rps(serie="1", numero=next(numbers)), emissor)
        return pack(signed_dps(unsigned_dps(canonical), canonical, ident, a1))

    return run


def ceiling(a1: A1) -> Callable[[], bytes]:
    """One RSA-2048 PKCS#1 v1.5 signature with SHA-1, the DPS's algorithm, of a SignedInfo-
    sized message."""
    message = b"x" * 600
    return lambda: a1.key.sign(message, padding.PKCS1v15(), hashes.SHA1())


STAGES = ("RSA sign", "build (rules, C14N text)", "XSD (parse + validate)",
          "digest", "Signature text", "gzip + base64")


def staged(a1: A1, now: datetime | None = None) -> tuple[Callable[[], str], dict[str, float]]:
    """``ours`` step by step (``build_dps``'s calls, then ``pack``), the CPU seconds of each
    stage added up in the dict returned beside it. Timed in sequence, not each stage in a
    loop of its own: alone, each ran about twice as fast (the RSA operation, then every
    other stage, evict each other's code and data from the caches), and a third of the
    time went unexplained."""
    nota, emissor = parse_nfse(NOTA), _emissor(a1)
    numbers = itertools.count(1)
    spent = dict.fromkeys(STAGES, 0.0)
    clock = time.thread_time
    rsa, build, xsd, digest, text, gzip = STAGES

    def run() -> str:
        started = clock()
        ident, canonical = write_inf_dps(nota, Rps(serie="1", numero=next(numbers)), emissor,
                                         now)
        unsigned = unsigned_dps(canonical)
        built = clock()
        check_schema(unsigned)
        checked = clock()
        info = signed_info(canonical, ident)
        digested = clock()
        value = a1.key.sign(info.encode(), padding.PKCS1v15(), hashes.SHA1())
        signed = clock()
        xml = document(unsigned, signature_element(info, value, a1))
        written = clock()
        packed = pack(xml)
        spent[gzip] += clock() - written
        spent[build] += built - started
        spent[xsd] += checked - built
        spent[digest] += digested - checked
        spent[rsa] += signed - digested
        spent[text] += written - signed
        return packed

    return run, spent


def run(workdir: Path, seconds: float, rounds: int) -> dict:
    """Ours and the ceiling alternate ``rounds`` times in this process pinned to one core,
    each round followed by ``staged`` for a third of ``seconds``; the peers run once each in
    their own processes on that core. ``stages_s``: CPU seconds per stage, all rounds; each
    peer's ``ceiling``: the most ``ours / peer`` can be (``peer_target``); ``same_stages``:
    ours without the XSD check (``same_stages``), measured in the same rounds."""
    a1 = generate_a1("11222333000181", "EMPRESA BENCH LTDA")
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {CPU})
    try:
        ours_fn, ceiling_fn, same_fn = ours(a1), ceiling(a1), same_stages(a1)
        staged_fn, spent = staged(a1)
        mine, rsa, same = [], [], []
        for _ in range(rounds):
            rsa.append(rate(ceiling_fn, seconds))
            mine.append(rate(ours_fn, seconds))
            same.append(rate(same_fn, seconds / 3))
            rate(staged_fn, seconds / 3)
    finally:
        os.sched_setaffinity(0, previous)
    pfx = workdir / "peer.pfx"
    pfx.write_bytes(a1.to_pfx("senha"))
    peers = [peer_envs.measure(p, pfx, "senha", seconds, CPU) for p in peer_envs.PEERS]
    rsa_rate = sum(rsa) / rounds
    for peer in peers:
        if "docs_per_s" in peer:
            peer["ceiling"] = rsa_rate / peer["docs_per_s"]
    return {"ours": sum(mine) / rounds, "rsa": rsa_rate, "peers": peers, "stages_s": spent,
            "same_stages": sum(same) / rounds}


def breakdown(stages_s: dict[str, float]) -> tuple[str, str]:
    """Each stage's share of a document's CPU time, largest first; and the same as
    microseconds per document, relative to the RSA operation's."""
    total = sum(stages_s.values())
    ordered = sorted(stages_s.items(), key=lambda item: -item[1])
    rsa = stages_s[STAGES[0]]
    return (", ".join(f"{name} {100 * spent / total:.0f} %" for name, spent in ordered),
            "per RSA signature: " + ", ".join(f"{name} {spent / rsa:.2f}"
                                              for name, spent in ordered))


def peer_target(target: float, rsa: float, peer: float) -> str:
    """The target column of the row against the fastest peer, with the physical ceiling
    beside it: a DPS needs one RSA signature, so no pipeline on one core passes the RSA
    rate, and a peer running at ``peer / rsa`` of it caps the ratio at ``rsa / peer``. Where
    that is below ``target``, the target cannot be met by any pipeline that signs once."""
    return (f"≥ {target} × fastest peer (ceiling {rsa / peer:.1f}×: the peer runs at "
            f"{peer / rsa:.2f} × RSA, one signature per DPS caps us at 1 × RSA)")
