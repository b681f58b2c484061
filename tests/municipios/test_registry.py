"""The municipality registry (municipios/): the IBGE table, the routing table shipped in
provedores.toml and extended by NFSE_MUNICIPIOS_FILE, the SPEC §6 flags and the LC 116
service list."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from nfse.config import Settings
from nfse.municipios import provedores, registry, routing, servicos

SERTAOZINHO = "3551702"  # national emitter since 2025-10-01
CACERES = "5102504"  # RLZ on the ABRASF reference WSDL
FRANCA = "3516200"  # SilTecnologia: the emitter's NFS-e at its own address
CUBATAO = "3513504"  # SilTecnologia, a plain http production address only
CAXIAS = "4305108"  # Infisc: the national DPS at sefin.caxias.rs.gov.br
SAO_PAULO = "3550308"  # own emitter (NFS-e Paulistana), served by the paulistana provider
CAMPINA_VERDE = "3111101"  # own emitter (Horus), not served
CUIABA = "5103403"  # ISSNet 2.04: its production address from enderecos.csv
MANTENA = "3139607"  # ISSNet whose only address in ACBr's table is the ABRASF 1.0 one (http)
BARCARENA = "1501303"  # ISSNet on the ABRASF 1.0 web service (https): abrasf_v1, issnet_100
BLUMENAU = "4202404"  # SimplISS: the national DPS at its own address, from enderecos.csv
# Prestadores of the tests and benchmarks on the Sefin Nacional (Curitiba, Rio de Janeiro).
SEFIN = ("4106902", "3304557", SERTAOZINHO)


@pytest.fixture(autouse=True)
def tabela_embarcada() -> Iterator[None]:
    """Every test starts and ends with the shipped table alone (the table is process-wide)."""
    routing.carregar(None)
    yield
    routing.carregar(None)


def escrever(tmp_path: Path, texto: str, nome: str = "municipios.toml") -> Path:
    arquivo = tmp_path / nome
    arquivo.write_text(texto, encoding="utf-8")
    return arquivo


def test_every_ibge_code_is_known() -> None:
    todos = registry.all_municipios()
    assert len(todos) == len({m.codigo for m in todos}) >= 5570
    assert registry.get("3550308") == registry.Municipio("3550308", "São Paulo", "SP")
    assert registry.get("9999999") is None
    assert {m.uf for m in todos} == set(registry.NOME_UF)
    assert registry.NOME_UF["SP"] == "São Paulo" and registry.NOME_UF["DF"] == "Distrito Federal"


def test_national_emitter_and_unknown_codes_go_to_the_sefin() -> None:
    for codigo in (*SEFIN, "9999999", "abc", ""):
        assert routing.provider_for(codigo) == routing.NACIONAL
        assert routing.rota(codigo) == routing.Rota(provedor="nacional", perfil="nacional")
        assert routing.rota(codigo).problema("producao") is None
        assert routing.nao_atendido(codigo, "producao") is None
    assert routing.rota("4106902").url("producao") is None


def test_the_seed_is_the_official_list_joined_to_the_systems() -> None:
    sementes = provedores.sementes()
    assert set(sementes) == {m.codigo for m in registry.all_municipios()}
    proprios = [s for s in sementes.values() if not s.emissor_nacional]
    assert len(proprios) == 3054 and len(sementes) - len(proprios) == 2517
    assert sementes[SAO_PAULO] == provedores.Semente(False, "ISSSaoPaulo", 11895578)
    assert sementes[SERTAOZINHO].emissor_nacional is True
    assert sementes[FRANCA].sistema == "SilTecnologia"
    populacao = sum(s.populacao for s in sementes.values())
    assert 200_000_000 < populacao < 220_000_000


def test_own_emitters_of_unsupported_systems_are_refused_naming_the_system() -> None:
    for codigo, sistema in ((CAMPINA_VERDE, "Horus"),):
        rota = routing.rota(codigo)
        assert rota.sistema == sistema and rota.motivo and sistema in rota.motivo
        for ambiente in ("producao", "homologacao"):
            mensagem = routing.nao_atendido(codigo, ambiente)
            assert mensagem and sistema in mensagem
        assert routing.flags(codigo)["nfse_habilitada"] is False
        assert routing.flags(codigo)["provedor_nfse"] is None
    sp = routing.rota(SAO_PAULO)
    assert (sp.provedor, sp.sistema, sp.motivo) == ("paulistana", "ISSSaoPaulo", None)
    assert "Campina Verde/MG" in routing.nao_atendido(CAMPINA_VERDE, "producao")


def test_national_dps_at_the_municipal_systems_address() -> None:
    caxias = routing.rota(CAXIAS)
    assert (caxias.provedor, caxias.perfil, caxias.sistema) == (
        "nacional", "dps_municipal", "Infisc")
    assert caxias.dps_municipal
    assert caxias.url("producao") == "https://sefin.caxias.rs.gov.br/sefinnacional"
    assert caxias.problema("producao") is None

    blumenau = routing.rota(BLUMENAU)
    assert (blumenau.perfil, blumenau.sistema) == ("dps_municipal", "SimplISS")
    assert blumenau.url("producao") == "https://nfseblumenau.simplissweb.com.br"
    assert blumenau.url("homologacao") == "https://producaorestrita.simplissweb.com.br"
    assert blumenau.problema("producao") is None

    cubatao = routing.rota(CUBATAO)
    assert (cubatao.provedor, cubatao.sistema, cubatao.dps_municipal) == (
        "nacional", "SilTecnologia", True)
    # SilTecnologia's production addresses are given per city (sistemas/siltecnologia.toml);
    # Cubatão publishes only a plain http one: homologação only (at the national test
    # environment)
    assert cubatao.url("producao") is None and cubatao.url("homologacao") is None
    assert cubatao.problema("homologacao") is None
    assert "SilTecnologia" in routing.nao_atendido(CUBATAO, "producao")
    assert "Cubatão/SP" in routing.nao_atendido(CUBATAO, "producao")
    assert routing.flags(CUBATAO)["provedor_nfse"] == "nacional"


def test_shipped_file_routes_real_abrasf_municipalities() -> None:
    rota = routing.rota(CACERES)
    assert rota.provedor == routing.provider_for(CACERES) == "abrasf"
    assert (rota.perfil, rota.sistema) == ("abrasf_204", "RLZ")
    assert rota.url("producao") == "http://177.4.174.14:800/webservice/nfse"
    assert rota.url("homologacao") == "https://caceres.prefeitura.rlz.com.br/api/webservice/nfse"
    assert dict(rota.opcoes) == {
        "versao_soap": "1.1", "emissao": "GerarNfse",
        "namespace_servico": "http://nfse.abrasf.org.br", "parametros_qualificados": False,
        "assinatura": "sha1", "formato_item_lista": "01.07", "autenticacao": "certificado"}
    with pytest.raises(TypeError):
        rota.opcoes["assinatura"] = "sha256"  # type: ignore[index]
    # its published production address is plain http: the transport speaks only TLS
    assert routing.rota(CACERES).problema("homologacao") is None
    assert "não usa TLS" in routing.nao_atendido(CACERES, "producao")


def test_shipped_file_routes_issnet_municipalities() -> None:
    """ISSNet's ABRASF 2.04 dialect as a profile; production only where its address is
    documented, homologação at the one test address of every ISSNet city."""
    brasilia = routing.rota("5300108")
    assert (brasilia.provedor, brasilia.perfil, brasilia.sistema) == (
        "abrasf", "issnet_204", "ISSNet")
    assert brasilia.url("producao") == "https://df.issnetonline.com.br/webservicenfse204/nfse.asmx"
    homologacao = "https://www.issnetonline.com.br/homologaabrasf/webservicenfse204/nfse.asmx"
    assert brasilia.url("homologacao") == homologacao
    assert brasilia.opcoes["sufixo_requisicao"] == ""
    assert brasilia.opcoes["codigo_municipio_homologacao"] == "5002704"
    assert brasilia.problema("producao") is None
    assert routing.flags("5300108")["nfse_habilitada"] is True
    cuiaba = routing.rota(CUIABA)
    assert (cuiaba.perfil, cuiaba.url("homologacao")) == ("issnet_204", homologacao)
    assert cuiaba.url("producao") == "https://wscuiaba.issnetonline.com.br/webservicenfse204/nfse.asmx"
    assert cuiaba.problema("producao") is None
    # [sistemas.ISSNet] versoes = ["2.04"]: the ABRASF 1.0 address is not taken
    mantena = routing.rota(MANTENA)
    assert (mantena.perfil, mantena.url("producao")) == ("issnet_204", None)
    assert mantena.problema("homologacao") is None
    assert "ISSNet" in routing.nao_atendido(MANTENA, "producao")
    # Barcarena's ABRASF 1.0 address is https: its own entry (sistemas/issnet_v1.toml)
    barcarena = routing.rota(BARCARENA)
    assert (barcarena.perfil, barcarena.sistema) == ("issnet_100", "ISSNet")
    assert barcarena.url("producao") == \
        "https://abrasf.issnetonline.com.br/webserviceabrasf/barcarena/servicos.asmx"


def test_the_generated_addresses_are_the_municipalities_systems() -> None:
    enderecos = provedores.enderecos()
    sementes = provedores.sementes()
    assert enderecos["5300108"] == provedores.Enderecos(
        "ISSNet", "2.04", "https://df.issnetonline.com.br/webservicenfse204/nfse.asmx",
        "https://www.issnetonline.com.br/homologaabrasf/webservicenfse204/nfse.asmx")
    # the same table as the seed: where the seed names a system, it is the row's
    iguais = [c for c, e in enderecos.items() if sementes[c].sistema == e.sistema]
    assert len(iguais) > 0.99 * len(enderecos) > 2400
    assert all(e.url_producao or e.url_homologacao or e.url_homologacao_http
               for e in enderecos.values())


PRECEDENCIA = """
[sistemas.ISSNet]
perfil = "issnet_204"
versoes = ["2.04"]
url_homologacao = "https://homologacao.issnet.example/nfse.asmx"

