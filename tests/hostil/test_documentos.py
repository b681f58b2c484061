"""Text and public documents end to end: what the DANFSe fonts can draw (Windows-1252, with
its dashes, quotes, euro and ligatures) is carried into an authorized note that has its PDF;
the public pages carry the security headers; a note stored before POST refused what the fonts
cannot draw still has its PDF, with those characters substituted."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, select, update

from nfse.store import artefatos
from nfse.store.tables import artefatos as artefatos_t
from nfse.store.tables import notas
from tests.hostil.conftest import Alvo
from tests.support import Gateway, nota_exemplo

CABECALHOS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
              "x-frame-options": "DENY"}


@pytest.mark.slow
def test_windows_1252_text_is_carried_and_printed(gateway: Gateway) -> None:
    texto = "Serviço – “consultoria” de 5 € œuvre\tcom tabulação\nsegunda linha ¿¡ ÀÉÎÕÜ ç"
    servico = nota_exemplo()["servico"] | {"discriminacao": texto}
    nota = gateway.autorizar("texto-1252", nota_exemplo(servico=servico))
    pdf = gateway.client.get(nota["url_danfse"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert gateway.client.get("/v2/nfse/texto-1252?completa=1").json()[
        "requisicao_nfse"]["servico"]["discriminacao"] == texto
    for url in (nota["url_danfse"], nota["url"]):
        answer = gateway.client.get(url)
        assert answer.status_code == 200
        for name, value in CABECALHOS.items():
            assert answer.headers[name] == value, (url, name)
        assert "default-src 'none'" in answer.headers["content-security-policy"]


@pytest.mark.parametrize("texto", ["Consultoria 😀", "\ufeffConsultoria", "Consultoria \u202e",
                                   "Servic\u0327o", "咨询服务"])
def test_text_the_danfse_cannot_print_is_refused_naming_the_field(alvo: Alvo,
                                                                   texto: str) -> None:
    servico = nota_exemplo()["servico"] | {"discriminacao": texto}
    answer = alvo.client.post("/v2/nfse?ref=texto", json=nota_exemplo(servico=servico),
                              auth=(alvo.token, ""))
    assert answer.status_code == 400
    erro = answer.json()["erros"][0]
    assert erro["campo"] == "servico.discriminacao" and "U+" in erro["mensagem"]
    assert alvo.linhas()["notas"] == 0


def test_a_note_stored_before_the_text_gate_still_has_its_pdf(gateway: Gateway) -> None:
    """Emoji, BOM, a bidirectional control, CJK and a combining mark in an authorized note's
    XML and request, as POST accepted them before ``model/texto.py``: the DANFSe substitutes
    them, the public page shows them as they are."""
    original = nota_exemplo()["servico"]["discriminacao"]
    antigo = "\ufeffConsultoria 😀 mensal \u202eajustada 咨询 servic\u0327o"
    nota = gateway.autorizar("antiga", nota_exemplo())
    with gateway.runtime.engine.begin() as conn:
        row = conn.execute(select(notas.c.id, notas.c.requisicao)
                           .where(notas.c.ref == "antiga")).one()
        requisicao = json.loads(row.requisicao)
        requisicao["servico"]["discriminacao"] = antigo
        conn.execute(update(notas).where(notas.c.id == row.id)
                     .values(requisicao=json.dumps(requisicao, ensure_ascii=False)))
        xml, media_type = artefatos.latest(conn, row.id, artefatos.XML_NFSE)
        assert original.encode() in xml
        artefatos.put(conn, row.id, artefatos.XML_NFSE,
                      xml.replace(original.encode(), antigo.encode()), media_type)
        conn.execute(delete(artefatos_t).where(artefatos_t.c.nota_id == row.id,
                                               artefatos_t.c.kind == artefatos.DANFSE))
    pdf = gateway.client.get(nota["url_danfse"])
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    texto = " ".join(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    assert "Consultoria ? mensal ajustada ?? serviço" in texto
    pagina = gateway.client.get(nota["url"])
    assert pagina.status_code == 200 and "Consultoria 😀 mensal" in pagina.text
