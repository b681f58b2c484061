"""Notes of prestadores whose municipality keeps its own emitter: refused at POST when no
provider serves it, sent with the national DPS to the municipal system's own address when its
system takes it (issue 22, points 1 and 2)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from nfse.municipios import routing
from nfse.providers.base import Erro
from nfse.providers.nacional.dialetos import COM_CREDENCIAIS
from nfse.providers.nacional.respostas import (
    EMISSOR_PROPRIO,
    explicar_emissor_proprio,
    mensagem_emissor_proprio,
)
from nfse.sandbox.nacional import NacionalSandbox
from nfse.store import empresas
from tests.support import CNPJ, Gateway, nota_exemplo

pytestmark = pytest.mark.um_motor

CAMPINA_VERDE = "3111101"  # own emitter (Horus), not served
FRANCA = "3516200"
CUBATAO = "3513504"  # SilTecnologia with a plain http production address only
LOGIN, SENHA = "usuario-da-empresa", "senha-ou-chave-da-empresa"


@pytest.fixture
def tabela() -> Iterator[None]:
    """The routing table is process-wide: every test ends with the shipped one."""
    yield
    routing.carregar(None)


def _nota(municipio: str) -> dict:
    body = nota_exemplo()
    body["prestador"]["codigo_municipio"] = municipio
    return body


def test_post_for_an_unsupported_municipality_is_a_400_sent_nowhere(gateway: Gateway) -> None:
    answer = gateway.client.post("/v2/nfse?ref=em-sao-paulo", json=_nota(CAMPINA_VERDE))
    assert answer.status_code == 400
    body = answer.json()
    assert body["codigo"] == "municipio_nao_atendido"
    assert "Campina Verde/MG" in body["mensagem"] and "Horus" in body["mensagem"]
    assert body["erros"][0]["campo"] == "prestador.codigo_municipio"
    assert gateway.client.get("/v2/nfse/em-sao-paulo").status_code == 404
    assert gateway.sandbox.emitidas() == []


def test_a_dry_run_for_an_unsupported_municipality_is_not_valid(gateway: Gateway) -> None:
    answer = gateway.client.post("/v2/nfse?ref=ensaio-sp&dry_run=1", json=_nota(CAMPINA_VERDE))
    assert answer.status_code == 200
    body = answer.json()
    assert body["valido"] is False
    assert body["erros"][0]["codigo"] == "municipio_nao_atendido"
    assert "Horus" in body["erros"][0]["mensagem"]


def _token_producao(gateway: Gateway) -> str:
    with gateway.runtime.engine.begin() as conn:
        empresa = empresas.find_by_cnpj(conn, CNPJ)
        assert empresa is not None
        return empresas.criar_token(conn, empresa.id, "producao", "token-de-producao-franca")


def test_a_municipal_system_without_a_production_address_is_refused_in_producao(
        gateway: Gateway) -> None:
    token = _token_producao(gateway)
    answer = gateway.client.post("/v2/nfse?ref=cubatao-producao", json=_nota(CUBATAO),
                                 auth=(token, ""))
    assert answer.status_code == 400
    assert "Cubatão/SP" in answer.json()["mensagem"]
    assert "SilTecnologia" in answer.json()["mensagem"]
    municipio = gateway.client.get(f"/v2/municipios/{CUBATAO}", auth=(token, "")).json()
    assert municipio["nfse_habilitada"] is False and "SilTecnologia" in municipio["motivo_nfse"]


def _segundo_sandbox(gateway: Gateway, pasta: Path, base: str = "/SefinNacional",
                     dialeto: str = "sefin") -> NacionalSandbox:
    """Another Nacional sandbox playing the municipal system's endpoint (under its base
    path, in its dialect), under the same CA as the first (the homologação trust store)."""
    pasta.mkdir(parents=True)
    for nome in ("ca.p12", "server.p12"):
        shutil.copy(gateway.sandbox.data_dir / nome, pasta / nome)
    municipal = NacionalSandbox(pasta, base=base, dialeto=dialeto)
    municipal.start()
    municipal.trust(gateway.a1.cert)
    return municipal


def credenciais(gateway: Gateway, municipal: NacionalSandbox, login: str | None = LOGIN,
                senha: str | None = SENHA) -> None:
    """The company's municipal credentials (``login_responsavel``, ``senha_responsavel``),
    accepted by the sandbox both as a user and password (Basic) and as a key (Bearer)."""
    gateway.credenciais_prefeitura(login, senha)
    municipal.aceitar(f"{LOGIN}:{SENHA}", CNPJ)
    municipal.aceitar(SENHA, CNPJ)


def test_national_dps_goes_to_the_municipal_systems_address(gateway: Gateway, tmp_path: Path,
                                                            tabela: None) -> None:
    municipal = _segundo_sandbox(gateway, tmp_path / "siltecnologia")
    try:
        arquivo = tmp_path / "municipios.toml"
        arquivo.write_text(f'[municipios."{FRANCA}"]\nperfil = "dps_municipal"\n'
                           f'url_producao = "https://franca.example/sefinnacional"\n'
                           f'url_homologacao = "{municipal.url}"\n', encoding="utf-8")
        routing.carregar(arquivo)
        nota = gateway.autorizar("franca-municipal", _nota(FRANCA))
        assert [n["chaveAcesso"] for n in municipal.emitidas()] == [nota["chave_acesso"]]
        assert gateway.sandbox.emitidas() == []  # not the Sefin's address
        cancel = gateway.client.request(
            "DELETE", "/v2/nfse/franca-municipal",
            content=json.dumps({"justificativa": "Cancelamento de teste da DPS"}))
        assert cancel.status_code == 200 and cancel.json() == {"status": "cancelado"}
        assert municipal.emitidas()[0]["cancelada"] is True
    finally:
        municipal.stop()


@pytest.mark.parametrize(("codigo", "sistema", "perfil", "base", "dialeto", "producao"), [
    ("4305108", "Infisc", "dps_municipal", "/sefinnacional", "sefin",
     "https://sefin.caxias.rs.gov.br/sefinnacional"),
    ("4202404", "SimplISS", "dps_municipal", "", "sefin",
     "https://nfseblumenau.simplissweb.com.br"),
    ("3505500", "RLZ", "dps_municipal", "/nota/nacional", "sefin",
     "https://cidadaoonline.barretos.sp.gov.br/nota/nacional"),
    ("4323002", "Pronim", "dps_pronim", "/Nfse.Api/NotaNacional", "pronim",
     "https://webapp1-viamao.cidade360.cloud/Nfse.Api/NotaNacional"),
    ("4209300", "Betha", "dps_betha", "/dps/ws", "betha",
     "https://nota-eletronica.betha.cloud:443/dps/ws"),
    ("4302204", "ABase", "dps_abase", "/api-nacional", "abase",
     "https://iss.abase.com.br/api-nacional"),
    ("3300456", "ModernizacaoPublica", "dps_modernizacao", "/nfe/ReceberDPS.rule",
     "modernizacao", "https://nfse.prefeituradebelfordroxo.rj.gov.br/nfe/ReceberDPS.rule"
                     "?sys=NFE"),
])
def test_a_system_of_the_sefins_api_at_its_own_base_path(
        gateway: Gateway, tmp_path: Path, tabela: None, codigo: str, sistema: str, perfil: str,
        base: str, dialeto: str, producao: str) -> None:
    """Caxias do Sul (Infisc, /sefinnacional), Blumenau (SimplISS, the root), Barretos (RLZ,
    /nota/nacional), Viamão
    (Pronim, its own routes under /Nfse.Api/NotaNacional), Lages (Betha), Boa Vista do Buricá
    (ABase) and Belford Roxo (ModernizacaoPublica, ReceberDPS.rule?sys=NFE): the shipped
    registry routes them with their production address from enderecos.csv; the operator
    points the system's homologação at a sandbox serving the system's routes under that base
    path, and the note is emitted, queried and cancelled there (with the company's municipal
    credentials where the system asks them)."""
    municipal = _segundo_sandbox(gateway, tmp_path / sistema, base, dialeto)
    try:
        assert municipal.url.endswith(f":{municipal.port}{base}")
        assert (routing.rota(codigo).perfil, routing.rota(codigo).url("producao")) == (
            perfil, producao)  # the shipped registry
        consulta = producao.partition("?")[2]
        endereco = f"{municipal.url}?{consulta}" if consulta else municipal.url
        arquivo = tmp_path / "municipios.toml"
        arquivo.write_text(f'[sistemas.{sistema}]\nperfil = "{perfil}"\n'
                           f'versoes = ["1.01"]\nurl_homologacao = "{endereco}"\n',
                           encoding="utf-8")
        routing.carregar(arquivo)
        rota = routing.rota(codigo)
        assert (rota.perfil, rota.sistema, rota.url("producao")) == (perfil, sistema, producao)
        assert rota.opcoes.get("dialeto", "sefin") == dialeto
        if dialeto in COM_CREDENCIAIS:
            credenciais(gateway, municipal)
        if municipal.dialeto is not None and municipal.dialeto.SEFIN_NACIONAL:
            # its notes are the national environment's: queried there
            gateway.runtime.settings.nacional_url_homologacao = municipal.sefin_url
        nota = gateway.autorizar(f"dps-{sistema}", _nota(codigo))
        assert [n["chaveAcesso"] for n in municipal.emitidas()] == [nota["chave_acesso"]]
        assert gateway.sandbox.emitidas() == []
        completa = gateway.client.get(f"/v2/nfse/dps-{sistema}?completa=1").json()
        assert completa["chave_acesso"] == nota["chave_acesso"]
        cancel = gateway.client.request(
            "DELETE", f"/v2/nfse/dps-{sistema}",
            content=json.dumps({"justificativa": "Cancelamento de teste da DPS"}))
        assert cancel.status_code == 200 and cancel.json() == {"status": "cancelado"}
        assert municipal.emitidas()[0]["cancelada"] is True
    finally:
        municipal.stop()


def test_without_a_test_address_homologacao_goes_to_the_national_one(
        gateway: Gateway) -> None:
    nota = gateway.autorizar("franca-nacional", _nota(FRANCA))
    assert [n["chaveAcesso"] for n in gateway.sandbox.emitidas()] == [nota["chave_acesso"]]


@pytest.mark.parametrize("codigo", sorted(EMISSOR_PROPRIO))
def test_sefin_codes_of_an_own_emitter_municipality_explain_it(codigo: str) -> None:
    mensagem = mensagem_emissor_proprio([Erro("E0001", "outro"), Erro(codigo, "recusa")])
    assert mensagem and "próprio sistema" in mensagem


def test_other_sefin_refusals_keep_their_own_message() -> None:
    assert mensagem_emissor_proprio([Erro("E0004", "Id da DPS difere")]) is None
    assert mensagem_emissor_proprio([]) is None
    outro = Erro("E0004", "Id da DPS difere")
    assert explicar_emissor_proprio([outro]) == (outro,)


def test_the_explanation_is_the_correction_of_the_sefin_code() -> None:
    [erro] = explicar_emissor_proprio([Erro("E0084", "Estabelecimento inexistente no CNC")])
    assert erro.codigo == "E0084" and erro.mensagem == "Estabelecimento inexistente no CNC"
    assert erro.correcao and "próprio sistema" in erro.correcao
    dada = Erro("E0120", "Inscrição municipal desconhecida", "Informe a inscrição do CNC")
    assert explicar_emissor_proprio([dada]) == (dada,)  # the Sefin's own correction stays
