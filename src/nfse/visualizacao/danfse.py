"""The DANFSe: the PDF of an NFS-e Nacional, rendered from the authorized XML in the national
layout (NT 008/2026) by ``brazilfiscalreport``. The ADN's own DANFSe service was suspended,
so rendering locally is the standard's answer, not a fallback.

Notes of ABRASF 2.04 municipalities (a ``CompNfse``) and of São Paulo (an ``NFe`` of the NFS-e
Paulistana) have no national layout and are not understood by ``brazilfiscalreport``: they
are drawn by ``danfse_abrasf``, imported only when such a note comes."""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import zlib
from collections.abc import Callable
from functools import cache
from typing import Any

import brazilfiscalreport.danfse.danfse as biblioteca
import zxingcpp
from brazilfiscalreport.danfse import Danfse, DanfseConfig
from fpdf.image_datastructures import RasterImageInfo
from fpdf.image_parsing import get_img_info
from lxml import etree
from PIL import Image, ImageOps

from nfse.visualizacao.fonte import carregavel, imprimivel
from nfse.visualizacao.texto_rapido import TextoRapido
from nfse.xml import seguro

NS_ABRASF = "http://www.abrasf.org.br/nfse.xsd"
NS_PAULISTANA = "http://www.prefeitura.sp.gov.br/nfe"
RAIZES_PAULISTANA = frozenset({"NFe", "RetornoEnvioRPS"})
NS_AGILI = "http://www.agili.com.br/nfse_v_1.00.xsd"
NS_EQUIPLANO = "http://www.equiplano.com.br/esnfs"
NS_SIGISS = "urn:sigiss_ws"
"""What the Paulistana provider keeps as a São Paulo note's XML: the ``NFe`` ConsultaNFe
answers, or the emission's answer when that query failed."""
LOGO = "nfse_logo.png"
DPI = 300
"""Resolution of the NFS-e logo as embedded: print quality at its printed size."""


SITUACAO_CANCELADA = "NFS-e Cancelada"
"""The "situação" of a cancelled note: the authorized XML keeps the ``cStat`` of its
issue (100, "NFS-e Gerada"), which the library prints whatever the watermark says."""


class _DanfseNacional(TextoRapido, Danfse):
    """``brazilfiscalreport``'s DANFSe with its header logo embedded at ``DPI``, and the
    situação of a cancelled note saying so; its text through ``TextoRapido``.

    The library embeds the logo's 1920 x 389 RGBA original, printed 8 mm high, in every PDF:
    decoding and recompressing it was half of a DANFSe's rendering time (~24 of ~50 ms) and
    made each PDF, an e-mail attachment, 85 KB instead of 33. The logo, reduced and parsed
    into fpdf2's image record once per process, is what each document embeds instead
    (parsing it again, ~3 ms, was a fifth of a DANFSe)."""

    def _parse_xml(self) -> dict[str, Any]:
        data = super()._parse_xml()
        if self.watermark_cancelled:
            data["status"] = SITUACAO_CANCELADA
        return data

    def image(self, name: Any, *args: Any, **kwargs: Any) -> Any:
        height = kwargs.get("h")
        if isinstance(name, str) and os.path.basename(name) == LOGO and height:
            png = _reduzido(name, round(height / 25.4 * DPI))
            self._imagem_pronta(png)
            name = io.BytesIO(png)
        return super().image(name, *args, **kwargs)

    def _imagem_pronta(self, png: bytes) -> None:
        """Put the parsed ``png`` in this document's image cache, under the key fpdf2
        looks it up by (the MD5 of its bytes), as fpdf2 would have parsed it."""
        chave, info = _parsed(png, self.image_cache.image_filter)
        if chave not in self.image_cache.images and info.get("iccp") is None:
            self._guardar_imagem(chave, RasterImageInfo(info))  # fpdf2 numbers the copy

    def _guardar_imagem(self, chave: str, info: RasterImageInfo) -> None:
        """Put ``info``, an image already encoded, in this document's image cache under
        ``chave``, as fpdf2's ``image`` would after reading the image: the next ``image``
        call by that name draws it without reading anything."""
        imagens = self.image_cache.images
        info.update(i=len(imagens) + 1, usages=0, iccp_i=None)
        imagens[chave] = info


@cache
def _reduzido(path: str, height: int) -> bytes:
    """The image at ``path`` resized to ``height`` pixels high, as PNG."""
    with Image.open(path) as original:
        width = round(original.width * height / original.height)
        small = original.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


@cache
def _parsed(png: bytes, filtro: str) -> tuple[str, RasterImageInfo]:
    """fpdf2's image record of ``png`` and the key it caches it by."""
    chave = hashlib.md5(png.strip(), usedforsecurity=False).hexdigest()
    return chave, get_img_info(chave, io.BytesIO(png), filtro)