[sistemas.SilTecnologia]
perfil = "dps_municipal"

[municipios."5208707"]
perfil = "issnet_204"
url_producao = "https://goiania.example/nfse.asmx"

[municipios."5201108"]
perfil = "issnet_204"
"""


def test_addresses_come_from_the_municipality_then_the_system_then_the_generated_file(
        tmp_path: Path) -> None:
    routing.carregar(escrever(tmp_path, PRECEDENCIA))
    # Goiânia: its own entry's production address; the system's homologação
    goiania = routing.rota("5208707")
    assert goiania.url("producao") == "https://goiania.example/nfse.asmx"
    assert goiania.url("homologacao") == "https://homologacao.issnet.example/nfse.asmx"
    # Anápolis: an entry without address takes enderecos.csv's production address
    assert routing.rota("5201108").url("producao") == \
        "https://nfse.issnetonline.com.br/abrasf204/anapolis/nfse.asmx"
    # Cuiabá, by its system: the file's production address, the system's homologação
    cuiaba = routing.rota(CUIABA)
    assert cuiaba.url("producao") == \
        "https://wscuiaba.issnetonline.com.br/webservicenfse204/nfse.asmx"
    assert cuiaba.url("homologacao") == "https://homologacao.issnet.example/nfse.asmx"
    # the operator's SilTecnologia without "enderecos = false" takes Franca's addresses
    franca = routing.rota(FRANCA)
    assert franca.url("producao") == \
        "https://franca.siltecnologia.com.br/services/NotaFiscalNacional"
    assert franca.problema("producao") is None


def test_a_system_with_its_own_address_keeps_it_for_every_municipality(
        tmp_path: Path) -> None:
    routing.carregar(escrever(tmp_path, '[sistemas.ISSNet]\nperfil = "issnet_204"\n'
                                        'url_producao = "https://issnet.example/nfse.asmx"\n'))
    for codigo in (CUIABA, MANTENA, "5300108"):
        assert routing.rota(codigo).url("producao") == "https://issnet.example/nfse.asmx"


def test_an_address_of_another_system_is_not_taken(tmp_path: Path) -> None:
    """Cuiabá corrected to another system: ISSNet's address in enderecos.csv is not its."""
    routing.carregar(escrever(tmp_path, '[sistemas.Giss]\nperfil = "giss_204"\n'
                                        '[municipios."5103403"]\nsistema = "Giss"\n'))
    cuiaba = routing.rota(CUIABA)
    assert (cuiaba.sistema, cuiaba.url("producao")) == ("Giss", None)
    assert "Giss" in routing.nao_atendido(CUIABA, "producao")


