"""Characters ``str.isdigit`` takes and ``int`` refuses ("²", "①"): where a number is read
from a parameter, a body or a header, such a character gets the same 4xx (or is ignored the
same way) as any other non-digit, never a 500. Found by schemathesis: ``GET
/v2/admin/notas?antes=²`` was a 500."""

from __future__ import annotations

import json

import pytest

from nfse.cliente.assinatura import verificar_assinatura
from tests.hostil.conftest import Alvo
from tests.support import nota_exemplo

DIGITOS_ESTRANHOS = ["²", "①", "1²"]


@pytest.mark.parametrize("texto", DIGITOS_ESTRANHOS)
def test_a_cursor_that_is_not_a_number_is_ignored(alvo: Alvo, texto: str) -> None:
    for parametro in ("antes", "empresa"):  # the panel reads its filters the same way
        answer = alvo.request("GET", f"/v2/admin/notas?{parametro}={texto}", token=alvo.admin)
        assert answer.status_code == 200, (parametro, answer.text)


@pytest.mark.parametrize("texto", DIGITOS_ESTRANHOS)
def test_a_version_that_is_not_a_number_is_a_400(alvo: Alvo, texto: str) -> None:
    answer = alvo.request("GET", f"/v2/nfses_recebidas?cnpj=11222333000181&versao={texto}")
    assert answer.status_code == 400, answer.text
    assert "versao" in answer.json()["mensagem"]


@pytest.mark.parametrize("texto", DIGITOS_ESTRANHOS)
def test_company_numbers_that_are_not_numbers_are_a_400(alvo: Alvo, texto: str) -> None:
    for campo in ("proximo_numero_nfse_homologacao", "smtp_port"):
        answer = alvo.request("PUT", "/v2/empresas/1", token=alvo.admin,
                              content=json.dumps({campo: texto}).encode())
        assert answer.status_code == 400, (campo, answer.text)
        assert campo in answer.text


@pytest.mark.parametrize("texto", DIGITOS_ESTRANHOS)
def test_note_fields_that_are_not_numbers_are_a_400(alvo: Alvo, texto: str) -> None:
    nota = nota_exemplo()
    nota["servico"]["tipo_retencao_pis_cofins"] = texto
    answer = alvo.request("POST", "/v2/nfse?ref=digitos-1", content=json.dumps(nota).encode())
    assert answer.status_code == 400, answer.text
    nota = nota_exemplo() | {"numero_rps_substituido": texto, "serie_rps_substituido": "1",
                             "tipo_rps_substituido": "1", "codigo_motivo_substituicao": 1}
    answer = alvo.request("POST", "/v2/nfse?ref=digitos-2", content=json.dumps(nota).encode())
    assert answer.status_code == 400, answer.text


@pytest.mark.parametrize("texto", DIGITOS_ESTRANHOS)
def test_a_webhook_timestamp_that_is_not_a_number_is_not_verified(texto: str) -> None:
    cabecalhos = {"X-NFSe-Timestamp": texto, "X-NFSe-Signature": "v1=00"}
    assert verificar_assinatura(cabecalhos, b"{}", "segredo") is False
