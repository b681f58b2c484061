"""Regenerates ``enderecos.csv``: for each municipality that ACBr's table assigns to a
municipal system, that system's production and homologação addresses there. The registry
(``provedores``) gives them to a municipality routed by its system when ``[sistemas.NOME]``
has no address of its own.

Source: ACBr's ``ACBrNFSeXServicos.ini`` (``docs/enderecos.md`` says which copy, and where
it is kept: it is input, not shipped). Its facts, as the table and the ACBr component that
reads it define them:

- one section per municipality, named by its IBGE code, with ``Provedor`` (the system;
  ``PadraoNacional`` is the national emitter, not a municipal system) and the addresses
  ``ProRecepcionar`` (produção) and ``HomRecepcionar`` (homologação);
- one section per system, named as ``Provedor``, whose addresses are the default of every
  municipality of the system whose own section has none (each environment on its own);
- ``Versao`` is the layout the system speaks there: the municipality's, else the system's,
  else 1.00 (``***`` in the municipality's section keeps the system's); 1.00 and 1.01 of a
  system whose section ``Params`` has ``APIPropria:`` are the national DPS layout at the
  system's own address;
- ``*`` as an address means that each operation has its own (``ProGerarNFSe``,
  ``ProCancelarNFSe``...): the emission's (``GerarNFSe``) is the one taken;
- ``;`` opens a comment line; keys are case-insensitive; a key repeated in a section
  counts once, its first value.

The file is read as UTF-8 or, failing that, as ISO-8859-1 (ACBr publishes it so). Every
address is written as found, ``http://`` ones included: the registry decides what it can
reach. Usage::

    python -m nfse.municipios.gerar_enderecos ACBrNFSeXServicos.ini
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

from nfse.municipios import registry

DESTINO = Path(__file__).with_name("enderecos.csv")
CAMPOS = ("ibge", "sistema", "versao", "url_producao", "url_homologacao", "fonte")
FONTE = "ACBrNFSeXServicos.ini"
NACIONAL = "PadraoNacional"
"""ACBr's name for the national layout: not a municipal system."""
PREFIXOS = {"producao": "pro", "homologacao": "hom"}
"""The key prefix of each environment's addresses in the table."""

Secoes = dict[str, dict[str, str]]


def ler(texto: str) -> Secoes:
    """The table's sections by name, each its keys (lower case) and values (trimmed)."""
    secoes: Secoes = {}
    atual: dict[str, str] | None = None
    for linha in texto.splitlines():
        linha = linha.strip()
        if not linha or linha.startswith(";"):
            continue
        if linha.startswith("[") and linha.endswith("]"):
            atual = secoes.setdefault(linha[1:-1].strip(), {})
            continue
        chave, igual, valor = linha.partition("=")
        if atual is not None and igual:
            atual.setdefault(chave.strip().lower(), valor.strip())
    return secoes


def decodificar(dados: bytes) -> str:
    try:
        return dados.decode("utf-8")
    except UnicodeDecodeError:
        return dados.decode("iso-8859-1")


@dataclass(frozen=True)
class Endereco:
    url: str
    secao: str
    """The section the address came from (the municipality's or the system's)."""


def endereco(secoes: Secoes, ibge: str, ambiente: str) -> Endereco | None:
    """The address of the municipality's system in ``ambiente`` (``"producao"`` or
    ``"homologacao"``): its own section's, else the system's; None when neither has one."""
    prefixo = PREFIXOS[ambiente]
    sistema = secoes[ibge].get("provedor", "")
    for nome in (ibge, sistema):
        valores = secoes.get(nome, {})
        url = valores.get(f"{prefixo}recepcionar", "")
        if url == "*":
            url = valores.get(f"{prefixo}gerarnfse", "")
        if url:
            return Endereco(url, nome)
    return None


def versao(secoes: Secoes, ibge: str) -> str:
    """The layout version the municipality's system speaks there."""
    propria = secoes[ibge].get("versao", "")
    if propria and propria != "***":
        return propria
    return secoes.get(secoes[ibge].get("provedor", ""), {}).get("versao") or "1.00"


def linhas(secoes: Secoes) -> list[dict[str, str]]:
    """One row per municipality with a municipal system and at least one address, in IBGE
    code order."""
    result = []
    for ibge in sorted(nome for nome in secoes if nome.isdigit()):
        sistema = secoes[ibge].get("provedor", "")
        if not sistema or sistema == NACIONAL:
            continue
        if registry.get(ibge) is None:
            raise SystemExit(f"[{ibge}]: código IBGE de município inexistente")
        producao = endereco(secoes, ibge, "producao")
        homologacao = endereco(secoes, ibge, "homologacao")
        if producao is None and homologacao is None:
            continue
        result.append({
            "ibge": ibge,
            "sistema": sistema,
            "versao": versao(secoes, ibge),
            "url_producao": producao.url if producao else "",
            "url_homologacao": homologacao.url if homologacao else "",
            "fonte": _fonte(producao, homologacao),
        })
    return result


def _fonte(producao: Endereco | None, homologacao: Endereco | None) -> str:
    """Where the addresses came from: ``ACBrNFSeXServicos.ini [3516200]``, naming both
    sections when the environments came from different ones."""
    secoes = []
    if producao:
        secoes.append(f"[{producao.secao}]")
    if homologacao and (producao is None or homologacao.secao != producao.secao):
        secoes.append(f"homologação [{homologacao.secao}]")
    return f"{FONTE} " + "; ".join(secoes)


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit(__doc__)
    rows = linhas(ler(decodificar(Path(argv[0]).read_bytes())))
    with DESTINO.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CAMPOS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    com_producao = sum(1 for row in rows if row["url_producao"])
    print(f"{DESTINO.name}: {len(rows)} municípios, {com_producao} com endereço de produção")


if __name__ == "__main__":
    main(sys.argv[1:])
