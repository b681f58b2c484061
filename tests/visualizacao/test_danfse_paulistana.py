"""The PDF of a São Paulo note (NFS-e Paulistana), drawn from its ``NFe`` as ConsultaNFe
answers it (or, when that query failed, from the ``RetornoEnvioRPS`` of the emission and the
RPS the request carried)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import pytest
from lxml import etree
from pypdf import PdfReader

from nfse.providers.paulistana.pedidos import xsd_dir
from nfse.providers.paulistana.soap import envelope
from nfse.visualizacao.danfse import render
from nfse.xml.validate import validate

NS = "http://www.prefeitura.sp.gov.br/nfe"
DISCRIMINACAO = "Desenvolvimento de software sob encomenda — junho/2026\n• Sprint 12"
INTERMEDIARIO = ("<CPFCNPJIntermediario><CPF>12345678909</CPF></CPFCNPJIntermediario>"
                 "<ISSRetidoIntermediario>true</ISSRetidoIntermediario>")


RETORNO = (f'<p1:RetornoEnvioRPS xmlns:p1="{NS}"><Cabecalho Versao="1">'
           "<Sucesso>true</Sucesso></Cabecalho><ChaveNFeRPS><ChaveNFe>"
           "<InscricaoPrestador>31000000</InscricaoPrestador><NumeroNFe>4071</NumeroNFe>"
           "<CodigoVerificacao>K9XQ2W7B</CodigoVerificacao></ChaveNFe><ChaveRPS>"
           "<InscricaoPrestador>31000000</InscricaoPrestador><SerieRPS>OL03</SerieRPS>"
           "<NumeroRPS>77</NumeroRPS></ChaveRPS></ChaveNFeRPS></p1:RetornoEnvioRPS>")
"""What the emission answers: the keys of the note and of its RPS."""


def nfe(*, discriminacao: str = DISCRIMINACAO, cancelada: bool = False,
        intermediario: bool = False, tomador: bool = True) -> str:
    """A note of São Paulo: R$ 20.500,00 of service 02658 with R$ 5.000,00 of deductions,
    ISS at 5 % (R$ 775,00)."""
    return (
        "<NFe><ChaveNFe><InscricaoPrestador>31000000</InscricaoPrestador>"
        "<NumeroNFe>4071</NumeroNFe><CodigoVerificacao>K9XQ2W7B</CodigoVerificacao></ChaveNFe>"
        "<DataEmissaoNFe>2026-06-30T14:05:00</DataEmissaoNFe>"
        "<ChaveRPS><InscricaoPrestador>31000000</InscricaoPrestador><SerieRPS>OL03</SerieRPS>"
        "<NumeroRPS>77</NumeroRPS></ChaveRPS><TipoRPS>RPS</TipoRPS>"
        "<DataEmissaoRPS>2026-06-30</DataEmissaoRPS>"
        "<CPFCNPJPrestador><CNPJ>11222333000181</CNPJ></CPFCNPJPrestador>"
        "<RazaoSocialPrestador>Oficina Paulistana de Software Ltda</RazaoSocialPrestador>"
        "<EnderecoPrestador><TipoLogradouro>Av</TipoLogradouro>"
        "<Logradouro>Paulista</Logradouro><NumeroEndereco>1000</NumeroEndereco>"
        "<Bairro>Bela Vista</Bairro><Cidade>3550308</Cidade><UF>SP</UF><CEP>1310100</CEP>"
        "</EnderecoPrestador><EmailPrestador>nf@oficina.example</EmailPrestador>"
        f"<StatusNFe>{'C' if cancelada else 'N'}</StatusNFe>"
        + ("<DataCancelamento>2026-07-01T09:30:00</DataCancelamento>" if cancelada else "")
        + "<TributacaoNFe>T</TributacaoNFe><OpcaoSimples>0</OpcaoSimples>"
        "<ValorServicos>20500</ValorServicos><ValorDeducoes>5000</ValorDeducoes>"
        "<ValorIR>307.5</ValorIR><CodigoServico>2658</CodigoServico>"
        "<AliquotaServicos>0.05</AliquotaServicos><ValorISS>775</ValorISS>"
        "<ValorCredito>0</ValorCredito><ISSRetido>false</ISSRetido>"
        + ("<CPFCNPJTomador><CNPJ>07504505000132</CNPJ></CPFCNPJTomador>"
           "<RazaoSocialTomador>Padaria Pão de Açúcar &amp; Cia Ltda</RazaoSocialTomador>"
           "<EmailTomador>financeiro@padaria.example</EmailTomador>" if tomador else "")
        + (INTERMEDIARIO if intermediario else "")
        + f"<Discriminacao>{escape(discriminacao)}</Discriminacao>"
        "<ValorCargaTributaria>2870</ValorCargaTributaria>"
        "<PercentualCargaTributaria>0.14</PercentualCargaTributaria>"
        "<FonteCargaTributaria>IBPT</FonteCargaTributaria></NFe>")


def texto(xml: str, **kwargs: bool) -> str:
    reader = PdfReader(io.BytesIO(render(xml.encode(), **kwargs)))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


@pytest.mark.parametrize("kwargs", [{}, {"cancelada": True, "intermediario": True},
                                    {"tomador": False}])
def test_the_test_documents_are_valid_paulistana(kwargs: dict) -> None:
    pasta = xsd_dir()
    assert pasta is not None, "nfselib-legacy (dev extra) ships the São Paulo schemas"
    retorno = etree.fromstring(
        f'<p1:RetornoConsulta xmlns:p1="{NS}"><Cabecalho Versao="1"><Sucesso>true</Sucesso>'
        f"</Cabecalho>{nfe(**kwargs)}</p1:RetornoConsulta>")
    assert validate(retorno, pasta / "RetornoConsulta_v01.xsd") == []


def test_shows_what_the_note_carries() -> None:
    page = texto(nfe(intermediario=True))
    for esperado in ("Prefeitura Municipal de São Paulo/SP", "4071", "K9XQ2W7B",
                     "30/06/2026 14:05", "77 / OL03", "31000000", "11.222.333/0001-81",
                     "Oficina Paulistana de Software Ltda", "Av Paulista, 1000, Bela Vista",
                     "01310-100", "07.504.505/0001-32", "Padaria Pão de Açúcar & Cia Ltda",
                     "123.456.789-09", "2658", "T - Tributado em São Paulo",
                     "Desenvolvimento de software sob encomenda — junho/2026", "• Sprint 12",
                     "R$ 20.500,00", "R$ 5.000,00", "R$ 15.500,00", "5,00%", "R$ 775,00",
                     "R$ 307,50", "R$ 2.870,00 (14,00%) - IBPT", "NFS-e Paulistana"):
        assert esperado in page, esperado
    assert "CANCELADA" not in page and "SEM VALIDADE" not in page


def test_a_note_without_tomador_says_so() -> None:
    assert "Tomador não identificado" in texto(nfe(tomador=False))


@pytest.mark.parametrize(("kwargs", "xml"), [({"cancelada": True}, nfe()),
                                             ({}, nfe(cancelada=True))])
def test_a_cancelled_note_is_marked(kwargs: dict, xml: str) -> None:
    page = texto(xml, **kwargs)
    assert "NFS-e CANCELADA" in page and "sem validade fiscal" in page
    assert "K9XQ2W7B" in page


def test_homologacao_says_it_has_no_legal_value() -> None:
    assert "SEM VALIDADE JURÍDICA" in texto(nfe(), homologacao=True)


def test_the_emission_answer_alone_still_gives_the_note_its_pdf() -> None:
    page = " ".join(texto(RETORNO, homologacao=True).split())
    for esperado in ("4071", "K9XQ2W7B", "77 / OL03", "31000000", "SEM VALIDADE JURÍDICA",
                     "consulta da nota no sistema da Prefeitura"):
        assert esperado in page, esperado


def test_text_the_fonts_cannot_draw_is_substituted() -> None:
    page = texto(nfe(discriminacao="\ufeffConsultoria 😀 \u202efim 咨询"))
    assert "Consultoria ? fim ??" in page


def pedido_envio(numero_rps: str = "77") -> bytes:
    """The SOAP request of an EnvioRPS of RPS OL03/``numero_rps``, as the worker keeps it."""
    mensagem = (
        f'<PedidoEnvioRPS xmlns="{NS}"><Cabecalho xmlns="" Versao="1"><CPFCNPJRemetente>'
        '<CNPJ>11222333000181</CNPJ></CPFCNPJRemetente></Cabecalho><RPS xmlns="">'
        "<Assinatura>AAAA</Assinatura><ChaveRPS><InscricaoPrestador>31000000"
        "</InscricaoPrestador><SerieRPS>OL03</SerieRPS>"
        f"<NumeroRPS>{numero_rps}</NumeroRPS></ChaveRPS><TipoRPS>RPS</TipoRPS>"
        "<DataEmissao>2026-06-30</DataEmissao><StatusRPS>N</StatusRPS>"
        "<TributacaoRPS>T</TributacaoRPS><ValorServicos>20500</ValorServicos>"
        "<ValorDeducoes>5000</ValorDeducoes><CodigoServico>2658</CodigoServico>"
        "<AliquotaServicos>0.05</AliquotaServicos><ISSRetido>false</ISSRetido>"
        "<CPFCNPJTomador><CNPJ>07504505000132</CNPJ></CPFCNPJTomador>"
        "<RazaoSocialTomador>Padaria Pão de Açúcar &amp; Cia Ltda</RazaoSocialTomador>"
        f"<Discriminacao>{escape(DISCRIMINACAO)}</Discriminacao></RPS></PedidoEnvioRPS>")
    return envelope("EnvioRPS", 1, mensagem.encode())[0]


def test_the_emission_answer_is_completed_with_the_rps_it_accepted() -> None:
    retorno = RETORNO.encode()
    page = " ".join(PdfReader(io.BytesIO(render(retorno, pedido=pedido_envio))).pages[0]
                    .extract_text().split())
    for esperado in ("4071", "K9XQ2W7B", "77 / OL03", "30/06/2026", "11.222.333/0001-81",
                     "07.504.505/0001-32", "Padaria Pão de Açúcar & Cia Ltda",
                     "T - Tributado em São Paulo", "Desenvolvimento de software sob encomenda",
                     "R$ 20.500,00", "R$ 15.500,00", "5,00%", "Dados do RPS aceito"):
        assert esperado in page, esperado
    # another RPS in the request is not this note's: the page shows the keys only
    outro = " ".join(PdfReader(io.BytesIO(render(retorno, pedido=lambda: pedido_envio("78"))))
                     .pages[0].extract_text().split())
    assert "Padaria" not in outro and "consulta da nota no sistema da Prefeitura" in outro
