"""``nfse municipios cobertura``: the share of municipalities and population a working
provider serves, by system, from the registry in use (issue 22, point 5)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nfse.cli import app
from nfse.municipios import provedores, routing
from nfse.municipios.cobertura import EMISSOR_NACIONAL, cobertura


@pytest.fixture(autouse=True)
def tabela() -> Iterator[None]:
    routing.carregar(None)
    yield
    routing.carregar(None)


def _linha(saida: str, sistema: str) -> list[str]:
    for linha in saida.splitlines():
        if linha.startswith(sistema + " "):
            return re.split(r"\s{2,}", linha.strip())
    raise AssertionError(f"{sistema} ausente de:\n{saida}")


def test_coverage_of_the_shipped_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NFSE_MUNICIPIOS_FILE", raising=False)
    result = CliRunner().invoke(app, ["municipios", "cobertura"])
    assert result.exit_code == 0, result.output
    saida = result.output
    assert _linha(saida, EMISSOR_NACIONAL)[1:] == [
        "2,517", "2,517", "83,467,841", "83,467,841", "100.0 %", "83,467,841"]
    assert _linha(saida, "ISSSaoPaulo")[1:] == [
        "1", "1", "11,895,578", "11,895,578", "100.0 %", "11,895,578"]
    # Infisc and SimplISS take the national DPS with the Sefin's API at each city's address
    # (enderecos.csv): all 9 Infisc cities; 16 of 20 SimplISS (4 publish a plain http
    # address; Volta Redonda, on SimplISS's old ABRASF web service, is "SimplISS 2.03")
    assert _linha(saida, "Infisc")[1:5] == ["9", "9", "1,291,237", "1,291,237"]
    assert _linha(saida, "SimplISS")[1:3] == ["20", "16"]
    # Betha and Pronim take the national DPS in their own dialects (docs/dps-municipal.md):
    # every city (Betha's one address, Pronim's in enderecos.csv); SilTecnologia takes an
    # NFS-e built by the emitter around the DPS (docs/siltecnologia.md): its 8 cities with an
    # https production address (Cubatão publishes plain http)
    assert _linha(saida, "Betha")[1:5] == ["162", "162", "2,973,771", "2,973,771"]
    assert _linha(saida, "Pronim")[1:5] == ["151", "151", "3,380,999", "3,380,999"]
    assert _linha(saida, "SilTecnologia")[1:5] == ["9", "8", "2,964,090", "2,849,008"]
    # Citta, the same kind of note in its own lot: the 5 of its 22 cities with a production
    # address
    assert _linha(saida, "Citta")[1:5] == ["22", "5", "66,655", "21,202"]
    # ABase and ModernizacaoPublica too, with the company's municipal credentials: ABase's one
    # address serves its 34 cities; ModernizacaoPublica's 2 with a production address
    # (Belford Roxo, Magé)
    assert _linha(saida, "ABase")[1:5] == ["34", "34", "333,575", "333,575"]
    assert _linha(saida, "ModernizacaoPublica")[1:5] == ["7", "2", "1,388,775", "762,355"]
    # RLZ 1.01: the national DPS with the Sefin's API at each city's https address
    # (sistemas/rlz.toml); General Salgado publishes plain http; Cáceres stays on the old
    # ABRASF entry of provedores.toml (plain http)
    # (Santa Carmem's system from its row of enderecos.csv, below)
    assert _linha(saida, "RLZ")[1:5] == ["9", "7", "547,097", "445,022"]
    # ISSNet: the 14 own-emitter municipalities on the 2.04 web service with an address in
    # enderecos.csv, and Barcarena on the ABRASF 1.0 one (https; sistemas/issnet_v1.toml);
    # the other 6 only have ABRASF 1.0 addresses in plain http
    assert _linha(saida, "ISSNet")[1:5] == ["21", "15", "9,381,075", "9,249,160"]
    # EL and Síntese on the abrasf provider (ABRASF 2.04): EL's 72 cities on 2.04 with an
    # https address (16 are on EL's own 1.00 layout, 2 publish plain http); every Síntese
    assert _linha(saida, "EL")[1:5] == ["91", "72", "4,147,856", "3,391,796"]
    assert _linha(saida, "Sintese")[1:3] == ["55", "55"]
    # ABRASF 2.02 and 2.00 families (versao_layout), their cities on those layouts; WebISS's
    # other 16, on its ABRASF 1.0 web service, by abrasf_v1 (sistemas/webiss_v1.toml)
    assert _linha(saida, "WebISS")[1:5] == ["76", "76", "6,635,596", "6,635,596"]
    assert _linha(saida, "GestaoISS")[1:3] == ["8", "8"]
    assert _linha(saida, "Futurize")[1:3] == ["109", "109"]
    assert _linha(saida, "GovDigital")[1:3] == ["17", "17"]
    # IPM's own layout (1.01) at each city's atende.net address
    assert _linha(saida, "IPM")[1:5] == ["109", "109", "4,399,457", "4,399,457"]
    # Ginfes (abrasf_v1): one production address for every municipality
    assert _linha(saida, "Ginfes")[1:5] == ["14", "14", "4,040,820", "4,040,820"]
    # systems of their own namespaces or of the company's credentials in the call: GISS
    # Online (2.04 in its namespaces), Tributus (tokenAuth), Saatri (WS-Security)
    assert _linha(saida, "Giss")[1:5] == ["20", "20", "5,452,568", "5,452,568"]
    assert _linha(saida, "Tributus")[1:5] == ["71", "71", "2,313,292", "2,313,292"]
    assert _linha(saida, "Saatri")[1:5] == ["36", "36", "1,142,062", "1,142,062"]
    # the document elsewhere in the SOAP body (forma_documento): DSF and Fisco whole, Tinus's
    # 35 on 2.03 (2 are on its 1.00), Fiorilli's 52 with an https address (50 on 2.00, Ji-Paraná
    # and Ponta Porã on 1.00 through the national DPS; 249 of its 2.00 cities publish plain
    # http; the rest are on 1.01 or without an address)
    assert _linha(saida, "DSF")[1:5] == ["5", "5", "4,672,069", "4,672,069"]
    assert _linha(saida, "Fisco")[1:3] == ["43", "43"]
    assert _linha(saida, "Tinus")[1:5] == ["37", "35", "3,541,975", "3,532,024"]
    assert _linha(saida, "Fiorilli")[1:5] == ["306", "52", "5,810,257", "1,482,530"]
    # ISSFortaleza (abrasf_v1, Ginfes' v03 documents in its own wrapping) at its 1.00 address
    assert _linha(saida, "ISSFortaleza")[1:5] == ["1", "1", "2,574,412", "2,574,412"]
    # ISSSalvador (abrasf_v1, the city's ABRASF schema and .NET services) at its 1.00 address
    assert _linha(saida, "ISSSalvador")[1:5] == ["1", "1", "2,568,928", "2,568,928"]
    # own layouts: EloTech 2.03 (requerente with the company's password, the document as
    # body), MegaSoft 2.00 (its namespace, a 1.00 header, no cancellation)
    assert _linha(saida, "EloTech")[1:5] == ["72", "72", "1,524,677", "1,524,677"]
    assert _linha(saida, "MegaSoft")[1:5] == ["80", "80", "651,371", "651,371"]
    # Tiplan: two cities on its ABRASF 2.03 web service (Angra dos Reis, Rio das Ostras), two
    # on its own DPS API (Macaé, Americana), three on Tiplan 1.0 (abrasf_v1 with the
    # tiplan/inputxml options: Itaguaí, Mangaratiba, Piraí)
    assert _linha(saida, "Tiplan")[1:5] == ["7", "7", "1,054,670", "1,054,670"]
    # Campinas (ISSCampinas) and Campo Grande (ISSDSF) on DSF's 2.03 web service; Nova
    # Iguaçu's ISSDSF 1.00 is plain http
    assert _linha(saida, "ISSCampinas")[1:3] == ["1", "1"]
    assert _linha(saida, "ISSDSF")[1:5] == ["2", "1", "1,797,583", "954,537"]
    # Publica 1.00 on abrasf_v1 (docs/sistemas-restantes.md): the https addresses (Assú's
    # system from UniNFe's list, below)
    assert _linha(saida, "Publica")[1:5] == ["9", "5", "820,570", "727,812"]
    # SigCorp's 5 cities of the xml parameter (the service namespace the environment's
    # address); Franco da Rocha, on its other dialect, apart
    assert _linha(saida, "SigCorp")[1:5] == ["5", "5", "566,427", "566,427"]
    assert _linha(saida, "SigCorp 1")[1:3] == ["1", "0"]
    # Prodata (ABRASF 2.01): 5 of its 7 cities publish an https production address
    assert _linha(saida, "Prodata")[1:5] == ["7", "5", "467,734", "221,105"]
    # IPM's 24 ABRASF 2.04 cities (HTTP Basic, the content under net.atende)
    assert _linha(saida, "IPM 2.04")[1:5] == ["24", "24", "1,166,145", "1,166,145"]
    # Giap's own REST layout at each city's ords address; Porto Ferreira is on another Giap
    # service, in plain http
    assert _linha(saida, "Giap")[1:5] == ["4", "4", "1,197,107", "1,197,107"]
    assert _linha(saida, "Giap WSNfsesPrf")[1:3] == ["1", "0"]
    # SigISSWeb's own REST layout at each city's ws<cidade>.sigissweb.com
    assert _linha(saida, "SigISSWeb")[1:5] == ["11", "11", "983,336", "983,336"]
    # the smaller ABRASF families (docs/abrasf-familias-menores.md): Juiz de Fora (fintelISS;
    # Paracambi, on fintelISS 2.02, apart), Camaçari, Volta Redonda (SimplISS 2.03), and
    # PublicSoft's 21 cities at its one REST address
    assert _linha(saida, "fintelISS")[1:5] == ["1", "1", "565,764", "565,764"]
    assert _linha(saida, "fintelISS 2.02")[1:3] == ["1", "0"]
    assert _linha(saida, "ISSCamacari")[1:5] == ["1", "1", "319,394", "319,394"]
    assert _linha(saida, "SimplISS 2.03")[1:5] == ["1", "1", "279,898", "279,898"]
    assert _linha(saida, "PublicSoft")[1:5] == ["21", "21", "276,846", "276,846"]

    # eGoverneISS (Osasco), its own WCF SOAP service
    assert _linha(saida, "eGoverneISS")[1:5] == ["1", "1", "756,952", "756,952"]
    # Conam's own layout (asynchronous lots) at each city's etransparencia address
    assert _linha(saida, "Conam")[1:5] == ["12", "12", "1,308,150", "1,308,150"]
    # Coplan: the national DPS in its GeneXus envelope (1.01) and ABRASF 2.01 in the same
    # envelope; Gaúcha do Norte is left out (2.01 at the 1.01 address, docs/coplan.md)
    assert _linha(saida, "Coplan")[1:5] == ["28", "27", "824,664", "815,483"]
    # Centi 2.02 over JSON (sistemas/centi.toml): its 22 own-emitter cities with an https
    # address; 14 publish plain http
    assert _linha(saida, "Centi")[1:5] == ["36", "22", "1,245,858", "1,093,404"]
    # Agili's own layout (nfse_v_1.00.xsd): each request names the city by the Prefeitura's
    # CNPJ, known for Rondonópolis only; the other 14 wait for theirs
    assert _linha(saida, "Agili")[1:5] == ["1", "1", "259,167", "259,167"]
    assert _linha(saida, "Agili sem unidade gestora")[1:3] == ["14", "0"]
    # Equiplano's e-NFS (SOAP at www.esnfs.com.br, one idEntidade per city)
    assert _linha(saida, "Equiplano")[1:5] == ["22", "22", "501,987", "501,987"]
    # iiBrasil 2.04 (sistemas/iibrasil.toml): Limeira and São Sebastião
    assert _linha(saida, "iiBrasil")[1:5] == ["2", "2", "384,747", "384,747"]
    # VersaTecnologia 2.04 (sistemas/versatecnologia.toml): the 5 https cities, each with
    # its own namespaces; 6 publish plain http, Vermelho Novo issues nationally
    assert _linha(saida, "VersaTecnologia")[1:5] == ["11", "5", "219,522", "56,224"]
    # SigISS's own SOAP rpc (sigiss_ws.php): its 4 cities, 1.00 and 1.01
    assert _linha(saida, "SigISS")[1:5] == ["4", "4", "572,587", "572,587"]
    # CTA 2.00's own XML files over multipart (wsnfse/): Itaboraí and Vassouras
    assert _linha(saida, "CTA")[1:5] == ["2", "2", "275,944", "275,944"]
    # A municipality emissores.csv gives no system takes its row of enderecos.csv (13 rows:
    # Machadinho D'Oeste and Lagoa de Itaenga on Fiorilli 2.00, Santa Carmem on RLZ 1.01 and
    # Assú on Publica served), else sistemas_uninfe.csv's (UniNFe's list): Presidente Castelo
    # Branco (Betha) served, four Equiplano cities wait for their idEntidade
    assert _linha(saida, "Equiplano sem idEntidade")[1:3] == ["4", "0"]
    assert _linha(saida, "(sistema não identificado)")[1:3] == ["972", "0"]
    # the small families (docs/abrasf-familias-pequenas.md): Actcon 2.02's 8 cities (Aimorés,
    # Actcon in UniNFe's list only, has no address); the
    # national DPS in the envelopes of ISSDigital 1.01 (3 cities) and Fiorilli 1.00
    # (Ji-Paraná, Ponta Porã: Fiorilli's row grows by 2 and 236,936)
    assert _linha(saida, "Actcon")[1:5] == ["9", "8", "145,840", "119,675"]
    assert _linha(saida, "ISSDigital")[1:5] == ["3", "3", "190,747", "190,747"]
    # ISSLegal 2.03: the reference WSDL with the contribuinte's key as Authorization
    assert _linha(saida, "ISSLegal")[1:5] == ["8", "8", "37,488", "37,488"]
    # Intertec (Vinhedo): Giap's layout and dialogue, the giap profile
    assert _linha(saida, "Intertec")[1:5] == ["1", "1", "79,235", "79,235"]
    # ISSIntel 1.00: its six own-emitter cities with https (docs/abrasf1-familias.md)
    assert _linha(saida, "ISSIntel")[1:5] == ["6", "6", "249,121", "249,121"]
    assert _linha(saida, "Total")[1:3] == ["5,571", "4,014"]
    assert "população atendida: 182,426,120 de 212,589,522 (85.8 %)" in saida


CUBATAO = 115_082
"""The people of the one SilTecnologia city the shipped registry does not serve in produção
(its published address is plain http)."""


def test_coverage_with_the_opt_in_to_plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """The last column and line: who is served when the operator allows the plain http
    addresses of the registry (NFSE_PERMITIR_HTTP_MUNICIPAL, docs/http-municipal.md), the
    TLS-only columns unchanged whatever the setting says."""
    monkeypatch.delenv("NFSE_MUNICIPIOS_FILE", raising=False)
    monkeypatch.setenv("NFSE_PERMITIR_HTTP_MUNICIPAL", "1")
    saida = CliRunner().invoke(app, ["municipios", "cobertura"]).output
    # Fiorilli 2.00: the 48 https cities, then its 245 http ones; EL 2.04's 2 http cities
    assert _linha(saida, "Fiorilli")[1:] == [
        "306", "52", "5,810,257", "1,482,530", "25.5 %", "5,687,712"]
    assert _linha(saida, "EL")[4:] == ["3,391,796", "81.8 %", "3,827,180"]
    assert _linha(saida, "Prodata")[4:] == ["221,105", "47.3 %", "467,734"]
    # a system we do not speak stays out either way
    assert _linha(saida, "Aspec")[4:] == ["0", "0.0 %", "0"]
    # SpeedGov 1.00 (abrasf_v1, all http): 31 of its 34 cities, the other 3 on its 1.01 API
    assert _linha(saida, "SpeedGov")[1:] == [
        "34", "0", "2,801,566", "0", "0.0 %", "2,675,341"]
    assert ("Com NFSE_PERMITIR_HTTP_MUNICIPAL=1 (http sem TLS, docs/http-municipal.md): "
            "municípios atendidos: 4,322 de 5,571 (77.6 %); população atendida: "
            "190,403,262 de 212,589,522 (89.6 %)") in saida


SILTECNOLOGIA = 2_964_090
"""The people of SilTecnologia's 9 own-emitter cities."""


