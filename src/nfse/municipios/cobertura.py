"""How much of Brazil the gateway serves: municipalities and population whose notes a
working provider issues in produção, by the system they issue through (``nfse municipios
cobertura``). Population is the official list's, as ``emissores.csv`` keeps it. Served
means over TLS; the municipalities served with the operator's opt-in to plain http
(``NFSE_PERMITIR_HTTP_MUNICIPAL``, docs/http-municipal.md) are counted apart."""

from __future__ import annotations

from dataclasses import dataclass

from nfse.municipios import provedores

EMISSOR_NACIONAL = "Emissor Nacional (Sefin)"
SEM_SISTEMA = "(sistema não identificado)"


@dataclass
class Linha:
    """One system: its municipalities and population, all, served (over TLS) and served
    with the opt-in to plain http (those over TLS included)."""

    sistema: str
    municipios: int = 0
    populacao: int = 0
    municipios_atendidos: int = 0
    populacao_atendida: int = 0
    municipios_com_http: int = 0
    populacao_com_http: int = 0

    def somar(self, populacao: int, atendido: bool, com_http: bool) -> None:
        self.municipios += 1
        self.populacao += populacao
        if atendido:
            self.municipios_atendidos += 1
            self.populacao_atendida += populacao
        if com_http:
            self.municipios_com_http += 1
            self.populacao_com_http += populacao


def cobertura(ambiente: str = "producao") -> tuple[Linha, list[Linha]]:
    """(the total, one line per system by population served then population) with the
    routing table in use (``NFSE_MUNICIPIOS_FILE`` included once loaded)."""
    total = Linha("Total")
    linhas: dict[str, Linha] = {}
    for codigo, semente in provedores.sementes().items():
        rota = provedores.rota(codigo)
        nome = rota.sistema or (EMISSOR_NACIONAL if rota.motivo is None else SEM_SISTEMA)
        atendido = rota.problema(ambiente) is None
        com_http = rota.problema(ambiente, permitir_http=True) is None
        linhas.setdefault(nome, Linha(nome)).somar(semente.populacao, atendido, com_http)
        total.somar(semente.populacao, atendido, com_http)
    ordem = sorted(linhas.values(), key=lambda x: (-x.populacao_atendida, -x.populacao, x.sistema))
    return total, ordem


def percentual(parte: int, todo: int) -> str:
    return f"{100 * parte / todo:.1f} %" if todo else "-"
