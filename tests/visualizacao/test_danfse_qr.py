"""The DANFSe's QR code (drawn with segno, a fixed mask, a small image the PDF scales) is read
by a real decoder as the public consultation address of the note's access key."""

from __future__ import annotations

import io

import pytest
import segno
import zxingcpp
from lxml import etree
from PIL import Image
from pypdf import PdfReader

from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.providers.base import Emissor, Rps
from nfse.providers.nacional.provider import NacionalProvider
from nfse.sandbox.nacional import NacionalSandbox
from nfse.visualizacao.danfse import render
from tests.support import CNPJ, nota_exemplo

NS = {"n": "http://www.sped.fazenda.gov.br/nfse"}


@pytest.fixture
def autorizada(sandbox: NacionalSandbox) -> bytes:
    a1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
    sandbox.trust(a1.cert)
    emissor = Emissor(a1=a1, ambiente="homologacao", base_url=sandbox.url,
                      ca_file=str(sandbox.ca_file), razao_social="EMPRESA TESTE LTDA",
                      regime_tributario=3)
    outcome = NacionalProvider().emit(parse_nfse(nota_exemplo()), Rps("1", 7), emissor)
    assert outcome.xml, outcome
    return outcome.xml


def _qr_texts(pdf: bytes) -> list[str]:
    found = []
    for image in PdfReader(io.BytesIO(pdf)).pages[0].images:
        picture = Image.open(io.BytesIO(image.data)).convert("L")
        if picture.width == picture.height:  # the QR code; the logo is wide
            found += [code.text for code in zxingcpp.read_barcodes(picture)]
    return found


@pytest.mark.parametrize("cancelada", [False, True])
def test_the_qr_code_reads_as_the_public_consultation_of_the_key(
        autorizada: bytes, cancelada: bool) -> None:
    chave = etree.fromstring(autorizada).find(".//n:infNFSe", NS).get("Id").removeprefix("NFS")
    assert len(chave) == 50
    assert _qr_texts(render(autorizada, cancelada=cancelada)) == [
        f"https://www.nfse.gov.br/ConsultaPublica/?tpc=1&chave={chave}"]


def test_the_qr_image_has_the_pixels_segnos_own_png_has() -> None:
    from nfse.visualizacao.danfse import QR_ESCALA, QR_MASCARA, _qr_png

    dados = "https://www.nfse.gov.br/ConsultaPublica/?tpc=1&chave=" + "3" * 50
    segnos = io.BytesIO()
    segno.make(dados, error="l", boost_error=False, mask=QR_MASCARA).save(
        segnos, kind="png", scale=QR_ESCALA, border=1)
    nosso, deles = Image.open(io.BytesIO(_qr_png(dados, 1))), Image.open(segnos)
    assert nosso.size == deles.size
    assert nosso.convert("L").tobytes() == deles.convert("L").tobytes()
