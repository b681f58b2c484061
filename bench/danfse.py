"""(4) DANFSe: CPU milliseconds per PDF rendered on one core from an authorized NFS-e XML,
against the same DANFSe drawn through fpdf2's general text path with its logo parsed per
PDF (the renderer before ``visualizacao.texto_rapido``: the same bytes out), and the floor of
the PDF engine (fpdf2): a one-page A4 document with one line of text."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF

from bench.acceptance import NOTA
from bench.pipeline import CPU
from bench.stack import sandbox_emissor
from nfse.model.nfse import parse_nfse
from nfse.providers.base import Rps
from nfse.providers.nacional.provider import NacionalProvider
from nfse.visualizacao import danfse


class PeloFpdf(danfse._DanfseNacional):
    """The same DANFSe through fpdf2's own ``cell`` and ``get_string_width``, parsing its
    logo in every PDF as fpdf2 does."""

    cell = FPDF.cell
    get_string_width = FPDF.get_string_width
    multi_cell = FPDF.multi_cell

    def _imagem_pronta(self, png: bytes) -> None:
        pass


def _floor() -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    pdf.cell(text="NFS-e")
    return bytes(pdf.output())


def authorized_xml(workdir: Path) -> bytes:
    """An NFS-e as the sandbox authorizes it (one emission through the real provider)."""
    with sandbox_emissor(workdir, "danfse") as emissor:
        outcome = NacionalProvider().emit(parse_nfse(NOTA), Rps("1", 1), emissor)
    assert outcome.xml, outcome
    return outcome.xml


def cpu_ms(fn: Callable[[], object], seconds: float) -> float:
    """Milliseconds of this process's CPU per call of ``fn``, over about ``seconds`` of wall
    time after one warm-up call: CPU time, not wall time, because on a shared machine the
    wall time of the same work doubles with the load."""
    fn()
    done, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        fn()
        done += 1
    return 1000 * (time.process_time() - cpu) / max(done, 1)


def run(workdir: Path, seconds: float, rounds: int = 2) -> dict:
    """CPU ms per PDF of each side, alternated ``rounds`` times (the best round of each)."""
    xml = authorized_xml(workdir)
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {CPU})
    sides = {"ours": lambda: danfse.render(xml),
             "fpdf2_path": lambda: bytes(danfse._nacional(xml, False, PeloFpdf).output()),
             "floor": _floor}
    best = dict.fromkeys(sides, float("inf"))
    try:
        for _ in range(rounds):
            for side, fn in sides.items():
                best[side] = min(best[side], cpu_ms(fn, seconds / rounds / len(sides)))
        return best
    finally:
        os.sched_setaffinity(0, previous)
