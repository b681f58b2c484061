"""The DANFSe's QR code (drawn with zxing-cpp, a small image the PDF scales) is read
by a real decoder as the public consultation address of the note's access key."""

from __future__ import annotations

import io

import pytest
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


def test_the_qr_image_reads_back_with_its_border_of_light_modules() -> None:
    from nfse.visualizacao.danfse import QR_ESCALA, _qr_info, _qr_pixels

    dados = "https://www.nfse.gov.br/ConsultaPublica/?tpc=1&chave=" + "3" * 50
    imagem = _qr_pixels(dados, 1)
    assert [code.text for code in zxingcpp.read_barcodes(imagem.convert("L"))] == [dados]
    assert imagem.getpixel((0, 0)) and imagem.getpixel((QR_ESCALA - 1, QR_ESCALA - 1))
    assert not imagem.getpixel((QR_ESCALA, QR_ESCALA))  # the finder pattern's corner
    info = _qr_info(imagem)
    assert (info["w"], info["h"], info["bpc"]) == (imagem.width, imagem.height, 1)
