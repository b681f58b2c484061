"""What the PDFs' fonts can draw: Windows-1252, and the substitution of everything else.

Both DANFSe renderers use fpdf2's core Helvetica, which draws Windows-1252 only (fpdf2
writes it as ``WinAnsiEncoding``). POST refuses text outside it (``model/texto.py``), but a
note stored before that gate, or an authority's XML, may still carry any character; the PDF
must never fail for it. ``imprimivel`` is the one documented substitution (see
docs/seguranca.md): accents, "—", "•", "€" and curly quotes stay; a letter with a mark
outside the set loses the mark ("ŝ" → "s"); a lone combining mark, a control or format
character (BOM U+FEFF, bidirectional controls such as U+202E, zero-width spaces) is dropped;
a tab becomes four spaces, a line or paragraph separator a line break; any other character
(emoji, CJK) becomes "?".
"""

from __future__ import annotations

import unicodedata

SUBSTITUTO = "?"


def imprimivel(texto: str) -> str:
    """``texto`` with only characters Helvetica can draw, as the module says."""
    saida: list[str] = []
    for ch in unicodedata.normalize("NFC", texto):
        if ch == "\n":
            saida.append(ch)
            continue
        if ch == "\t":
            saida.append("    ")
            continue
        categoria = unicodedata.category(ch)
        if categoria in ("Zl", "Zp"):
            saida.append("\n")
            continue
        if categoria in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        try:
            ch.encode("cp1252")
        except UnicodeEncodeError:
            if categoria.startswith("M"):  # a lone mark (an emoji's variation selector)
                continue
            base = unicodedata.normalize("NFKD", ch).encode("cp1252", "ignore").decode("cp1252")
            saida.append(base if base.strip() else SUBSTITUTO)
        else:
            saida.append(ch)
    return "".join(saida)


def carregavel(texto: str) -> bool:
    """Whether every character of ``texto`` is drawn as it is (Windows-1252)."""
    try:
        texto.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True
