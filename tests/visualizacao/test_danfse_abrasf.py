"""The PDF of a note from an ABRASF 2.04 municipality, rendered from its ``CompNfse``; and
``danfse.render`` choosing between it and the national DANFSe."""

from __future__ import annotations

import io
import subprocess
import sys
from importlib import resources
from xml.sax.saxutils import escape

import pytest
from lxml import etree
from pypdf import PdfReader

from nfse.visualizacao.danfse import render
from nfse.visualizacao.danfse_abrasf import render_abrasf
from nfse.xml.validate import validate
from tests.abrasf_xsd import SCHEMA, abrasf_xsd_dir

NS = "http://www.abrasf.org.br/nfse.xsd"
DISCRIMINACAO = ("Suporte técnico mensal ao sistema de gestão — maio/2024\n"
                 "• Atendimento remoto: 12 h\n"
                 "• Manutenção do banco de dados")
TOMADOR = (
    "<TomadorServico><IdentificacaoTomador><CpfCnpj><Cnpj>07504505000132</Cnpj></CpfCnpj>"
    "</IdentificacaoTomador><RazaoSocial>Padaria Pão de Açúcar &amp; Cia Ltda</RazaoSocial>"
    "<Endereco><Endereco>Avenida Paulista</Endereco><Numero>1000</Numero>"
    "<Complemento>Loja 3</Complemento><Bairro>Bela Vista</Bairro>"
    "<CodigoMunicipio>3550308</CodigoMunicipio><Uf>SP</Uf><Cep>01310100</Cep></Endereco>"
    "<Contato><Email>financeiro@padaria.example</Email></Contato></TomadorServico>")
INTERMEDIARIO = (
    "<Intermediario><IdentificacaoIntermediario><CpfCnpj><Cpf>12345678909</Cpf></CpfCnpj>"
    "</IdentificacaoIntermediario><RazaoSocial>Joana Corretora de Serviços</RazaoSocial>"
    "<CodigoMunicipio>3304557</CodigoMunicipio></Intermediario>")
CANCELAMENTO = (
    '<NfseCancelamento versao="2.04"><Confirmacao Id="conf1"><Pedido>'
    '<InfPedidoCancelamento Id="cancel1"><IdentificacaoNfse><Numero>2024000123</Numero>'
    "<CpfCnpj><Cnpj>11222333000181</Cnpj></CpfCnpj><InscricaoMunicipal>123456"
    "</InscricaoMunicipal><CodigoMunicipio>3543402</CodigoMunicipio></IdentificacaoNfse>"
    "<CodigoCancelamento>2</CodigoCancelamento></InfPedidoCancelamento></Pedido>"
    "<DataHora>2024-05-11T09:30:00</DataHora></Confirmacao></NfseCancelamento>")


def comp_nfse(*, discriminacao: str = DISCRIMINACAO, tomador: bool = True,
              intermediario: bool = False, cancelamento: bool = False,
              substituidora: str | None = None, aliquota: str = "5.00",
              namespace: str | None = NS) -> bytes:
    """A note of Ribeirão Preto/SP: R$ 1.234,56 of IT support with PIS, COFINS, IR and CSLL
    withheld (net R$ 1.158,63), ISS at 5 % not withheld."""
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    xml = (
        f'<CompNfse{xmlns}><Nfse versao="2.04"><InfNfse Id="nfse2024000123">'
        "<Numero>2024000123</Numero><CodigoVerificacao>X7K9P2QA</CodigoVerificacao>"
        "<DataEmissao>2024-05-10T14:32:00</DataEmissao>"
        "<ValoresNfse><BaseCalculo>1234.56</BaseCalculo>"
        f"<Aliquota>{aliquota}</Aliquota><ValorIss>61.73</ValorIss>"
        "<ValorLiquidoNfse>1158.63</ValorLiquidoNfse></ValoresNfse>"
        "<PrestadorServico><RazaoSocial>Oficina de Software Ribeirão Ltda</RazaoSocial>"
        "<NomeFantasia>Oficina Dev</NomeFantasia><Endereco>"
        "<Endereco>Rua Sete de Setembro</Endereco><Numero>1500</Numero>"
        "<Complemento>Sala 12</Complemento><Bairro>Centro</Bairro>"
        "<CodigoMunicipio>3543402</CodigoMunicipio><Uf>SP</Uf><Cep>14010000</Cep>"
        "</Endereco><Contato><Telefone>1633334444</Telefone>"
        "<Email>contato@oficina.example</Email></Contato></PrestadorServico>"
        "<OrgaoGerador><CodigoMunicipio>3543402</CodigoMunicipio><Uf>SP</Uf></OrgaoGerador>"
        '<DeclaracaoPrestacaoServico><InfDeclaracaoPrestacaoServico Id="rpsA1_77">'
        "<Rps><IdentificacaoRps><Numero>77</Numero><Serie>A1</Serie><Tipo>1</Tipo>"
        "</IdentificacaoRps><DataEmissao>2024-05-10</DataEmissao><Status>1</Status></Rps>"
        "<Competencia>2024-05-01</Competencia>"
        "<Servico><Valores><ValorServicos>1234.56</ValorServicos><ValorPis>8.02</ValorPis>"
        "<ValorCofins>37.04</ValorCofins><ValorIr>18.52</ValorIr><ValorCsll>12.35</ValorCsll>"
        f"<ValorIss>61.73</ValorIss><Aliquota>{aliquota}</Aliquota></Valores>"
        "<IssRetido>2</IssRetido><ItemListaServico>01.07</ItemListaServico>"
        "<CodigoCnae>6209100</CodigoCnae>"
        "<CodigoTributacaoMunicipio>010701</CodigoTributacaoMunicipio>"
        f"<Discriminacao>{escape(discriminacao)}</Discriminacao>"
        "<CodigoMunicipio>3543402</CodigoMunicipio><ExigibilidadeISS>1</ExigibilidadeISS>"
        "<MunicipioIncidencia>3543402</MunicipioIncidencia></Servico>"
        "<Prestador><CpfCnpj><Cnpj>11222333000181</Cnpj></CpfCnpj>"
        "<InscricaoMunicipal>123456</InscricaoMunicipal></Prestador>"
        + (TOMADOR if tomador else "")
        + (INTERMEDIARIO if intermediario else "")
        + "<OptanteSimplesNacional>2</OptanteSimplesNacional>"
        "<IncentivoFiscal>2</IncentivoFiscal>"
        "</InfDeclaracaoPrestacaoServico></DeclaracaoPrestacaoServico></InfNfse></Nfse>"
        + (CANCELAMENTO if cancelamento else "")
        + (f'<NfseSubstituicao versao="2.04"><SubstituicaoNfse Id="subst1">'
           f"<NfseSubstituidora>{substituidora}</NfseSubstituidora></SubstituicaoNfse>"
           "</NfseSubstituicao>" if substituidora else "")
        + "</CompNfse>")
    return xml.encode("utf-8")


