"""The PDF of a note issued by an ABRASF municipality (2.0x, or 1.0 rearranged by
``abrasf1_leitura``), rendered from its ``CompNfse``,
and of a São Paulo note (NFS-e Paulistana), rendered from its ``NFe``.

``brazilfiscalreport`` only reads NFS-e Nacional XML, and neither an ABRASF municipality nor
São Paulo has a national layout to follow, so this is our own one-page A4 representation with
what the note says: identification, prestador, tomador, intermediário, the service, the
values, and the cancellation/substitution status. What the page shows is read by
``abrasf_leitura`` or ``paulistana_leitura`` into one ``Conteudo``; this module only draws it
(``desenhar``).

The PDF uses fpdf2's core Helvetica, which draws Windows-1252 only; any other character is
substituted (``fonte.imprimivel``), so no text of the note can make rendering fail. The page
never grows: the discriminação and the additional information are fitted to the space left
(smaller type, then truncation with a notice).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from nfse.fuso import SAO_PAULO
from nfse.visualizacao.abrasf1_leitura import ler_nota
from nfse.visualizacao.abrasf_conteudo import AUSENTE, Cabecalho, Campo, Conteudo, Grade
from nfse.visualizacao.fonte import imprimivel

TITULO = "NFS-e — Nota Fiscal de Serviços Eletrônica"

# --- page geometry (mm) and type (pt) -----------------------------------------------------

MARGEM = 10.0
LARGURA = 190.0
FIM_UTIL = 287.0
"""Lowest y the content may reach (A4 is 297 mm high)."""
ESPACO = 2.0
"""Between blocks."""
TITULO_BLOCO_H = 4.6
ROTULO_PT = 6.0
ROTULO_H = 3.2
VALOR_PT = 8.5
FOLGA_CELULA = 0.9
"""Below the value of a cell."""
TEXTO_PT = (8.5, 8.0, 7.5, 7.0, 6.5, 6.0)
"""Sizes tried, largest first, to fit a free text in the space left."""
RODAPE_H = 6.0
TRUNCADO = "[...] texto truncado nesta representação; o conteúdo completo está no XML da NFS-e."

Cor = tuple[int, int, int]
_Faixa = tuple[str, Cor, Cor]
"""A status band: text, background, text colour."""

COR_BORDA = (130, 130, 130)
COR_ROTULO = (85, 85, 85)
COR_TITULO_BLOCO = (226, 231, 238)
COR_DESTAQUE = (243, 246, 250)
COR_CANCELADA = (176, 0, 32)
COR_SUBSTITUIDA = (255, 243, 205)
COR_MARCA = (205, 40, 40)
COR_HOMOLOGACAO = (60, 60, 60)
SEM_VALIDADE = "NFS-e SEM VALIDADE JURÍDICA: emitida em homologação (ambiente de testes)"


def render_abrasf(xml: bytes, cancelada: bool = False, homologacao: bool = False) -> bytes:
    """The PDF of the ``CompNfse`` in ``xml``. The note is shown as cancelled when
    ``cancelada`` (the gateway knows it) or when the XML carries its ``NfseCancelamento``;
    a note of homologação (``homologacao``) says it has no legal value."""
    return desenhar(ler_nota(xml, cancelada), homologacao)


def desenhar(nota: Conteudo, homologacao: bool = False) -> bytes:
    """The one-page PDF of ``nota``, whatever standard it was read from (ABRASF here, the
    NFS-e Paulistana in ``paulistana_leitura``)."""
    pagina = _Pagina()
    pagina.metadados(nota.numero, nota.prestador, nota.emissao)
    faixas: list[_Faixa] = []
    if homologacao:
        faixas.append((SEM_VALIDADE, COR_HOMOLOGACAO, (255, 255, 255)))
    if nota.cancelada is not None:
        faixas.append((nota.cancelada, COR_CANCELADA, (255, 255, 255)))
    if nota.substituida is not None:
        faixas.append((nota.substituida, COR_SUBSTITUIDA, (92, 68, 0)))
    pagina.compor(nota.cabecalho, faixas, nota.antes, nota.discriminacao, nota.depois,
                  nota.outras, rodape=nota.rodape)
    if nota.cancelada is not None:
        pagina.marca_dagua("CANCELADA")
    return pagina.pdf()


# --- the page -----------------------------------------------------------------------------


class _Pagina:
    """One A4 page, laid out top-down: every block is measured before anything is drawn, so
    the free texts can take exactly the space left."""

    def __init__(self) -> None:
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.core_fonts_encoding = "cp1252"
        pdf.set_margins(MARGEM, MARGEM, MARGEM)
        pdf.set_auto_page_break(False)
        pdf.c_margin = 1.0
        pdf.set_draw_color(*COR_BORDA)
        pdf.set_line_width(0.2)
        pdf.add_page()
        self.fpdf = pdf

    def pdf(self) -> bytes:
        return bytes(self.fpdf.output())

    def metadados(self, numero: str, prestador: str | None, emissao: datetime | None) -> None:
        self.fpdf.set_title(imprimivel(f"NFS-e nº {numero}"))
        if prestador:
            self.fpdf.set_author(imprimivel(prestador))
        self.fpdf.set_creator("nfse-gateway")
        self.fpdf.set_lang("pt-BR")
        # the emission date rather than now: the same note always renders the same bytes
        self.fpdf.set_creation_date(emissao or datetime(2000, 1, 1, tzinfo=SAO_PAULO))

    # --- composition ---

    def compor(self, cabecalho: Cabecalho,
               faixas: Sequence[_Faixa],
               antes: Sequence[Grade], discriminacao: str, depois: Sequence[Grade],
               outras: str | None, rodape: str) -> None:
        """Draw everything; the discriminação takes what the other blocks leave."""
        fixo = (self._altura_cabecalho(cabecalho) + ESPACO
                + sum(7.0 + ESPACO for _ in faixas)
                + sum(self._altura_grade(g) + ESPACO for g in (*antes, *depois))
                + TITULO_BLOCO_H + ESPACO + RODAPE_H)
        livre = FIM_UTIL - MARGEM - fixo
        texto_outras: tuple[float, list[str]] | None = None
        if outras:
            # at most a third of the free space, never more than it needs
            texto_outras = self._ajustar(outras, max(livre / 3 - TITULO_BLOCO_H, 8.0))
            livre -= TITULO_BLOCO_H + self._altura_texto(*texto_outras) + ESPACO
        texto_disc = self._ajustar(discriminacao, max(livre, 10.0))

        y = self._cabecalho(cabecalho, MARGEM) + ESPACO
        for texto, fundo, cor in faixas:
            y = self._faixa(texto, fundo, cor, y) + ESPACO
        for grade in antes:
            y = self._grade(grade, y) + ESPACO
        y = self._bloco_texto("Discriminação do serviço", texto_disc, y,
                              altura=max(livre, self._altura_texto(*texto_disc))) + ESPACO
        for grade in depois:
            y = self._grade(grade, y) + ESPACO
        if texto_outras:
            y = self._bloco_texto("Outras informações", texto_outras, y) + ESPACO
        self._rodape(rodape)

    def marca_dagua(self, texto: str) -> None:
        """Large diagonal text across the page, translucent so the note stays readable."""
        pdf = self.fpdf
        with pdf.local_context(fill_opacity=0.22, text_color=COR_MARCA):
            pdf.set_font("helvetica", "B", 96)
            largura = pdf.get_string_width(texto)
            centro_x, centro_y = pdf.w / 2, pdf.h / 2
            with pdf.rotation(angle=55, x=centro_x, y=centro_y):
                pdf.text(centro_x - largura / 2, centro_y + 12, texto)

    # --- measuring ---

    def _larguras(self, campos: Sequence[Campo], largura: float = LARGURA) -> list[float]:
        total = sum(c.peso for c in campos)
        return [largura * c.peso / total for c in campos]

    def _linhas(self, texto: str, largura: float, tamanho: float, estilo: str = "") -> list[str]:
        """``texto`` wrapped to ``largura`` at ``tamanho`` pt.

        fpdf2 returns the wrapped lines in its internal encoding (cp1252 bytes read as
        latin-1); they are decoded back so they can be drawn again."""
        pdf = self.fpdf
        pdf.set_font("helvetica", estilo, tamanho)
        linhas = pdf.multi_cell(largura, _entrelinha(tamanho), imprimivel(texto), dry_run=True,
                                output=MethodReturnValue.LINES)
        return [linha.encode("latin-1").decode("cp1252") for linha in linhas] or [""]

    def _altura_linha(self, campos: Sequence[Campo]) -> float:
        alturas = [
            len(self._linhas(c.valor, w, _tamanho_valor(c), "B" if c.destaque else ""))
            * _entrelinha(_tamanho_valor(c))
            for c, w in zip(campos, self._larguras(campos), strict=True)
        ]
        return ROTULO_H + max(alturas) + FOLGA_CELULA

    def _altura_grade(self, grade: Grade) -> float:
        return TITULO_BLOCO_H + sum(self._altura_linha(linha) for linha in grade.linhas)

    def _altura_cabecalho(self, cabecalho: Cabecalho) -> float:
        return 20.0 + self._altura_linha(cabecalho.campos)

    @staticmethod
    def _altura_texto(tamanho: float, linhas: list[str]) -> float:
        return len(linhas) * _entrelinha(tamanho) + 2 * FOLGA_CELULA

    def _ajustar(self, texto: str, altura: float) -> tuple[float, list[str]]:
        """The largest size at which ``texto`` fits ``altura``; at the smallest, the lines
        that fit and a notice that the rest is in the XML."""
        largura = LARGURA
        for tamanho in TEXTO_PT:
            linhas = self._linhas(texto, largura, tamanho)
            if self._altura_texto(tamanho, linhas) <= altura:
                return tamanho, linhas
        tamanho = TEXTO_PT[-1]
        cabem = max(int((altura - 2 * FOLGA_CELULA) / _entrelinha(tamanho)), 2)
        aviso = self._linhas(TRUNCADO, largura, tamanho)
        return tamanho, linhas[:max(cabem - len(aviso), 0)] + aviso

    # --- drawing ---

    def _cabecalho(self, cabecalho: Cabecalho, y: float) -> float:
        pdf = self.fpdf
        altura_topo = 20.0
        largura_numero = 42.0
        pdf.rect(MARGEM, y, LARGURA, altura_topo)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("helvetica", "B", 14)
        pdf.set_xy(MARGEM + 1, y + 2.5)
        pdf.cell(LARGURA - largura_numero - 2, 7, imprimivel(TITULO))
        pdf.set_font("helvetica", "", 10)
        pdf.set_xy(MARGEM + 1, y + 10.5)
        prefeitura = "Prefeitura Municipal"
        if cabecalho.municipio != AUSENTE:
            prefeitura += f" de {cabecalho.municipio}"
        pdf.cell(LARGURA - largura_numero - 2, 6, imprimivel(prefeitura))
        x_numero = MARGEM + LARGURA - largura_numero
        pdf.line(x_numero, y, x_numero, y + altura_topo)
        self._rotulo("Número da NFS-e", x_numero, y, largura_numero)
        pdf.set_font("helvetica", "B", 17)
        pdf.set_xy(x_numero, y + 6)
        pdf.cell(largura_numero, 10, imprimivel(cabecalho.numero), align="C")
        return self._linha_campos(cabecalho.campos, y + altura_topo)

    def _faixa(self, texto: str, fundo: Cor, cor: Cor, y: float) -> float:
        pdf = self.fpdf
        pdf.set_fill_color(*fundo)
        pdf.set_text_color(*cor)
        pdf.set_font("helvetica", "B", 10)
        pdf.set_xy(MARGEM, y)
        pdf.cell(LARGURA, 7, imprimivel(texto), border=1, align="C", fill=True)
        pdf.set_text_color(0, 0, 0)
        return y + 7

    def _titulo_bloco(self, titulo: str, y: float) -> float:
        pdf = self.fpdf
        pdf.set_fill_color(*COR_TITULO_BLOCO)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("helvetica", "B", 7.5)
        pdf.set_xy(MARGEM, y)
        pdf.cell(LARGURA, TITULO_BLOCO_H, imprimivel(titulo.upper()), border=1, fill=True)
        return y + TITULO_BLOCO_H

    def _grade(self, grade: Grade, y: float) -> float:
        y = self._titulo_bloco(grade.titulo, y)
        for linha in grade.linhas:
            y = self._linha_campos(linha, y)
        return y

    def _linha_campos(self, campos: Sequence[Campo], y: float) -> float:
        pdf = self.fpdf
        altura = self._altura_linha(campos)
        x = MARGEM
        for campo, largura in zip(campos, self._larguras(campos), strict=True):
            if campo.destaque:
                pdf.set_fill_color(*COR_DESTAQUE)
                pdf.rect(x, y, largura, altura, style="DF")
            else:
                pdf.rect(x, y, largura, altura)
            self._rotulo(campo.rotulo, x, y, largura)
            tamanho = _tamanho_valor(campo)
            estilo = "B" if campo.destaque else ""
            pdf.set_text_color(0, 0, 0)
            pdf.set_xy(x, y + ROTULO_H)
            for linha in self._linhas(campo.valor, largura, tamanho, estilo):
                pdf.set_font("helvetica", estilo, tamanho)
                pdf.set_x(x)
                pdf.cell(largura, _entrelinha(tamanho), linha, align=campo.alinhamento,
                         new_x="LEFT", new_y="NEXT")
            x += largura
        return y + altura

    def _rotulo(self, rotulo: str, x: float, y: float, largura: float) -> None:
        pdf = self.fpdf
        pdf.set_font("helvetica", "", ROTULO_PT)
        pdf.set_text_color(*COR_ROTULO)
        pdf.set_xy(x, y + 0.4)
        pdf.cell(largura, ROTULO_H - 0.4, imprimivel(rotulo))
        pdf.set_text_color(0, 0, 0)

    def _bloco_texto(self, titulo: str, texto: tuple[float, list[str]], y: float,
                     altura: float | None = None) -> float:
        pdf = self.fpdf
        tamanho, linhas = texto
        y = self._titulo_bloco(titulo, y)
        altura = altura if altura is not None else self._altura_texto(tamanho, linhas)
        pdf.rect(MARGEM, y, LARGURA, altura)
        pdf.set_font("helvetica", "", tamanho)
        pdf.set_text_color(0, 0, 0)
        pdf.set_xy(MARGEM, y + FOLGA_CELULA)
        for linha in linhas:
            pdf.set_x(MARGEM)
            pdf.cell(LARGURA, _entrelinha(tamanho), linha, new_x="LEFT", new_y="NEXT")
        return y + altura

    def _rodape(self, texto: str) -> None:
        pdf = self.fpdf
        pdf.set_font("helvetica", "", 6.5)
        pdf.set_text_color(*COR_ROTULO)
        pdf.set_xy(MARGEM, FIM_UTIL - RODAPE_H + 1)
        pdf.multi_cell(LARGURA, 2.8, imprimivel(texto), align="C")
        pdf.set_text_color(0, 0, 0)


def _entrelinha(tamanho: float) -> float:
    """Line height in mm for a size in pt (1.25 × the size)."""
    return tamanho * 0.3528 * 1.25


def _tamanho_valor(campo: Campo) -> float:
    return VALOR_PT + 0.5 if campo.destaque else VALOR_PT
