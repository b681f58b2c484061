"""A shorter way through fpdf2 for the text a DANFSe is made of: one line in a core font
(Helvetica), no border, fill, link, markdown or text effects.

``brazilfiscalreport`` draws a DANFSe as ~160 such cells and measures ~150 strings
(``long_field`` shortens what does not fit). fpdf2 takes each through its general path
(graphics-state copies, fragments, bidirectional and markdown parsing, line breaking): ~0.1
ms a cell, most of a DANFSe's CPU. ``TextoRapido.cell`` and ``get_string_width`` write the
same content-stream operators, measure with the same floating-point operations and move the
cursor the same way for the simple case, and leave every other call to fpdf2: the PDF is
the same byte for byte (``tests/documents/test_danfse_rapido.py`` renders both ways).
"""

from __future__ import annotations

from typing import Any

from fpdf import FPDF
from fpdf.enums import Align, CharVPos, TextMode, XPos, YPos
from fpdf.util import escape_parens

_ALINHAMENTOS = {"L": Align.L, "": Align.L, "C": Align.C, "R": Align.R,
                 Align.L: Align.L, Align.C: Align.C, Align.R: Align.R}


class TextoRapido(FPDF):
    """Mixin for an ``FPDF`` subclass; see the module's docstring."""

    def _texto_simples(self) -> bool:
        """Whether the text state is one this module writes exactly as fpdf2 does."""
        return (self.page > 0 and self.current_font is not None and not self.is_ttf_font
                and bool(self.core_fonts_encoding) and not self.text_shaping
                and not self._fallback_font_ids and not self.underline
                and not self.strikethrough and self.char_spacing == 0
                and self.font_stretching == 100 and self.text_mode == TextMode.FILL
                and self.char_vpos == CharVPos.LINE and not self._record_text_quad_points)

    def _largura(self, texto: str) -> float:
        """Width of ``texto`` (already normalised) as fpdf2's ``Fragment.get_width``."""
        largura = sum(self.current_font.cw[c] for c in texto) * self.font_size_pt * 0.001
        return largura / self.k

    def _tem_alias(self, texto: str) -> bool:
        return bool(self.str_alias_nb_pages) and self.str_alias_nb_pages in texto

    def get_string_width(self, s: str, normalized: bool = False,
                         markdown: bool = False) -> float:
        if markdown or not self._texto_simples():
            return super().get_string_width(s, normalized, markdown)
        texto = s if normalized else self.normalize_text(s)
        if self._tem_alias(texto):
            return super().get_string_width(texto, True, markdown)
        return self._largura(texto) if texto else 0

    def cell(self, w: float | None = None, h: float | None = None, text: str = "",
             border: Any = 0, ln: Any = "DEPRECATED", align: Any = Align.L,
             fill: bool = False, link: Any = "", center: bool = False,
             markdown: bool = False, new_x: Any = XPos.RIGHT, new_y: Any = YPos.TOP,
             **outros: Any) -> bool:
        alinhamento = _ALINHAMENTOS.get(align)
        if (outros or border or fill or link or center or markdown or ln != "DEPRECATED"
                or alinhamento is None or XPos.coerce(new_x) != XPos.RIGHT
                or YPos.coerce(new_y) != YPos.TOP or not self._texto_simples()):
            return super().cell(w=w, h=h, text=text, border=border, ln=ln, align=align,
                                fill=fill, link=link, center=center, markdown=markdown,
                                new_x=new_x, new_y=new_y, **outros)
        texto = self.normalize_text(text)
        altura = self.font_size if h is None else h
        if (self._tem_alias(texto) or (w is None and not texto)
                or self.will_page_break(altura)):
            return super().cell(w=w, h=h, text=text, align=align)
        largura_texto = self._largura(texto) if texto else 0
        if w is None:
            w = largura_texto + 2 * self.c_margin
        elif w == 0:
            w = self.w - self.r_margin - self.x
        if texto:
            self._escrever(texto, w, altura, alinhamento, largura_texto)
        self._lasth = altura or self.font_size
        self.x += w
        return False

    def _escrever(self, texto: str, w: float, h: float, alinhamento: Align,
                  largura: float) -> None:
        """The operators of ``_render_styled_text_line`` for one fragment: position, the
        text colour when it is not the fill colour (then inside q/Q), the text."""
        k = self.k
        if alinhamento == Align.R:
            dx = w - self.c_margin - largura
        elif alinhamento == Align.C:
            dx = (w - largura) / 2
        else:
            dx = self.c_margin
        partes = [f"BT {(self.x + dx) * k:.2f} "
                  f"{(self.h - self.y - 0.5 * h - 0.3 * self.font_size) * k:.2f} Td"]
        cor = self.text_color
        outra_cor = cor != self.fill_color
        if outra_cor:
            partes.append(cor.serialize().lower())
        if not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))
        partes.append(f"({escape_parens(texto)}) Tj")
        partes.append("ET")
        linha = " ".join(partes)
        self._out(f"q {linha} Q" if outra_cor else linha)
