"""The public page of an NFS-e: what a tomador sees when opening the note's link."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import lxml.html
import pytest

from nfse.model.nfse import parse_nfse
from nfse.model.nota import Nota
from nfse.visualizacao.view import pagina_nota
from tests.support import nota_exemplo

CHAVE = "35162002211222333000181000000000012317093012345678"
CONSULTA = f"https://www.nfse.gov.br/ConsultaPublica/?tpc=1&chave={CHAVE}"
LINKS = {
    "DANFSe (PDF)": "https://gw.example/p/abc/danfse.pdf",
    "XML da NFS-e": "https://gw.example/p/abc/nfse.xml",
    "XML do cancelamento": "https://gw.example/p/abc/cancelamento.xml",
}


def nota(**overrides: object) -> Nota:
    return parse_nfse(nota_exemplo(**overrides))


def pagina(n: Nota | None = None, **overrides: object) -> str:
    kwargs: dict = {
        "status": "autorizado", "numero": "123", "codigo_verificacao": "AB12CD34",
        "chave_acesso": CHAVE, "data_emissao": None,
        "razao_social_prestador": "EMPRESA TESTE LTDA", "links": LINKS,
    }
    kwargs.update(overrides)
    return pagina_nota(n or nota(), **kwargs)


def servico(**campos: object) -> dict:
    return {**nota_exemplo()["servico"], **campos}


def test_shows_the_identification_of_the_note() -> None:
    page = pagina()
    assert "NFS-e Nº 123" in page
    assert "AB12CD34" in page
    assert "EMPRESA TESTE LTDA" in page
    assert "Autorizada" in page
    assert "21/09/2017 22:15" in page  # the note's own date when none is given


def test_emission_date_is_shown_in_sao_paulo_time() -> None:
    page = pagina(data_emissao=datetime(2024, 1, 2, 3, 4, tzinfo=UTC))
    assert "02/01/2024 00:04" in page


def test_access_key_is_grouped_in_blocks_of_four() -> None:
    page = pagina()
    assert "3516 2002 2112 2233 3000 1810 0000 0000 0123 1709 3012 3456 78" in page


def test_documents_and_municipalities_are_formatted() -> None:
    page = pagina()
    assert "11.222.333/0001-81" in page  # prestador
    assert "07.504.505/0001-32" in page  # tomador
    assert "Franca/SP" in page
    assert "Curitiba/PR" in page
    assert "CEP 80045-165" in page
    assert "contato@focusnfe.com.br" in page


def test_prestador_with_cpf_is_formatted_as_cpf() -> None:
    n = nota()
    n = dataclasses.replace(n, prestador=dataclasses.replace(n.prestador, cnpj=None,
                                                             cpf="12345678909"))
    assert "123.456.789-09" in pagina(n)


def test_service_codes_are_shown_for_reading() -> None:
    page = pagina()
    assert "01.07" in page
    assert "01.07.01" in page
    assert "Nota fiscal referente a serviços prestados" in page


def test_values_are_in_brazilian_format() -> None:
    page = pagina(nota(servico=servico(valor_servicos=1234.56)))
    assert "R$ 1.234,56" in page
    assert "R$ 37,04" in page  # ISS at 3 %
    assert "3,00%" in page
    assert "ISS retido" in page


def test_federal_withholdings_only_when_present() -> None:
    assert "Retenção" not in pagina()
    page = pagina(nota(servico=servico(valor_servicos=100, valor_pis=0.65, valor_ir=1.5)))
    assert "Retenção PIS" in page
    assert "R$ 0,65" in page
    assert "Retenção IR" in page
    assert "Retenção COFINS" not in page


def test_discriminacao_is_escaped_and_keeps_its_lines() -> None:
    texto = "<script>alert(1)</script> Silva & Filhos\nsegunda linha"
    page = pagina(nota(servico=servico(discriminacao=texto)))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Silva &amp; Filhos<br>" in page
    assert "segunda linha" in page
    assert not lxml.html.fromstring(page).xpath("//script")


def test_every_value_is_escaped() -> None:
    page = pagina(razao_social_prestador="<b>A&B</b>", codigo_verificacao='"><i>',
                  links={"<x>": 'https://e.example/a?b=1&c="2"'})
    assert "<b>" not in page and "<i>" not in page and "<x>" not in page
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in page
    assert 'href="https://e.example/a?b=1&amp;c=&quot;2&quot;"' in page


def test_cancelled_note_is_unmistakable() -> None:
    page = pagina(status="cancelado")
    assert "NOTA CANCELADA" in page
    body = lxml.html.fromstring(page).body
    assert "cancelado" in body.get("class").split()


def test_authorized_note_is_not_marked_cancelled() -> None:
    page = pagina()
    assert "NOTA CANCELADA" not in page
    assert "cancelado" not in lxml.html.fromstring(page).body.get("class").split()


def test_substituted_note_says_so() -> None:
    page = pagina(status="substituido")
    assert "Substituída" in page
    assert "NOTA CANCELADA" not in page


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError):
        pagina(status="processando_autorizacao")


def test_qr_code_and_public_consultation_with_a_key() -> None:
    page = pagina()
    assert "<svg" in page
    hrefs = lxml.html.fromstring(page).xpath("//a/@href")
    assert CONSULTA in hrefs


def test_no_qr_code_without_a_key() -> None:
    page = pagina(chave_acesso=None)
    assert "<svg" not in page
    assert "ConsultaPublica" not in page


def test_links_in_the_given_order() -> None:
    doc = lxml.html.fromstring(pagina(chave_acesso=None))
    anchors = [(a.text_content(), a.get("href")) for a in doc.xpath("//a")]
    assert anchors == list(LINKS.items())


def test_tomador_section_only_when_there_is_one() -> None:
    assert "Tomador do serviço" in pagina()
    sem_tomador = dataclasses.replace(nota(), tomador=None)
    assert "Tomador do serviço" not in pagina(sem_tomador)


def test_is_a_self_contained_mobile_html5_document() -> None:
    page = pagina()
    assert page.lower().startswith("<!doctype html>")
    doc = lxml.html.fromstring(page)
    assert doc.get("lang") == "pt-BR"
    assert doc.xpath("//meta[@charset='utf-8']")
    viewport = doc.xpath("//meta[@name='viewport']/@content")
    assert viewport == ["width=device-width,initial-scale=1"]
    assert not doc.xpath("//script | //link | //img | //iframe | //*[@src]")
    assert "cancelado" not in doc.xpath("//title")[0].text
    assert doc.xpath("//title")[0].text.startswith("NFS-e Nº 123")


def test_a_homologacao_note_says_it_has_no_legal_value() -> None:
    assert "SEM VALIDADE JURÍDICA" in pagina(homologacao=True)
    assert "SEM VALIDADE JURÍDICA" not in pagina()
