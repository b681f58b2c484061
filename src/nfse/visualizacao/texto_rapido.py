"""A shorter way through fpdf2 for the text a DANFSe is made of: one line in a core font
(Helvetica), no border, fill, link, markdown or text effects; and lines broken without
measuring the line again at each character.

``brazilfiscalreport`` draws a DANFSe as ~160 such cells and measures ~150 strings
(``long_field`` shortens what does not fit). fpdf2 takes each through its general path
(graphics-state copies, fragments, bidirectional and markdown parsing, line breaking): ~0.1
ms a cell, most of a DANFSe's CPU. ``TextoRapido.cell`` and ``get_string_width`` write the
same content-stream operators, measure with the same floating-point operations and move the
cursor the same way for the simple case, and leave every other call to fpdf2: the PDF is
the same byte for byte (``tests/visualizacao/test_danfse_rapido.py`` renders both ways).

``multi_cell`` breaks its text with fpdf2's ``MultiLineBreak``, which measures the whole
line again at every character (~1 ms for a 140-character paragraph). ``_Quebra`` finds the
same lines keeping the line's width as a running sum of the font's integer glyph widths (the
same number fpdf2 computes), for one plain fragment in a core font, and only inside a
``TextoRapido.multi_cell``; any other text goes fpdf2's way. fpdf2 looks the class up in its
module at each call, so it is replaced there (``tests/visualizacao/test_danfse_rapido.py``
compares both on many texts and widths).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import fpdf.fpdf as fpdf_modulo
from fpdf import FPDF
from fpdf.enums import Align, CharVPos, TextMode, WrapMode, XPos, YPos
from fpdf.errors import FPDFException
from fpdf.line_break import (
    BREAKING_SPACE_SYMBOLS_STR,
    FORM_FEED,
    NBSP,
    NEWLINE,
    SOFT_HYPHEN,
    CurrentLine,
    Fragment,
    MultiLineBreak,
    TextLine,
)
from fpdf.util import FloatTolerance, escape_parens

_NOSSO: ContextVar[bool] = ContextVar("texto_rapido", default=False)
"""Set while a ``TextoRapido`` document breaks lines: ``_Quebra`` is ours only then."""

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
        largura = sum(map(self.current_font.cw.__getitem__, texto)) * self.font_size_pt * 0.001
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
        precisa = texto and (w is None or alinhamento != Align.L)  # else unused
        largura_texto = self._largura(texto) if precisa else 0
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

    def multi_cell(self, *args: Any, **kwargs: Any) -> Any:
        token = _NOSSO.set(self._texto_simples())
        try:
            return super().multi_cell(*args, **kwargs)
        finally:
            _NOSSO.reset(token)


_SEM_ATALHO = frozenset(SOFT_HYPHEN + NBSP + FORM_FEED)
"""Characters whose breaking rules ``_Quebra`` leaves to fpdf2."""


class _Quebra(MultiLineBreak):
    """``MultiLineBreak`` for one plain fragment in a core font (see the module's
    docstring): the same ``TextLine``s, the same state between calls, the same error."""

    def __init__(self, fragments: Any, max_width: Any, margins: Any, *args: Any,
                 **kwargs: Any) -> None:
        super().__init__(fragments, max_width, margins, *args, **kwargs)
        frag = fragments[0] if len(fragments) == 1 else None
        self._simples = (
            _NOSSO.get() and type(frag) is Fragment and not callable(max_width)
            and not frag.is_ttf_font and frag.char_spacing == 0
            and frag.font_stretching == 100 and frag.link is None
            and self.wrapmode == WrapMode.WORD and not self.print_sh
            and not self.skip_leading_spaces and self.first_line_indent == 0
            and _SEM_ATALHO.isdisjoint(frag.characters))

    def get_line(self) -> TextLine | None:
        if not self._simples:
            return super().get_line()
        forced = self.idx_last_forced_break
        self.idx_last_forced_break = None
        if self.fragment_index == len(self.fragments):
            return None
        frag = self.fragments[0]
        chars = frag.characters
        cw = frag.font.cw
        escala = frag.font_size_pt * 0.001
        k = frag.k
        altura_fonte = frag.font_size
        linha = CurrentLine(max_width=self.get_width(altura_fonte), print_sh=False, indent=0)
        max_width = self.get_width(altura_fonte)
        for margin in self.margins:
            max_width -= float(margin)
        inicio = self.character_index
        soma = 0
        espacos = 0
        dica: tuple[int, int] | None = None
        """(index of the last space, spaces before it)."""
        altura: float = 0
        i = inicio
        while i < len(chars):
            c = chars[i]
            largura_c = (cw[c] * escala) / k
            if c == NEWLINE:
                self.character_index = i + 1
                self._is_first_line = False
                self._linha(linha, frag, chars[inicio:i], espacos, max(altura, altura_fonte
                                                                       * self.line_height))
                return linha.manual_break(Align.L if self.align == Align.J else self.align,
                                          trailing_nl=True)
            largura = (soma * escala) / k if i > inicio else 0
            if FloatTolerance.greater_than(largura + largura_c, max_width):
                self._is_first_line = False
                if c in BREAKING_SPACE_SYMBOLS_STR:
                    self.character_index = i + 1
                    self._linha(linha, frag, chars[inicio:i], espacos, altura)
                    return linha.manual_break(self.align)
                if dica is not None:  # fpdf2 trims the line's fragment, even to nothing
                    self.character_index = dica[0] + 1
                    self._linha(linha, frag, chars[inicio:dica[0]], dica[1], altura,
                                fragmento=True)
                    return linha.manual_break(self.align)
                if forced == (0, i):
                    raise FPDFException(
                        "Not enough horizontal space to render a single character")
                self.idx_last_forced_break = (0, i)
                self.character_index = i
                self._linha(linha, frag, chars[inicio:i], espacos, altura)
                return linha.manual_break(Align.L if self.align == Align.J else self.align)
            altura = altura_fonte * self.line_height
            if c in BREAKING_SPACE_SYMBOLS_STR:
                dica = (i, espacos)
                espacos += 1
            soma += cw[c]
            i += 1
        self.character_index = 0
        self.fragment_index += 1
        self._linha(linha, frag, chars[inicio:], espacos, altura)
        if linha.width:
            self._is_first_line = False
            return linha.manual_break(Align.L if self.align == Align.J else self.align)
        return None

    @staticmethod
    def _linha(linha: CurrentLine, frag: Fragment, chars: list[str], espacos: int,
               altura: float, fragmento: bool = False) -> None:
        """``linha`` as fpdf2's character-by-character filling leaves it."""
        linha.fragments = [frag.clone(characters=chars)] if chars or fragmento else []
        linha.number_of_spaces = espacos
        linha.height = altura


fpdf_modulo.MultiLineBreak = _Quebra
