"""Municipalities emissores.csv gives no system: the registry takes ACBr's own row of
enderecos.csv, else the second source (UniNFe's list of NFS-e municipalities), whose
generator reads the list and ACBr's system sections."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nfse.municipios import provedores, routing
from nfse.municipios.gerar_enderecos import ler
from nfse.municipios.gerar_sistemas_uninfe import CAMPOS, linhas, padroes
from nfse.municipios.provedores import Enderecos, Semente

WEBSERVICE = """<?xml version="1.0" encoding="utf-8"?>
<Webservice>
\t<Estado ID="BETHA" Nome="Geral - BETHA" UF="XX" Padrao="BETHA"></Estado>
\t<Estado ID="4120408" Nome="Presidente Castelo Branco - PR" UF="PR" Padrao="BETHA"></Estado>
\t<Estado ID="4120408" Nome="repetido" UF="PR" Padrao="IPM"></Estado>
\t<Estado ID="2400208" Nome="Assú - RN" UF="RN" Padrao="PUBLICA"></Estado>
\t<Estado ID="1502152" Nome="Canaã dos Carajás - PA" UF="PA" Padrao="FIORILLI"></Estado>
\t<Estado ID="3162955" Nome="São José da Lapa - MG" UF="MG" Padrao="SONNER"></Estado>
\t<Estado ID="3162708" Nome="São João do Paraíso - MG" UF="MG" Padrao="EL"></Estado>
\t<Estado ID="1100015" Nome="Alta Floresta - RO" UF="RO" Padrao="WEBISS"></Estado>
\t<Estado ID="3304557" Nome="Rio de Janeiro - RJ" UF="RJ" Padrao="NACIONAL"></Estado>
</Webservice>
"""

INI = """[Betha]
Versao=1.01
ProRecepcionar=https://betha.example/dps/ws
HomRecepcionar=https://betha.example/dps/ws

[Fiorilli]
HomRecepcionar=http://fiorilli.example/IssWebWSNacional
"""

SEMENTES = {
    "4120408": Semente(False, "", 4_336),
    "2400208": Semente(False, "", 58_906),
    "1502152": Semente(False, "PadraoNacional", 86_629),
    "3162955": Semente(False, "PadraoNacional", 27_710),
    "3162708": Semente(False, "", 24_604),
    "1100015": Semente(False, "WebISS", 22_853),
    "3304557": Semente(True, "PadraoNacional", 6_729_894),
}
ENDERECOS = {"2400208": Enderecos("Publica", "1.00", "https://assu.example/Services", None)}


def test_the_list_names_systems_only_where_acbr_names_none() -> None:
    lista = padroes(WEBSERVICE)
    assert lista["4120408"] == "BETHA" and "BETHA" not in lista  # first entry; codes only
    rows = {row["ibge"]: row for row in linhas(lista, ler(INI), SEMENTES, ENDERECOS)}
    assert all(list(row) == list(CAMPOS) for row in rows.values())
    # ACBr knows Alta Floresta's system; Rio issues through the national emitter
    assert sorted(rows) == ["1502152", "2400208", "3162708", "3162955", "4120408"]
    # the system's section gives the addresses and the version of a city it does not list
    assert rows["4120408"] == {
        "ibge": "4120408", "sistema": "Betha", "padrao_uninfe": "BETHA", "acbr": "",
        "versao": "1.01", "url_producao": "https://betha.example/dps/ws",
        "url_homologacao": "https://betha.example/dps/ws",
        "fonte": "UniNFe Webservice.xml; endereços: ACBrNFSeXServicos.ini [Betha]"}
    # a city enderecos.csv already has under the same system keeps those addresses
    assert (rows["2400208"]["sistema"], rows["2400208"]["url_producao"]) == ("Publica", "")
    assert rows["2400208"]["fonte"] == "UniNFe Webservice.xml; endereços: enderecos.csv"
    # what ACBr says stays on record; a padrão with no ACBr name has no system; a system
    # without a section has no address
    assert (rows["1502152"]["sistema"], rows["1502152"]["acbr"]) == ("Fiorilli", "PadraoNacional")
    assert rows["1502152"]["url_producao"] == ""
    assert (rows["3162955"]["sistema"], rows["3162955"]["padrao_uninfe"]) == ("", "SONNER")
    assert (rows["3162708"]["sistema"], rows["3162708"]["versao"]) == ("EL", "")


@pytest.fixture
def tabela_embarcada() -> Iterator[None]:
    routing.carregar(None)
    yield
    routing.carregar(None)


def test_the_registry_routes_a_city_only_the_second_source_knows(
        tabela_embarcada: None) -> None:
    # Presidente Castelo Branco/PR: Betha per UniNFe, [Betha]'s address
    rota = provedores.rota("4120408")
    assert (rota.sistema, rota.perfil) == ("Betha", "dps_betha")
    assert rota.url_producao == "https://nota-eletronica.betha.cloud:443/dps/ws"
    assert rota.problema("producao") is None
    # Assú/RN: Publica per UniNFe; its address is ACBr's own row of enderecos.csv
    assu = provedores.rota("2400208")
    assert (assu.sistema, assu.perfil) == ("Publica", "publica_100")
    assert assu.url_producao == "https://nfse-assu.e-publica.net/assu_nfse_integracao/Services"
    assert assu.problema("producao") is None
    # Canaã dos Carajás/PA: ACBr says the national emitter, the official list its own system:
    # UniNFe's Fiorilli is on record only
    canaa = provedores.rota("1502152")
    assert canaa.sistema is None and canaa.motivo is not None
    # São João do Paraíso/MG: EL, but no address for it anywhere
    assert "endereço de produção do sistema EL" in provedores.rota("3162708").problema("producao")
    # Imbituva/PR: Equiplano, without its idEntidade (sistemas/uninfe.toml)
    assert provedores.rota("4110102").sistema == "Equiplano sem idEntidade"
    # ACBr's table wins where it has a row
    assert provedores.enderecos()["2400208"] == provedores.enderecos_acbr()["2400208"]


def test_a_city_missing_from_the_seeds_facts_takes_acbrs_row(tabela_embarcada: None) -> None:
    """Machadinho D'Oeste/RO is not in the facts emissores.csv was built from (no system
    there), but ACBr's table has its section: Fiorilli 2.00 at its own https address."""
    assert provedores.sementes()["1100130"].sistema == ""
    rota = provedores.rota("1100130")
    assert (rota.sistema, rota.perfil) == ("Fiorilli", "fiorilli_200")
    assert rota.url_producao == ("https://nfe.machadinho.ro.gov.br/IssWeb-ejb/IssWebWS/"
                                 "IssWebWS")
    assert rota.problema("producao") is None