def test_a_plain_http_homologacao_address_is_not_taken() -> None:
    """Petrolina/PE (EL): ACBr's table gives an http test address; homologação goes to the
    provider's default test address instead (NFSE_ABRASF_URL_HOMOLOGACAO)."""
    petrolina = routing.rota("2611101")
    assert (petrolina.sistema, petrolina.url("homologacao")) == ("EL", None)
    assert petrolina.problema("homologacao") is None
    # its production address is plain http too: kept, so produção says why it is not served
    assert "não usa TLS" in routing.nao_atendido("2611101", "producao")


def test_a_plain_http_production_address_is_not_served(tmp_path: Path) -> None:
    """Mantena/MG: ISSNet's ABRASF 1.0 address is http; taken, it is still not served."""
    routing.carregar(escrever(tmp_path, '[sistemas.ISSNet]\nperfil = "issnet_204"\n'))
    mantena = routing.rota("3139607")
    assert mantena.url("producao") == \
        "http://www.issnetonline.com.br/webserviceabrasf/mantena/servicos.asmx"
    assert "não usa TLS" in routing.nao_atendido("3139607", "producao")


def test_flags_default_to_the_national_standard() -> None:
    assert routing.flags("4106902") == {
        "nfse_habilitada": True, "requer_certificado_nfse": True,
        "possui_ambiente_homologacao_nfse": True, "possui_cancelamento_nfse": True,
        "endereco_obrigatorio_nfse": False, "cpf_cnpj_obrigatorio_nfse": False,
        "codigo_cnae_obrigatorio_nfse": False, "item_lista_servico_obrigatorio_nfse": True,
        "codigo_tributario_municipio_obrigatorio_nfse": False, "status_nfse": "ativo",
        "provedor_nfse": "nacional"}
    assert routing.flags(CACERES)["provedor_nfse"] == "abrasf"
    routing.flags("4106902")["nfse_habilitada"] = False  # a copy: the table is untouched
    assert routing.flags("4106902")["nfse_habilitada"] is True


