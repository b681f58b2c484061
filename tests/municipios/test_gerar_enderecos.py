"""The generator of ``enderecos.csv``: each municipality's addresses as ACBr's table defines
them (its own section, else its system's; ``*`` for per-operation addresses; the version)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nfse.municipios import gerar_enderecos
from nfse.municipios.gerar_enderecos import CAMPOS, decodificar, ler, linhas

INI = """; comentário: [9999999] não é uma seção
[WebISS]
HomRecepcionar=https://homologacao.webiss.example/ws/nfse.asmx

[Betha]
Params=APIPropria:
Versao=1.01
ProRecepcionar=https://betha.example/dps/ws
HomRecepcionar=https://betha.example/dps/ws

[Facundo]
ProRecepcionar=*
ProGerarNFSe=https://facundo.example/wsnfeenvia.php
ProCancelarNFSe=https://facundo.example/wsnfecancela.php

[1100015]
Nome=Alta Floresta D Oeste
Provedor=WebISS
Versao=2.02
ProRecepcionar=https://altafloresta.webiss.example/ws/nfse.asmx{espacos}
;ProRecepcionar=https://antigo.example/ws

[1100023]
Nome=Ariquemes
Provedor=Fiorilli
Versao=2.00
proRecepcionar=http://nfse.ariquemes.example/IssWeb
ProRecepcionar=https://segunda.example/IssWeb

[1100031]
Nome=Cabixi
Provedor=PadraoNacional
ProRecepcionar=https://nacional.example

[1100049]
Nome=Cacoal
Provedor=Betha

[1100056]
Nome=Cerejeiras
Provedor=Facundo
Versao=***

[1100064]
Nome=Colorado do Oeste
Provedor=Tecnos

[1100072]
Nome=Corumbiara
Provedor=
""".replace("{espacos}", "   ")  # a trailing blank, as the table has


def test_each_municipality_takes_its_own_address_then_its_systems() -> None:
    rows = linhas(ler(INI))
    assert all(list(row) == list(CAMPOS) for row in rows)
    assert rows == [
        {"ibge": "1100015", "sistema": "WebISS", "versao": "2.02",
         "url_producao": "https://altafloresta.webiss.example/ws/nfse.asmx",
         "url_homologacao": "https://homologacao.webiss.example/ws/nfse.asmx",
         "fonte": "ACBrNFSeXServicos.ini [1100015]; homologação [WebISS]"},
        # keys are case-insensitive and the first value counts; http is kept as found
        {"ibge": "1100023", "sistema": "Fiorilli", "versao": "2.00",
         "url_producao": "http://nfse.ariquemes.example/IssWeb", "url_homologacao": "",
         "fonte": "ACBrNFSeXServicos.ini [1100023]"},
        # Cabixi (national layout) is no municipal system; Cacoal has the system's addresses
        # and version
        {"ibge": "1100049", "sistema": "Betha", "versao": "1.01",
         "url_producao": "https://betha.example/dps/ws",
         "url_homologacao": "https://betha.example/dps/ws",
         "fonte": "ACBrNFSeXServicos.ini [Betha]"},
        # "*": each operation has its address, the emission's is taken; "***" keeps the
        # system's version, here none: 1.00
        {"ibge": "1100056", "sistema": "Facundo", "versao": "1.00",
         "url_producao": "https://facundo.example/wsnfeenvia.php", "url_homologacao": "",
         "fonte": "ACBrNFSeXServicos.ini [Facundo]"},
    ]  # Colorado do Oeste (no address anywhere) and Corumbiara (no system) have no row


def test_an_unknown_municipality_code_stops_it() -> None:
    with pytest.raises(SystemExit, match=r"\[1100000\]: código IBGE"):
        linhas(ler("[1100000]\nProvedor=WebISS\nProRecepcionar=https://x.example\n"))


def test_the_table_is_read_as_published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ACBr publishes the table in ISO-8859-1; the CSV is written in UTF-8."""
    ini = tmp_path / "ACBrNFSeXServicos.ini"
    ini.write_bytes(("[3516200]\nNome=Franca\nProvedor=SilTecnologia\nVersao=1.01\n"
                     "ProRecepcionar=https://franca.example/services/NotaFiscalNacional\n"
                     "; São Paulo\n").encode("iso-8859-1"))
    assert "São Paulo" in decodificar(ini.read_bytes())
    destino = tmp_path / "enderecos.csv"
    monkeypatch.setattr(gerar_enderecos, "DESTINO", destino)
    gerar_enderecos.main([str(ini)])
    with destino.open(encoding="utf-8") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["url_producao"] == "https://franca.example/services/NotaFiscalNacional"
    assert (row["sistema"], row["versao"]) == ("SilTecnologia", "1.01")
