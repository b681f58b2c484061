"""The ADN's municipal parameters as the sandbox serves them (``/parametrizacao``): convênio,
alíquota and regimes especiais per service, retenções. Every municipality has joined and
accepts every service with no rate of its own unless a test says otherwise."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

Answer = tuple[int, dict[str, Any]]
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def _envelope(**fields: Any) -> dict[str, Any]:
    return {"dataHoraProcessamento": datetime.now(SAO_PAULO).isoformat(), "tipoAmbiente": 2,
            "mensagem": None, **fields}


def _nao_encontrado(mensagem: str) -> Answer:
    return 404, {"mensagem": mensagem}


class Parametrizacao:
    def __init__(self) -> None:
        self.sem_convenio: frozenset[str] = frozenset()
        """Municipalities that have not joined the national system (404)."""
        self.recusados: frozenset[str] = frozenset()
        """cTribNac codes no municipality accepts (404 on alíquota)."""
        self.aliquotas: dict[str, Decimal] = {}
        """cTribNac → the municipal rate answered for it."""
        self.regimes: dict[str, frozenset[str]] = {}
        """cTribNac → the regEspTrib codes admitted for it."""

    def responder(self, partes: list[str]) -> Answer:
        """``partes``: the path after ``/parametrizacao``."""
        municipio = partes[0] if partes else ""
        if not re.fullmatch(r"\d{7}", municipio) or municipio in self.sem_convenio:
            return _nao_encontrado(f"Município {municipio} sem convênio com o Sistema Nacional")
        if partes[1:] == ["convenio"]:
            return 200, _envelope(parametrosConvenio={
                "tipo": 1, "aderenteAmbienteNacional": 1, "aderenteEmissorNacional": 1,
                "aderenteMAN": 1, "permiteAproveitametoDeCreditos": False})
        if len(partes) == 3 and partes[2] == "retencoes":
            return 200, _envelope(retencoes={"artigoSexto": {"habilitado": False}})
        if len(partes) != 4 or partes[3] not in ("aliquota", "regimes_especiais"):
            return _nao_encontrado("Parâmetro não encontrado para o município")
        servico, competencia = partes[1], partes[2]
        if not re.fullmatch(r"\d{9}", servico):
            return 400, {"mensagem": "O código do serviço deve ter nove dígitos"}
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", competencia):
            return 400, {"mensagem": "Competência no formato AAAA-MM-DD"}
        if servico[:6] in self.recusados:
            return _nao_encontrado("Parâmetro não encontrado para o município")
        if partes[3] == "aliquota":
            aliquota = self.aliquotas.get(servico[:6])
            periodos = [] if aliquota is None else [
                {"Incidencia": "1", "Aliq": float(aliquota), "dtIni": "2026-01-01T00:00:00",
                 "dtFim": None}]
            return 200, _envelope(aliquotas={servico: periodos} if periodos else {})
        admitidos = self.regimes.get(servico[:6], frozenset())
        return 200, _envelope(regimesEspeciais={
            regime: {servico: [{"sit": 1, "dtIni": "2026-01-01T00:00:00", "dtFim": None,
                                "motivo": None}]} for regime in sorted(admitidos)})
