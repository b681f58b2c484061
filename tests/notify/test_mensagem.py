"""Unit tests of the message a tomador receives (``notify.mensagem``): subject, the plain and
HTML bodies, the reply address and the attachments, without SMTP."""

from __future__ import annotations

from decimal import Decimal
from email import message_from_bytes, policy

from nfse.notify.mensagem import Anexo, Nota, assunto, compor

NOTA = Nota(numero="42", prestador="Oficina <Zé> & Filhos", valor=Decimal("1234.5"),
            codigo_verificacao="AB12", tomador="Maria",
            url="https://nfse.exemplo/v2/nfse/42?x=1&y=2",
            anexos=[Anexo("nfse-42.pdf", b"%PDF-1.4 danfse", "application/pdf"),
                    Anexo("nfse-42.xml", b"<NFSe/>", "application/xml")])


def _partes(nota: Nota, **campos: str | None) -> tuple[object, str, str]:
    """The message as a receiver parses it: (message, plain body, HTML body)."""
    enviada = compor(nota, **{"remetente": "nfse@gateway.test",
                              "destinatario": "maria@cliente.test",
                              "responder_para": None, **campos})
    recebida = message_from_bytes(enviada.as_bytes(), policy=policy.default)
    texto = recebida.get_body(("plain",)).get_content()
    html = recebida.get_body(("html",)).get_content()
    return recebida, texto, html


def test_subject_says_issued_or_cancelled() -> None:
    assert assunto(NOTA) == "NFS-e nº 42 emitida por Oficina <Zé> & Filhos"
    cancelada = Nota(numero="42", prestador="Oficina", valor=Decimal(1), cancelada=True)
    assert assunto(cancelada) == "NFS-e nº 42 de Oficina foi cancelada"


def test_plain_body_names_who_what_and_how_much() -> None:
    recebida, texto, _ = _partes(NOTA, responder_para="financeiro@oficina.test")
    assert recebida["Subject"] == assunto(NOTA)
    assert recebida["From"] == "nfse@gateway.test"
    assert recebida["To"] == "maria@cliente.test"
    assert recebida["Reply-To"] == "financeiro@oficina.test"
    assert recebida["Message-ID"] and recebida["Date"]
    assert ("Oficina <Zé> & Filhos emitiu a NFS-e nº 42, no valor de R$ 1.234,50 para Maria."
            in texto)
    assert "Código de verificação: AB12" in texto
    assert f"Consulte a nota em: {NOTA.url}" in texto
    assert "Seguem em anexo: nfse-42.pdf, nfse-42.xml." in texto


def test_a_cancellation_says_so_and_omits_what_it_lacks() -> None:
    nota = Nota(numero="7", prestador="Oficina", valor=Decimal("10"), cancelada=True)
    recebida, texto, _ = _partes(nota)
    assert recebida["Reply-To"] is None
    assert "Oficina cancelou a NFS-e nº 7, no valor de R$ 10,00." in texto
    for ausente in ("Código de verificação", "Consulte a nota", "Seguem em anexo", " para "):
        assert ausente not in texto
    assert not list(recebida.iter_attachments())


def test_html_body_escapes_the_names_and_links_the_note() -> None:
    _, _, html = _partes(NOTA)
    assert "Oficina &lt;Zé&gt; &amp; Filhos emitiu" in html
    assert "<Zé>" not in html
    link = "https://nfse.exemplo/v2/nfse/42?x=1&amp;y=2"
    assert f'<a href="{link}">{link}</a>' in html
    assert html.startswith('<!doctype html><html lang="pt-BR">')


def test_attachments_keep_name_type_and_bytes() -> None:
    recebida, _, _ = _partes(NOTA)
    anexos = [(a.get_filename(), a.get_content_type(), a.get_payload(decode=True))
              for a in recebida.iter_attachments()]
    assert anexos == [("nfse-42.pdf", "application/pdf", b"%PDF-1.4 danfse"),
                      ("nfse-42.xml", "application/xml", b"<NFSe/>")]


def test_an_attachment_named_beyond_ascii_keeps_its_name() -> None:
    nota = Nota(numero="Nº 9", prestador="Oficina", valor=Decimal(1),
                anexos=[Anexo("Nota-ção.xml", b"<NFSe/>", "application/xml")])
    recebida, _, _ = _partes(nota)
    [anexo] = list(recebida.iter_attachments())
    assert (anexo.get_filename(), anexo.get_payload(decode=True)) == ("Nota-ção.xml",
                                                                      b"<NFSe/>")


def test_the_envelope_names_the_addresses_of_the_headers() -> None:
    enviada = compor(NOTA, remetente="NFS-e <nfse@gateway.test>",
                     destinatario="Maria <maria@cliente.test>", responder_para=None)
    assert (enviada.remetente, enviada.destinatarios) == ("nfse@gateway.test",
                                                          ("maria@cliente.test",))
