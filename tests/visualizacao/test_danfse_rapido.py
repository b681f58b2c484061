"""The DANFSe's text drawn and its lines broken through ``visualizacao.texto_rapido``, and its
logo parsed once per process: the PDF is the one fpdf2's own path writes, byte for byte, for
notes whose texts are cut short, wrapped, escaped, accented, cancelled or not, in either
environment; and lines break where fpdf2 breaks them, over many texts and widths."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from fpdf import FPDF
from fpdf.enums import Align
from fpdf.errors import FPDFException
from fpdf.line_break import MultiLineBreak

from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.providers.base import Emissor, Rps
from nfse.providers.nacional.provider import NacionalProvider
from nfse.sandbox.nacional import NacionalSandbox
from nfse.visualizacao import danfse, texto_rapido
from tests.support import CNPJ, nota_exemplo

CRIADO = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class _PeloFpdf(danfse._DanfseNacional):
    """The same DANFSe through fpdf2's own text path, parsing its logo as fpdf2 does."""

    cell = FPDF.cell
    get_string_width = FPDF.get_string_width
    multi_cell = FPDF.multi_cell

    def _imagem_pronta(self, png: bytes) -> None:
        pass


def _pdf(xml: bytes, cancelada: bool, classe: type[danfse._DanfseNacional]) -> bytes:
    documento = danfse._nacional(xml, cancelada, classe)
    documento.set_creation_date(CRIADO)  # the only thing that differs between two renders
    return bytes(documento.output())


LONGA = ("Serviços (consultoria) de TI \\ suporte — “mensal”: " + "manutenção de sistemas "
         * 12).strip()


def _emitir(sandbox: NacionalSandbox, nota: dict) -> bytes:
    a1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
    sandbox.trust(a1.cert)
    emissor = Emissor(a1=a1, ambiente="homologacao", base_url=sandbox.url,
                      ca_file=str(sandbox.ca_file), razao_social="EMPRESA TESTE LTDA",
                      regime_tributario=3)
    outcome = NacionalProvider().emit(parse_nfse(nota), Rps("1", 9), emissor)
    assert outcome.xml, outcome
    return outcome.xml


@pytest.mark.parametrize("ambiente", ["homologacao", "producao"])
@pytest.mark.parametrize("longa", [False, True])
def test_the_pdf_is_the_one_fpdf2_writes_byte_for_byte(
        sandbox: NacionalSandbox, monkeypatch: pytest.MonkeyPatch, ambiente: str,
        longa: bool) -> None:
    nota = nota_exemplo()
    if longa:
        nota["tomador"]["razao_social"] = ("Companhia (Brasileira) de Tecnologia da "
                                          "Informação e Serviços Técnicos Especializados LTDA")
        nota["tomador"]["endereco"]["logradouro"] = "Avenida " + "Presidente " * 8 + "Vargas"
        nota["servico"]["discriminacao"] = LONGA
    xml = _emitir(sandbox, nota)
    if ambiente == "producao":  # the sandbox is homologação; the DANFSe reads tpAmb only
        xml = xml.replace(b"<tpAmb>2</tpAmb>", b"<tpAmb>1</tpAmb>")
    escritas = []
    original = texto_rapido.TextoRapido._escrever
    monkeypatch.setattr(texto_rapido.TextoRapido, "_escrever",
                        lambda self, *args: escritas.append(args) or original(self, *args))
    for cancelada in (False, True):
        escritas.clear()
        rapido = _pdf(xml, cancelada, danfse._DanfseNacional)
        assert len(escritas) > 100  # the short way drew the cells
        assert rapido == _pdf(xml, cancelada, _PeloFpdf)


def _linhas(classe: type, fragments: list, largura: float, align: Align) -> list:
    quebra = classe(fragments, largura, [1.0, 1.0], align=align)
    linhas = []
    try:
        while (linha := quebra.get_line()) is not None:
            linhas.append((
                [list(f.characters) for f in linha.fragments], linha.text_width,
                linha.number_of_spaces, linha.align, linha.height, linha.max_width,
                linha.trailing_nl, linha.trailing_form_feed, linha.indent))
    except FPDFException as erro:
        linhas.append(str(erro))
    return linhas


def test_lines_are_broken_where_fpdf2_breaks_them() -> None:
    sorteio = random.Random(25)
    palavras = ["a", "NFS-e", "serviços", "de", "manutenção", "(mensal)", "R$", "1.234,56",
                "X" * 40, "W" * 90, "", "\n", "ção"]
    pdf = FPDF()
    pdf.core_fonts_encoding = "cp1252"
    pdf.add_page()
    pdf.set_font("helvetica", "", 7)
    token = texto_rapido._NOSSO.set(True)
    try:
        for _ in range(400):
            texto = " ".join(sorteio.choice(palavras) for _ in range(sorteio.randint(0, 40)))
            if sorteio.random() < 0.2:
                texto = "  " + texto.replace(" ", "  ", 3)
            largura = sorteio.choice([3.0, 8.0, 20.0, 47.0, 120.0, 186.4])
            align = sorteio.choice([Align.L, Align.C, Align.J])
            fragments = pdf._preload_font_styles(pdf.normalize_text(texto), False)
            rapida = texto_rapido._Quebra(fragments, largura, [1.0, 1.0], align=align)
            assert rapida._simples or not fragments  # the short way was taken
            assert (_linhas(texto_rapido._Quebra, fragments, largura, align)
                    == _linhas(MultiLineBreak, fragments, largura, align)), (texto, largura)
    finally:
        texto_rapido._NOSSO.reset(token)