EXTRA = """
[perfis.webiss_204]
padrao = "abrasf"
versao_soap = "1.2"
parametros_qualificados = true
formato_item_lista = "0107"
endereco_obrigatorio_nfse = true
codigos_rps_duplicado = ["E10", "E160"]

[municipios."5102504"]          # Cáceres to the national standard
perfil = "nacional"

[municipios."3550308"]          # São Paulo: the official list wrong, say
perfil = "nacional"

[sistemas.ISSNet]               # Brasília, Goiânia... through a profile
perfil = "webiss_204"
url_producao = "https://issnet.example/ws"

[perfis.nacional_issnet]
padrao = "nacional"

[municipios."5208707"]          # Goiânia: the national DPS, at ISSNet's address
perfil = "nacional_issnet"

[municipios."3516200"]          # Franca: its production address
perfil = "dps_municipal"
url_producao = "https://franca.example/sefinnacional"

[municipios."2800308"]          # Aracaju
perfil = "webiss_204"
url_producao = "https://aracaju.example/ws/nfse.asmx"
codigo_cnae_obrigatorio_nfse = true
assinatura = "sha256"
codigos_tributarios = {"0107" = "Suporte técnico em informática", " 1401 " = " Manutenção "}
"""


def test_extra_file_replaces_entries_and_adds_profiles(tmp_path: Path) -> None:
    routing.carregar(escrever(tmp_path, EXTRA))
    assert routing.provider_for(CACERES) == "nacional"
    assert routing.rota(CACERES).sistema is None
    assert routing.nao_atendido(SAO_PAULO, "producao") is None
    assert routing.rota(SAO_PAULO) == routing.Rota(provedor="nacional", perfil="nacional")
    cuiaba = routing.rota(CUIABA)
    assert (cuiaba.provedor, cuiaba.perfil, cuiaba.sistema) == (
        "abrasf", "webiss_204", "ISSNet")
    assert cuiaba.url("producao") == "https://issnet.example/ws"
    assert routing.flags(CUIABA)["nfse_habilitada"] is True
    franca = routing.rota(FRANCA)
    assert franca.url("producao") == "https://franca.example/sefinnacional"
    assert franca.sistema == "SilTecnologia" and franca.problema("producao") is None
    # a municipality of its own with a profile keeps its system's address
    goiania = routing.rota("5208707")
    assert (goiania.perfil, goiania.sistema) == ("nacional_issnet", "ISSNet")
    assert goiania.url("producao") == "https://issnet.example/ws"
    aracaju = routing.rota("2800308")
    assert (aracaju.provedor, aracaju.perfil) == ("abrasf", "webiss_204")
    assert aracaju.url("producao") == "https://aracaju.example/ws/nfse.asmx"
    # WebISS's one homologação (sistemas/webiss.toml), as for any municipality of the system
    assert aracaju.url("homologacao") == "https://homologacao.webiss.com.br/ws/nfse.asmx"
    assert dict(aracaju.opcoes) == {"versao_soap": "1.2", "parametros_qualificados": True,
                                    "formato_item_lista": "0107", "assinatura": "sha256",
                                    "codigos_rps_duplicado": ["E10", "E160"]}
    flags = routing.flags("2800308")
    assert flags["endereco_obrigatorio_nfse"] is True  # from the profile
    assert flags["codigo_cnae_obrigatorio_nfse"] is True  # from the municipality
    assert flags["provedor_nfse"] == "abrasf"
    assert routing.codigos_tributarios("2800308") == {
        "0107": "Suporte técnico em informática", "1401": "Manutenção"}
    assert routing.codigos_tributarios("4106902") == {}

    routing.carregar(None)
    assert routing.provider_for(CACERES) == "abrasf"
    assert routing.rota("2800308").perfil == "webiss_202" and routing.rota(CAMPINA_VERDE).motivo
    assert routing.rota(CUIABA).perfil == "issnet_204"