def test_the_operators_file_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text('[municipios."3550308"]\nperfil = "dps_municipal"\n'
                       'url_producao = "https://sp.example/sefinnacional"\n'
                       '[sistemas.SilTecnologia]\nperfil = "dps_municipal"\n'
                       'url_producao = "https://sil.example/sefinnacional"\n',
                       encoding="utf-8")
    provedores.carregar()
    embarcado, _ = cobertura()
    monkeypatch.setenv("NFSE_MUNICIPIOS_FILE", str(arquivo))
    result = CliRunner().invoke(app, ["municipios", "cobertura"])
    assert result.exit_code == 0, result.output
    assert _linha(result.output, "ISSSaoPaulo")[1:3] == ["1", "1"]
    assert _linha(result.output, "SilTecnologia")[1:3] == ["9", "9"]
    total, _ = cobertura()
    # São Paulo (already served) and the SilTecnologia city the shipped registry leaves out
    # (the operator's address for the system; the others keep their own) on top of it
    assert total.populacao_atendida == embarcado.populacao_atendida + CUBATAO


def test_homologacao_counts_systems_without_a_production_address() -> None:
    producao, _ = cobertura("producao")
    homologacao, linhas = cobertura("homologacao")
    assert homologacao.populacao_atendida > producao.populacao_atendida
    sil = next(linha for linha in linhas if linha.sistema == "SilTecnologia")
    assert sil.municipios_atendidos == sil.municipios == 9


def test_a_bad_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arquivo = tmp_path / "municipios.toml"
    arquivo.write_text('[municipios."3550308"]\nperfil = "nenhum"\n', encoding="utf-8")
    monkeypatch.setenv("NFSE_MUNICIPIOS_FILE", str(arquivo))
    result = CliRunner().invoke(app, ["municipios", "cobertura"])
    assert result.exit_code == 1
    assert 'o perfil "nenhum" não existe' in result.output