def paginas(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def texto(xml: bytes, cancelada: bool = False) -> str:
    extraido = paginas(render_abrasf(xml, cancelada=cancelada))
    assert len(extraido) == 1
    return extraido[0]


@pytest.mark.parametrize("kwargs", [
    {},
    {"tomador": False},
    {"intermediario": True, "cancelamento": True, "substituidora": "2024000130"},
    {"discriminacao": "Emoji 😀, kanji 漢, travessão — e marcador •"},
    {"discriminacao": "linha\n" * 333},
    {"aliquota": "0.05"},
])
def test_the_test_documents_are_valid_abrasf(kwargs: dict) -> None:
    root = etree.fromstring(comp_nfse(**kwargs))
    assert validate(root, abrasf_xsd_dir() / SCHEMA) == []


def test_renders_one_a4_page() -> None:
    reader = PdfReader(io.BytesIO(render_abrasf(comp_nfse(intermediario=True))))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_shows_the_identification_of_the_note() -> None:
    page = texto(comp_nfse())
    assert "NFS-e — Nota Fiscal de Serviços Eletrônica" in page
    assert "Prefeitura Municipal de Ribeirão Preto/SP" in page
    assert "2024000123" in page
    assert "X7K9P2QA" in page
    assert "10/05/2024 14:32" in page
    assert "01/05/2024" in page  # competência
    assert "77 / A1" in page  # RPS número / série


def test_shows_the_prestador() -> None:
    page = texto(comp_nfse())
    assert "Oficina de Software Ribeirão Ltda" in page
    assert "Oficina Dev" in page
    assert "11.222.333/0001-81" in page
    assert "123456" in page
    assert "Rua Sete de Setembro, 1500, Sala 12, Centro" in page
    assert "14010-000" in page
    assert "contato@oficina.example" in page


def test_shows_the_tomador() -> None:
    page = texto(comp_nfse())
    assert "Padaria Pão de Açúcar & Cia Ltda" in page
    assert "07.504.505/0001-32" in page
    assert "Avenida Paulista, 1000, Loja 3, Bela Vista" in page
    assert "São Paulo/SP" in page
    assert "01310-100" in page
    assert "Tomador não identificado" not in page


def test_a_note_without_tomador_says_so() -> None:
    page = texto(comp_nfse(tomador=False))
    assert "Tomador não identificado" in page
    assert "Padaria" not in page


def test_intermediario_only_when_present() -> None:
    assert "INTERMEDIÁRIO" not in texto(comp_nfse())
    page = texto(comp_nfse(intermediario=True))
    assert "INTERMEDIÁRIO DE SERVIÇOS" in page
    assert "Joana Corretora de Serviços" in page
    assert "123.456.789-09" in page
    assert "Rio de Janeiro/RJ" in page


def test_shows_the_service() -> None:
    page = texto(comp_nfse())
    assert "01.07 - Suporte técnico em informática" in page
    assert "010701" in page
    assert "6209100" in page
    assert "Exigível" in page


def test_discriminacao_keeps_its_lines() -> None:
    linhas = texto(comp_nfse()).splitlines()
    assert "Suporte técnico mensal ao sistema de gestão — maio/2024" in linhas
    assert "• Atendimento remoto: 12 h" in linhas
    assert "• Manutenção do banco de dados" in linhas


def test_values_are_in_brazilian_format() -> None:
    page = texto(comp_nfse())
    assert "R$ 1.234,56" in page  # valor dos serviços, base de cálculo
    assert "R$ 1.158,63" in page  # valor líquido
    assert "5,00%" in page
    assert "R$ 61,73" in page
    for retencao in ("R$ 8,02", "R$ 37,04", "R$ 18,52", "R$ 12,35"):
        assert retencao in page
    for rotulo in ("Retenção PIS", "Retenção COFINS", "Retenção INSS", "Retenção IR",
                   "Retenção CSLL", "ISS retido", "Deduções", "Base de cálculo"):
        assert rotulo in page


def test_a_rate_written_as_a_fraction_is_shown_as_a_percentage() -> None:
    page = texto(comp_nfse(aliquota="0.05"))
    assert "5,00%" in page
    assert "0,05%" not in page


def test_cancelada_only_when_cancelled() -> None:
    assert "CANCELADA" not in texto(comp_nfse())
    assert "CANCELADA" in texto(comp_nfse(), cancelada=True)


def test_cancellation_in_the_xml_marks_the_note() -> None:
    page = texto(comp_nfse(cancelamento=True))
    assert "NFS-e CANCELADA em 11/05/2024 09:30" in page
    assert "serviço não prestado" in page


def test_substituted_note_names_its_successor() -> None:
    assert "SUBSTITUÍDA" not in texto(comp_nfse())
    page = texto(comp_nfse(cancelamento=True, substituidora="2024000130"))
    assert "NFS-e SUBSTITUÍDA pela NFS-e nº 2024000130" in page


def test_characters_outside_the_font_do_not_break_rendering() -> None:
    page = texto(comp_nfse(discriminacao="Emoji 😀, kanji 漢, travessão — e marcador •"))
    assert "Emoji ?, kanji ?, travessão — e marcador •" in page


def test_a_long_discriminacao_stays_on_one_page() -> None:
    page = texto(comp_nfse(discriminacao="linha\n" * 333))
    assert "texto truncado" in page
    assert "R$ 1.158,63" in page  # the blocks after it are still there


def test_elements_are_matched_whatever_the_namespace() -> None:
    for namespace in (None, "http://www.dbseller.com.br/nfse"):
        page = texto(comp_nfse(namespace=namespace))
        assert "X7K9P2QA" in page
        assert "Padaria Pão de Açúcar & Cia Ltda" in page


def test_the_same_note_renders_the_same_bytes() -> None:
    assert render_abrasf(comp_nfse()) == render_abrasf(comp_nfse())


def test_xml_without_a_note_is_refused() -> None:
    with pytest.raises(ValueError, match="InfNfse"):
        render_abrasf(f'<ListaMensagemRetorno xmlns="{NS}"/>'.encode())


# --- danfse.render ----------------------------------------------------------------------


def test_render_sends_an_abrasf_note_to_the_abrasf_layout() -> None:
    (page,) = paginas(render(comp_nfse(), cancelada=True))
    assert "NFS-e — Nota Fiscal de Serviços Eletrônica" in page
    assert "X7K9P2QA" in page
    assert "CANCELADA" in page


def test_render_keeps_the_national_danfse_for_nfse_nacional() -> None:
    amostra = resources.files("nfelib") / "nfse" / "samples" / "v1_0" / "nfse-ibscbs.xml"
    page = paginas(render(amostra.read_bytes()))[0]
    assert "DANFSe" in page
    assert "42024042200000000000000000000000000126031234567892" in page
    assert "Nota Fiscal de Serviços Eletrônica" not in page


def test_the_national_danfse_embeds_its_logo_at_print_resolution() -> None:
    """The logo at 300 dpi of its printed 8 mm, not the library's 1920 x 389 original, which
    made every e-mailed DANFSe 85 KB instead of about 33 and took half its rendering time."""
    amostra = resources.files("nfelib") / "nfse" / "samples" / "v1_0" / "nfse-ibscbs.xml"
    pdf = render(amostra.read_bytes())
    images = [found.image for found in PdfReader(io.BytesIO(pdf)).pages[0].images]
    assert [image.height for image in images if image.mode == "RGBA"] == [94]
    assert len(pdf) < 50_000


def test_importing_danfse_does_not_load_the_abrasf_layout() -> None:
    code = ("import sys, nfse.visualizacao.danfse; "
            "print('nfse.visualizacao.danfse_abrasf' in sys.modules, "
            "'nfse.municipios.registry' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["False", "False"]


def test_a_homologacao_note_says_it_has_no_legal_value() -> None:
    [pagina] = paginas(render_abrasf(comp_nfse(), homologacao=True))
    assert "SEM VALIDADE JURÍDICA" in pagina
    assert "SEM VALIDADE" not in texto(comp_nfse())