QR_ESCALA = 4
"""Pixels per QR module in the embedded image: the PDF scales it to its printed size."""


def _qr_pixels(dados: str, borda: int) -> Image.Image:
    """The QR code of ``dados`` (error correction L, as the library's) as a 1-bit image,
    ``QR_ESCALA`` pixels per module and ``borda`` light modules around. zxing-cpp encodes it
    (in C++, ~0.2 ms; segno, in Python, took ~1 ms, a seventh of a DANFSe, and chose a
    larger version for the key's digits)."""
    simbolo = zxingcpp.create_barcode(dados, zxingcpp.BarcodeFormat.QRCode, ec_level="L")
    pixels = memoryview(zxingcpp.write_barcode_to_image(simbolo, scale=QR_ESCALA,
                                                        add_quiet_zones=False))
    altura, largura = pixels.shape
    imagem = Image.frombuffer("L", (largura, altura), pixels.tobytes(), "raw", "L", 0, 1)
    return ImageOps.expand(imagem.convert("1", dither=Image.Dither.NONE),
                           border=borda * QR_ESCALA, fill=1)


def _qr_info(imagem: Image.Image) -> RasterImageInfo:
    """fpdf2's image record of a 1-bit image, its rows deflated as they are (fpdf2 would
    have read a PNG back through Pillow and re-encoded it for CCITT, as long again as
    drawing the code)."""
    return RasterImageInfo(
        data=zlib.compress(imagem.tobytes()), w=imagem.width, h=imagem.height,
        cs="DeviceGray", iccp=None, bpc=1, dpn=1, f="FlateDecode", inverted=False,
        dp=f"/Columns {imagem.width}")


def _qr_code(pdf: Any, dados: str, y_margin_ret: float, x_offset: float, y_offset: float,
             box_size: float = 10, border: int = 1, size: float | None = None) -> None:
    """``brazilfiscalreport``'s QR code for our DANFSe, put in the document's image cache
    already encoded (``_qr_info``).

    The library's (``qrcode``, a 741-pixel RGB image per PDF, the best of eight masks)
    took ~14 of a DANFSe's ~41 ms of CPU. The library looks it up in its module at each
    call, so it is replaced there, for our subclass only."""
    if not isinstance(pdf, _DanfseNacional):
        _QR_DA_BIBLIOTECA(pdf, dados, y_margin_ret, x_offset, y_offset, box_size=box_size,
                          border=border, size=size)
        return
    lado = box_size if size is None else size
    nome = "qr:" + hashlib.md5(dados.encode(), usedforsecurity=False).hexdigest()
    if nome not in pdf.image_cache.images:
        pdf._guardar_imagem(nome, _qr_info(_qr_pixels(dados, border)))
    pdf.image(nome, x=y_margin_ret + x_offset + 1, y=pdf.t_margin + y_offset + 1, w=lado,
              h=lado)


_QR_DA_BIBLIOTECA = biblioteca.draw_qr_code
biblioteca.draw_qr_code = _qr_code


LOGO_ALTURA_MM = 8
"""The logo's printed height in ``brazilfiscalreport``'s header."""


def preparar() -> None:
    """Reduce and parse the logo before the first DANFSe needs it."""
    path = os.path.join(os.path.dirname(os.path.abspath(biblioteca.__file__)), LOGO)
    _parsed(_reduzido(path, round(LOGO_ALTURA_MM / 25.4 * DPI)), "AUTO")


_LEITORES: dict[str, tuple[str, str]] = {
    "ipm": ("ipm_leitura", "ler_nfse"),
    "giap": ("giap_leitura", "ler_nota_fiscal"),
    "sigissweb": ("sigissweb_leitura", "ler_notafiscal"),
    "egoverneiss": ("egoverneiss_leitura", "ler_nota_fiscal"),
    "conam": ("conam_leitura", "ler_reg20"),
    "agili": ("agili_leitura", "ler_nfse"),
    "equiplano": ("equiplano_leitura", "ler_comp_nfse"),
    "sigiss": ("sigiss_leitura", "ler_descricao_rps"),
    "cta": ("cta_leitura", "ler_nfse_cta"),
}
"""The systems with a layout of their own: the module of ``nfse.visualizacao`` and the
function that reads their note (``xml``, ``cancelada``) into our page's fields. Imported on
first use: most installations never draw most of them."""