def test_settings_read_the_file_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().municipios_file is None
    arquivo = escrever(tmp_path, EXTRA)
    monkeypatch.setenv("NFSE_MUNICIPIOS_FILE", str(arquivo))
    assert Settings().municipios_file == arquivo


@pytest.mark.parametrize(("texto", "chave", "problema"), [
    ("[municipios.3551702\nperfil = 'x'", None, "TOML inválido"),
    ("[municipio.\"3551702\"]\nperfil = \"nacional\"", "municipio", "chave desconhecida"),
    ("[municipios.\"355170\"]\nperfil = \"nacional\"", 'municipios."355170"', "7 dígitos"),
    ("[municipios.\"3599999\"]\nperfil = \"nacional\"", 'municipios."3599999"', "inexistente"),
    ("[municipios.\"2800308\"]\nurl_producao = \"https://x\"", 'municipios."2800308".perfil',
     "obrigatório"),
    ("[municipios.\"2800308\"]\nsistema = \"\"", 'municipios."2800308".sistema',
     "nome de um sistema"),
    ("[sistemas.X]\nurl_producao = \"https://x\"", "sistemas.X.perfil", "obrigatório"),
    ("[sistemas.X]\nperfil = \"webiss\"", "sistemas.X.perfil", 'o perfil "webiss" não existe'),
    ("[sistemas.X]\nperfil = \"nacional\"\nversoes = \"2.04\"", "sistemas.X.versoes",
     "lista de versões"),
    ("[sistemas.X]\nperfil = \"nacional\"\nenderecos = \"não\"", "sistemas.X.enderecos",
     "true ou false"),
    ("[perfis.novo]\npadrao = \"abrasf\"\nnomes_operacao = [\"ConsultarNfseRps\"]",
     "perfis.novo.nomes_operacao", "tabela"),
    ("[sistemas.X]\nperfil = \"nacional\"\nversao_soap = \"1.1\"", "sistemas.X.versao_soap",
     "chave desconhecida"),
    ("[municipios.\"2800308\"]\nperfil = \"webiss\"\nurl_producao = \"https://x\"",
     'municipios."2800308".perfil', 'o perfil "webiss" não existe'),
    ("[municipios.\"2800308\"]\nperfil = \"abrasf_204\"", 'municipios."2800308".url_producao',
     'obrigatório para o perfil "abrasf_204"'),
    ("[municipios.\"2800308\"]\nperfil = \"abrasf_204\"\nurl_producao = \"ftp://x\"",
     'municipios."2800308".url_producao', "http:// ou https://"),
    ("[municipios.\"2800308\"]\nperfil = \"nacional\"\nnfse_habilitada = \"sim\"",
     'municipios."2800308".nfse_habilitada', "true ou false"),
    ("[municipios.\"2800308\"]\nperfil = \"nacional\"\nformato_item = \"0107\"",
     'municipios."2800308".formato_item', "chave desconhecida"),
    ("[municipios.\"2800308\"]\nperfil = \"nacional\"\nstatus_nfse = \"fora_do_ar\"",
     'municipios."2800308".status_nfse', "valor 'fora_do_ar' inválido"),
    ("[municipios.\"2800308\"]\nperfil = \"nacional\"\ncodigos_tributarios = {\"1\" = 2}",
     'municipios."2800308".codigos_tributarios."1"', "descrição"),
    ("[perfis.novo]\nversao_soap = \"1.1\"", "perfis.novo.padrao", "obrigatório"),
    ("[perfis.novo]\npadrao = \"betha\"", "perfis.novo.padrao", "valor 'betha' inválido"),
    ("[perfis.novo]\npadrao = \"abrasf\"\nassinatura = \"md5\"", "perfis.novo.assinatura",
     '"sha1", "sha256"'),
    ("[perfis.novo]\npadrao = \"abrasf\"\ncodigos_rps_duplicado = \"E10\"",
     "perfis.novo.codigos_rps_duplicado", "lista de códigos"),
    ("[perfis.novo]\npadrao = \"abrasf\"\ncodigo_municipio_homologacao = \"50027\"",
     "perfis.novo.codigo_municipio_homologacao", "7 dígitos"),
    ("[perfis.nacional]\npadrao = \"abrasf\"", "perfis.nacional.padrao",
     'padrao = "nacional"'),
])
def test_bad_files_are_refused_naming_file_and_key(tmp_path: Path, texto: str,
                                                   chave: str | None, problema: str) -> None:
    arquivo = escrever(tmp_path, texto)
    with pytest.raises(routing.ConfiguracaoInvalida) as exc:
        routing.carregar(arquivo)
    mensagem = str(exc.value)
    assert mensagem.startswith(f"{arquivo}: ")
    if chave:
        assert f": {chave}: " in mensagem
    assert problema in mensagem
    assert routing.provider_for(CACERES) == "abrasf"  # the table in use is kept


