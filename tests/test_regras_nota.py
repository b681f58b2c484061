"""Issue 18, point 4, through the API: a note that breaks a rule of the Sefin the customer
controls is refused at POST (400, Focus format, every violation with its Sefin code and a
correction) and dry_run answers the same with ``"valido": false``. Before, all of these were
accepted with 202 and dry_run said ``"valido": true``; and README's "Try it" note is authorized
without pAliq."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from lxml import etree

from nfse.municipios.routing import NACIONAL
from nfse.providers.nacional.conformidade import mensagem_oficial
from nfse.providers.registry import get_provider
from tests.support import MUNICIPIO, Gateway, free_port, nota_exemplo, nota_plana

N = {"n": "http://www.sped.fazenda.gov.br/nfse"}
README = Path(__file__).parent.parent / "README.md"


def _recusada() -> dict:
    """Immune, with retained ISS, without tomador, at 7 %: E0204, E0580 and E0595 at once."""
    body = nota_exemplo(data_emissao="2026-11-20T10:00:00-03:00", natureza_operacao=4)
    body.pop("tomador")
    body["servico"].update(iss_retido=True, aliquota="7")
    return body


def test_post_lists_every_violation_with_its_code(gateway: Gateway) -> None:
    answer = gateway.client.post("/v2/nfse?ref=regras-1", json=_recusada())
    assert answer.status_code == 400, answer.text
    erros = answer.json()["erros"]
    assert [e["codigo"] for e in erros] == ["E0204", "E0580", "E0595"]
    for erro in erros:
        assert erro["mensagem"] == mensagem_oficial(erro["codigo"])
        assert erro["correcao"]
    assert erros[0]["mensagem"].startswith("CNPJ ou CPF do tomador não foi informado")
    assert erros[2]["mensagem"] == "Não é permitido informar alíquota superior a 5%."
    assert gateway.client.get("/v2/nfse/regras-1").status_code == 404  # nothing stored


def test_dry_run_answers_the_same(gateway: Gateway) -> None:
    answer = gateway.client.post("/v2/nfse?ref=regras-2&dry_run=1", json=_recusada())
    assert answer.status_code == 200
    body = answer.json()
    assert body["valido"] is False
    assert [(e["codigo"], e.get("campo")) for e in body["erros"]] == [
        ("E0204", "tomador.cnpj"), ("E0580", "servico.iss_retido"),
        ("E0595", "servico.aliquota")]


def test_flat_door_names_the_flat_fields(gateway: Gateway) -> None:
    body = {campo: valor for campo, valor in nota_plana(
        tipo_retencao_iss=2, codigo_indicador_operacao="100301",
        ibs_cbs_situacao_tributaria="000", ibs_cbs_classificacao_tributaria="000001").items()
        if not campo.endswith("_tomador")}
    answer = gateway.client.post("/v2/nfsen?ref=regras-3", json=body)
    assert answer.status_code == 400, answer.text
    found = {(e["codigo"], e["campo"]) for e in answer.json()["erros"]}
    assert found == {("E0204", "cnpj_tomador"), ("E0322", "codigo_nbs")}


def test_readme_note_is_authorized_without_paliq(gateway: Gateway) -> None:
    """The demo company is não optante (regime 3) in a municipality of the national system:
    the DPS leaves the rate to the municipality (E0617) although the note says 3 %."""
    [json_text] = re.findall(r"cat > nota\.json <<'JSON'\n(.*?)\nJSON", README.read_text(),
                             re.S)
    nota = gateway.autorizar("readme", json.loads(json_text))
    xml = httpx.get(gateway.base_url + nota["caminho_xml_nota_fiscal"]).content
    inf = etree.fromstring(xml).find(".//n:infDPS", N)
    assert inf.findtext("n:prest/n:regTrib/n:opSimpNac", namespaces=N) == "1"
    assert inf.find("n:valores/n:trib/n:tribMun/n:pAliq", N) is None
    assert inf.find("n:valores/n:trib/n:totTrib/n:indTotTrib", N) is None


def test_dry_run_says_when_the_parameters_did_not_decide_the_rate(gateway: Gateway) -> None:
    """pAliq depends on whether the municipality is active (E0617/E0619): with the ADN's
    parameters unreachable the DPS assumes it active, and says so instead of guessing
    silently."""
    body = nota_exemplo(data_emissao="2026-11-20T10:00:00-03:00")
    answered = gateway.client.post("/v2/nfse?ref=aviso-1&dry_run=1", json=body).json()
    assert answered["valido"] is True and "avisos" not in answered  # the sandbox answered
    parametros = get_provider(NACIONAL).parametros
    settings = gateway.runtime.settings
    antes = settings.nacional_parametros_url_homologacao
    settings.nacional_parametros_url_homologacao = f"https://127.0.0.1:{free_port()}"
    parametros.clear()
    try:
        unknown = gateway.client.post("/v2/nfse?ref=aviso-2&dry_run=1", json=body).json()
    finally:
        settings.nacional_parametros_url_homologacao = antes
        parametros.clear()
    assert unknown["valido"] is True, unknown
    assert unknown["parametros_municipais"]["convenio"] is None
    [aviso] = unknown["avisos"]
    assert "pAliq" in aviso and MUNICIPIO in aviso
    inf = etree.fromstring(unknown["dps_xml"].encode()).find("n:infDPS", N)
    assert inf.find("n:valores/n:trib/n:tribMun/n:pAliq", N) is None


def test_an_authorized_note_keeps_saying_the_parameters_did_not_decide_the_rate(
        gateway: Gateway) -> None:
    """Issue 18.3: where the ADN answers nothing usable, the note's mensagem says so. The
    notice reached the outcome but the authorization wrote mensagem = NULL."""
    parametros = get_provider(NACIONAL).parametros
    settings = gateway.runtime.settings
    antes = settings.nacional_parametros_url_homologacao
    settings.nacional_parametros_url_homologacao = f"https://127.0.0.1:{free_port()}"
    parametros.clear()
    try:
        nota = gateway.autorizar("aviso-3", nota_exemplo(
            data_emissao="2026-11-20T10:00:00-03:00"))
    finally:
        settings.nacional_parametros_url_homologacao = antes
        parametros.clear()
    assert "pAliq" in nota["mensagem"] and MUNICIPIO in nota["mensagem"]
    assert gateway.autorizar("aviso-4", nota_exemplo(
        data_emissao="2026-11-20T10:00:00-03:00")).get("mensagem") is None  # they answered