def render(xml: bytes, cancelada: bool = False, homologacao: bool = False,
           pedido: Callable[[], bytes | None] | None = None) -> bytes:
    """The PDF of the note: the national DANFSe for an NFS-e Nacional, our own page for an
    ABRASF ``CompNfse`` or a São Paulo ``NFe``. A note of homologação says it has no legal
    value: the national DANFSe reads it from the DPS's ``tpAmb``; ABRASF and São Paulo notes
    carry no environment, so the caller says (``homologacao``). ``pedido`` reads the
    emission's request, called only to complete a São Paulo note kept as the emission's
    answer alone.

    Text the fonts cannot draw is substituted (``fonte.imprimivel``): the national XML's
    texts before the library reads them, our own page as it draws them."""
    padrao = _padrao(xml)
    if padrao != "nacional":
        from nfse.visualizacao.danfse_abrasf import desenhar, render_abrasf

        if padrao == "abrasf":
            return render_abrasf(xml, cancelada=cancelada, homologacao=homologacao)
        leitor = _LEITORES.get(padrao)
        if leitor is not None:
            modulo, funcao = leitor
            ler = getattr(importlib.import_module(f"nfse.visualizacao.{modulo}"), funcao)
            return desenhar(ler(xml, cancelada), homologacao=homologacao)
        from nfse.visualizacao.paulistana_leitura import ler_nfe

        return desenhar(ler_nfe(xml, cancelada, pedido), homologacao=homologacao)
    return bytes(_nacional(xml, cancelada).output())


def _nacional(xml: bytes | str, cancelada: bool,
              classe: type[_DanfseNacional] = _DanfseNacional) -> _DanfseNacional:
    """The national DANFSe drawn, not yet written out."""
    config = DanfseConfig()
    config.watermark_cancelled = cancelada
    texto = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    return classe(xml=texto if carregavel(texto) else _imprimivel(texto), config=config)


def _imprimivel(xml: str) -> str:
    """The XML with every text and attribute value substituted as ``fonte.imprimivel`` says
    (a note stored before POST refused what the fonts cannot draw)."""
    root = seguro.ler(xml)
    for element in root.iter():
        if isinstance(element.tag, str):
            if element.text:
                element.text = imprimivel(element.text)
            for nome, valor in element.attrib.items():
                element.set(nome, imprimivel(valor))
        if element.tail:
            element.tail = imprimivel(element.tail)
    return etree.tostring(root, encoding="unicode")


def _padrao(xml: bytes | str) -> str:
    """``abrasf`` when the root is an ABRASF element (in the ABRASF namespace, or a
    ``CompNfse`` in another one: some municipal systems answer in their own),
    ``paulistana`` for a São Paulo ``NFe``, ``ipm`` for an IPM ``<nfse>``, ``giap`` for a
    Giap ``<notaFiscal>``, ``sigissweb`` for a SigISSWeb ``<notafiscal>``, ``conam`` for a
    Conam ``<Reg20>`` (all without namespace), ``egoverneiss`` for an eGoverneISS
    ``NotaFiscal_RTC``, ``sigiss`` for a SigISS ``DescricaoRps``, ``cta`` for a CTA
    ``NfseCta``, else ``nacional``. Only the root's start tag is read. Anything else,
    unreadable XML included, goes the NFS-e Nacional way, as before."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True)
    root = None
    try:
        for start in range(0, len(data), 4096):
            parser.feed(data[start:start + 4096])
            root = next((element for _, element in parser.read_events()), None)
            if root is not None:
                break
    except etree.XMLSyntaxError:
        return "nacional"
    if root is None or not isinstance(root.tag, str):
        return "nacional"
    name = etree.QName(root)
    if name.namespace == NS_ABRASF or name.localname == "CompNfse":
        return "abrasf"
    if name.localname in RAIZES_PAULISTANA and name.namespace in (None, NS_PAULISTANA):
        return "paulistana"
    if name.localname == "nfse" and name.namespace is None:  # IPM's own layout
        return "ipm"
    if name.localname == "notaFiscal" and name.namespace is None:  # Giap's own layout
        return "giap"
    if name.localname == "notafiscal" and name.namespace is None:  # SigISSWeb's own layout
        return "sigissweb"
    if name.localname == "NotaFiscal_RTC":  # eGoverneISS's DataContract note
        return "egoverneiss"
    if name.localname == "Reg20" and name.namespace is None:  # Conam's own layout
        return "conam"
    if name.localname == "Nfse" and name.namespace == NS_AGILI:  # Agili's own layout
        return "agili"
    if name.localname == "compNfse" and name.namespace == NS_EQUIPLANO:  # Equiplano's
        return "equiplano"
    if name.localname == "DescricaoRps" and name.namespace == NS_SIGISS:  # SigISS's own
        return "sigiss"
    if name.localname == "NfseCta" and name.namespace is None:  # CTA's note as kept
        return "cta"
    return "nacional"
