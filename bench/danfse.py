"""(4) DANFSe: PDFs rendered per second on one core from an authorized NFS-e XML, against
the floor of the same PDF engine (fpdf2): a one-page A4 document with one line of text."""

from __future__ import annotations

import os
from pathlib import Path

from fpdf import FPDF

from bench.acceptance import NOTA
from bench.pipeline import CPU, rate
from bench.stack import sandbox_emissor
from nfse.documents.danfse import render
from nfse.model.nfse import parse_nfse
from nfse.providers.base import Rps
from nfse.providers.nacional.provider import NacionalProvider


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


def run(workdir: Path, seconds: float) -> dict:
    xml = authorized_xml(workdir)
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {CPU})
    try:
        return {"ours": rate(lambda: render(xml), seconds), "floor": rate(_floor, seconds)}
    finally:
        os.sched_setaffinity(0, previous)
