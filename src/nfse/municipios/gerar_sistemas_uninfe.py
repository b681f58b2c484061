"""Regenerates ``sistemas_uninfe.csv``: the municipal system of own-emitter municipalities
whose system ACBr's table does not name, as a second public source names it — UniNFe's
(Unimake) list of NFS-e municipalities — with the addresses ACBr gives that system.

Read after ``emissores.csv`` and ``enderecos.csv`` (``docs/enderecos.md``): the registry
takes a row only for a municipality ``emissores.csv`` gives no system (``""``); a
``PadraoNacional`` one (ACBr says the national emitter, the official list says its own) keeps
its row here for the record and is not routed.

Sources (``docs/enderecos.md`` says which copies, and where they are kept: they are input,
not shipped):

- UniNFe's ``source/NFe.Components.Wsdl/NFse/WSDL/Webservice.xml``: one
  ``<Estado ID="IBGE" Nome="..." UF=".." Padrao="PADRAO">`` per municipality (entries whose
  ``ID`` is not a 7-digit code are the padrões' own defaults, skipped); the padrão is
  UniNFe's name of the system, ``PADROES`` gives ACBr's name of the same system;
- ACBr's ``ACBrNFSeXServicos.ini``: the section of the system (``[Equiplano]``) has the
  addresses every municipality of the system takes when its own section has none, and the
  system's version — read with ``gerar_enderecos``'s rules, as if the municipality had a
  section naming only its system. A municipality whose row of ``enderecos.csv`` already
  names the same system keeps those addresses (its row here has none).

Usage::

    python -m nfse.municipios.gerar_sistemas_uninfe Webservice.xml ACBrNFSeXServicos.ini
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from nfse.municipios import provedores
from nfse.municipios.gerar_enderecos import FONTE as FONTE_ACBR
from nfse.municipios.gerar_enderecos import Secoes, decodificar, endereco, ler, versao

DESTINO = Path(__file__).with_name(provedores.COMPLEMENTARES)
CAMPOS = ("ibge", "sistema", "padrao_uninfe", "acbr", "versao", "url_producao",
          "url_homologacao", "fonte")
FONTE = "UniNFe Webservice.xml"
PADROES = {
    "ABASE": "ABase", "ADM_SISTEMAS": "Adm", "AGILI": "Agili", "BAUHAUS": "Bauhaus",
    "BETHA": "Betha", "CENTI": "Centi", "CONAM": "Conam", "COPLAN": "Coplan",
    "DBSELLER": "DBSeller", "DIGIFRED": "Digifred", "EGOVERNEISS": "eGoverneISS", "EL": "EL",
    "ELOTECH": "EloTech", "EQUIPLANO": "Equiplano", "E_RECEITA": "eReceita",
    "FINTEL": "fintelISS", "FIORILLI": "Fiorilli", "FISCO": "Fisco", "GIAP": "Giap",
    "GINFES": "Ginfes", "GISSONLINE": "Giss", "HM2SOLUCOES": "HM2", "IPM": "IPM",
    "ISSNET": "ISSNet", "MEGASOFT": "MegaSoft", "METROPOLIS": "MetropolisWeb",
    "MODERNIZACAO_PUBLICA": "ModernizacaoPublica", "PRIMAX": "PriMax", "PRODATA": "Prodata",
    "PORTAL_FACIL": "Actcon", "PRONIN": "Pronim", "PUBLICA": "Publica", "PUBLIC_SOFT": "PublicSoft",
    "RLZ_INFORMATICA": "RLZ", "SH3": "SH3", "SIGISSWEB": "SigISSWeb", "SIMPLISS": "SimplISS",
    "TINUS": "Tinus", "TIPLAN": "Tiplan", "TRIBUTUS": "Tributus", "WEBFISCO": "WebFisco",
    "WEBISS": "WebISS",
}
"""UniNFe's padrão → ACBr's name of the same system (the names ``emissores.csv`` and the
registry use; ``PORTAL_FACIL`` is ACBr's Actcon, whose sections have the
``<cidade>.portalfacil.com.br`` addresses). A padrão not here (``SONNER``, ``DSF``: UniNFe's
one name for what ACBr splits in DSF and ISSDSF...) keeps its row with no system."""

_ESTADO = re.compile(r'<Estado\s+ID="(\d{7})"[^>]*?\sPadrao="([^"]*)"')


def padroes(texto: str) -> dict[str, str]:
    """UniNFe's padrão of each municipality by IBGE code (the first entry of a code)."""
    result: dict[str, str] = {}
    for codigo, padrao in _ESTADO.findall(texto):
        result.setdefault(codigo, padrao.strip())
    return result


def linhas(uninfe: Mapping[str, str], secoes: Secoes,
           sementes: Mapping[str, provedores.Semente],
           enderecos: Mapping[str, provedores.Enderecos]) -> list[dict[str, str]]:
    """One row per own-emitter municipality UniNFe names and ``emissores.csv`` gives no
    municipal system (``""`` or ``PadraoNacional``), in IBGE code order."""
    result = []
    for codigo in sorted(uninfe):
        semente = sementes.get(codigo)
        if semente is None or semente.emissor_nacional or semente.sistema not in (
                "", provedores.PADRAO_NACIONAL):
            continue
        padrao = uninfe[codigo]
        sistema = PADROES.get(padrao, "")
        row = {"ibge": codigo, "sistema": sistema, "padrao_uninfe": padrao,
               "acbr": semente.sistema, "versao": "", "url_producao": "",
               "url_homologacao": "", "fonte": FONTE}
        conhecida = enderecos.get(codigo)
        if conhecida is not None and sistema and conhecida.sistema == sistema:
            row["fonte"] += "; endereços: enderecos.csv"
        elif sistema in secoes:
            row.update(_do_sistema(secoes, codigo, sistema))
        result.append(row)
    return result


def _do_sistema(secoes: Secoes, codigo: str, sistema: str) -> dict[str, str]:
    """The version and addresses ACBr's section of ``sistema`` gives its municipalities."""
    proprias = {**secoes, codigo: {"provedor": sistema}}
    producao = endereco(proprias, codigo, "producao")
    homologacao = endereco(proprias, codigo, "homologacao")
    if producao is None and homologacao is None:
        return {}
    return {"versao": versao(proprias, codigo),
            "url_producao": producao.url if producao else "",
            "url_homologacao": homologacao.url if homologacao else "",
            "fonte": f"{FONTE}; endereços: {FONTE_ACBR} [{sistema}]"}


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit(__doc__)
    uninfe = padroes(decodificar(Path(argv[0]).read_bytes()))
    secoes = ler(decodificar(Path(argv[1]).read_bytes()))
    rows = linhas(uninfe, secoes, provedores.sementes(), provedores.enderecos_acbr())
    with DESTINO.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CAMPOS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    com_sistema = sum(1 for row in rows if row["sistema"])
    print(f"{DESTINO.name}: {len(rows)} municípios, {com_sistema} com sistema conhecido")


if __name__ == "__main__":
    main(sys.argv[1:])