def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    ausente = tmp_path / "nao-existe.toml"
    with pytest.raises(routing.ConfiguracaoInvalida, match=re.escape(str(ausente))):
        routing.carregar(ausente)
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('# São Paulo\n'.encode("latin-1"))
    with pytest.raises(routing.ConfiguracaoInvalida, match="UTF-8"):
        routing.carregar(latin1)


def test_service_list_is_the_abrasf_2_04_enumeration() -> None:
    itens = servicos.itens()
    assert len(itens) == 193
    assert [i.codigo for i in itens] == sorted(i.codigo for i in itens)
    assert itens[0] == servicos.ItemServico("01.01", "Análise e desenvolvimento de sistemas.")
    assert all(re.fullmatch(r"\d{2}\.\d{2}", i.codigo) and i.descricao for i in itens)
    assert servicos.item("40.01").descricao == "Obras de arte sob encomenda."


@pytest.mark.parametrize("escrito", ["01.07", "1.07", "0107", "107", "010701", "01.07.01",
                                     " 0107 "])
def test_item_codes_in_every_spelling(escrito: str) -> None:
    assert servicos.normalizar_item(escrito) == "01.07"
    assert servicos.item(escrito).descricao.startswith("Suporte técnico em informática")


def test_item_codes_that_are_not_items() -> None:
    for escrito in ("", "7", "01.7", "abcd", "0109", "99.99", "12345"):
        assert servicos.item(escrito) is None
    assert servicos.formatar("01.07", "0107") == "0107"
    assert servicos.formatar("01.07") == "01.07"
    assert servicos.formatar("01.07", "1.07") == "1.07"
    assert servicos.formatar("14.01", "1.07") == "14.01"
