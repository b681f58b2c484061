"""The municipal parameters of the ADN (``{adn}/parametrizacao``), asked while a client waits
for its POST and kept for hours: whether the municipality joined the national NFS-e
(convênio), and, per service, whether it accepts the code, at which rate (alíquota) and under
which special regimes.

Routes and shapes (fact sheet §2.10): ``GET /{cMun}/convenio`` (200 joined, 404 not);
``GET /{cMun}/{cServico}/{competencia}/aliquota`` → ``aliquotas: {cServico: [{Aliq, ...}]}``,
404 when the municipality has no such service; ``GET /{cMun}/{cServico}/{competencia}/
regimes_especiais`` → ``regimesEspeciais: {regEspTrib: {...: [{sit, dtIni, dtFim}]}}``, read as:
the regimes listed are the ones the municipality admits for the service (an empty map says
nothing); ``GET /{cMun}/{competencia}/retencoes`` → ``retencoes: {artigoSexto: {habilitado}}``,
shown by dry_run. ``cServico`` is the cTribNac and the cTribMun (``000`` when none), 9 digits;
``competencia`` is ``AAAA-MM-DD``.

Any answer that is not one of these (unreachable, 5xx, 429, another shape) is "unknown": the
note goes on and the authority judges it; unknown answers are asked again after a minute.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from nfse.model.errors import Problema
from nfse.model.nota import Nota
from nfse.providers.base import Emissor
from nfse.providers.nacional.dps import REG_ESP_TRIB, op_simples
from nfse.providers.transport import NotSent, Transport, Unknown

TTL = 6 * 3600.0
RETRY = 60.0
TIMEOUT = 5.0
"""Asked while a client waits for its POST: never long."""


@dataclass(frozen=True)
class Servico:
    """What the municipality says about one service code in one month."""

    aliquota: Decimal | None
    regimes: frozenset[str]
    """The regEspTrib codes it admits; empty = it said nothing about them."""


_ABSENT = object()


def servico_municipal(nota: Nota) -> str:
    s = nota.servico
    ctm = s.codigo_tributario_municipio
    municipal = ctm if ctm and len(ctm) == 3 and ctm.isdigit() else "000"
    return s.codigo_tributacao_nacional + municipal


class Parametros:
    def __init__(self, transport: Transport):
        self.transport = transport
        self._cache: dict[tuple[str, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def _known(self, key: tuple[str, ...]) -> Any:
        with self._lock:
            found = self._cache.get(key)
        if found is None or found[0] <= time.monotonic():
            return _ABSENT
        return found[1]

    def _keep(self, key: tuple[str, ...], value: Any) -> Any:
        keep = TTL if value is not None else RETRY
        with self._lock:
            self._cache[key] = (time.monotonic() + keep, value)
        return value

    def _get(self, path: str, emissor: Emissor) -> tuple[int, dict[str, Any] | None] | None:
        try:
            answer = self.transport.request("GET", f"{emissor.parametros_url}/{path}",
                                            emissor.a1, emissor.ca_file,
                                            min(emissor.timeout, TIMEOUT), proxy=emissor.proxy)
        except (NotSent, Unknown):
            return None
        try:
            parsed = json.loads(answer.body) if answer.body else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            parsed = None
        return answer.status, parsed if isinstance(parsed, dict) else None

    def convenio(self, codigo: str, emissor: Emissor) -> bool | None:
        key = (emissor.ambiente, codigo, "convenio")
        known = self._known(key)
        if known is not _ABSENT:
            return known
        answer = self._get(f"{codigo}/convenio", emissor)
        return self._keep(key, {200: True, 404: False}.get(answer[0]) if answer else None)

    def servico(self, codigo: str, servico: str, competencia: str,
                emissor: Emissor) -> Servico | bool | None:
        """The service's parameters; False when the municipality does not accept the code;
        None when unknown."""
        key = (emissor.ambiente, codigo, servico, competencia[:7])
        known = self._known(key)
        if known is not _ABSENT:
            return known
        answer = self._get(f"{codigo}/{servico}/{competencia}/aliquota", emissor)
        if answer is None or answer[0] not in (200, 404):
            return self._keep(key, None)
        if answer[0] == 404:
            return self._keep(key, False)
        aliquota = _aliquota(answer[1], servico)
        regimes = self._get(f"{codigo}/{servico}/{competencia}/regimes_especiais", emissor)
        lista = (regimes[1] or {}).get("regimesEspeciais") if regimes and regimes[0] == 200 \
            else None
        admitted = frozenset(str(k) for k in lista) if isinstance(lista, dict) else frozenset()
        return self._keep(key, Servico(aliquota=aliquota, regimes=admitted))

    def retencoes(self, codigo: str, competencia: str, emissor: Emissor) -> dict[str, Any] | None:
        """What the municipality says of retentions in the month (``retencoes``: whether it
        designated the tomador as responsible, art. 6 of LC 116); None when unknown. Shown,
        not enforced: the fact sheet has no schema of it to build a rule on."""
        key = (emissor.ambiente, codigo, "retencoes", competencia[:7])
        known = self._known(key)
        if known is not _ABSENT:
            return known
        answer = self._get(f"{codigo}/{competencia}/retencoes", emissor)
        found = (answer[1] or {}).get("retencoes") if answer and answer[0] == 200 else None
        return self._keep(key, found if isinstance(found, dict) else None)

    def resumo(self, nota: Nota, emissor: Emissor) -> dict[str, Any]:
        """Everything the service said about this note's municipality, service and month, as
        dry_run shows it."""
        codigo = nota.prestador.codigo_municipio
        competencia = nota.data_competencia.isoformat()
        servico = self.servico(codigo, servico_municipal(nota), competencia, emissor)
        return {
            "convenio": self.convenio(codigo, emissor),
            "servico_aceito": None if servico is None else servico is not False,
            "aliquota": str(servico.aliquota) if isinstance(servico, Servico)
            and servico.aliquota is not None else None,
            "regimes_especiais": sorted(servico.regimes) if isinstance(servico, Servico) else [],
            "retencoes": self.retencoes(codigo, competencia, emissor),
        }

    def cached(self, nota: Nota, ambiente: str) -> bool:
        """Whether ``problemas`` would answer without asking the service."""
        codigo = nota.prestador.codigo_municipio
        competencia = nota.data_competencia.isoformat()
        return (self._known((ambiente, codigo, "convenio")) is not _ABSENT and self._known(
            (ambiente, codigo, servico_municipal(nota), competencia[:7])) is not _ABSENT)

    def problemas(self, nota: Nota, emissor: Emissor, nome: str) -> list[Problema]:
        """What the municipality ``nome`` (for messages) refuses in this note."""
        codigo = nota.prestador.codigo_municipio
        if self.convenio(codigo, emissor) is False:
            return [Problema("prestador.codigo_municipio",
                             f"O município {nome} ({codigo}) não tem convênio com a NFS-e "
                             "Nacional", "Emita pelo sistema próprio do município")]
        servico = servico_municipal(nota)
        found = self.servico(codigo, servico, nota.data_competencia.isoformat(), emissor)
        if found is False:
            return [Problema("servico.item_lista_servico",
                             f"O município {nome} não aceita o serviço {servico[:6]}"
                             + (f" com o código municipal {servico[6:]}"
                                if servico[6:] != "000" else ""),
                             "Confira o item da lista de serviços (cTribNac) e o código "
                             "tributário do município")]
        if not isinstance(found, Servico):
            return []
        problemas = []
        aliquota = nota.servico.aliquota
        if (found.aliquota is not None and aliquota is not None
                and op_simples(nota, emissor) == "1"  # a Simples rate is the company's own
                and aliquota.quantize(Decimal("0.01")) != found.aliquota):
            problemas.append(Problema(
                "servico.aliquota", f"A alíquota do serviço em {nome} é {found.aliquota}%",
                f"Informe {found.aliquota} ou omita a alíquota"))
        regime = REG_ESP_TRIB.get(nota.regime_especial_tributacao or 0)
        if regime and found.regimes and regime not in found.regimes:
            problemas.append(Problema(
                "regime_especial_tributacao",
                f"O município {nome} não admite o regime especial "
                f"{nota.regime_especial_tributacao} para este serviço",
                "Omita o regime especial ou confira o cadastro no município"))
        return problemas


def _aliquota(answer: dict[str, Any] | None, servico: str) -> Decimal | None:
    """The rate in force in ``aliquotas: {cServico: [{Aliq, ...}]}`` (keys matched without
    case or dots)."""
    tabela = {k.lower(): v for k, v in (answer or {}).items()}.get("aliquotas")
    if not isinstance(tabela, dict):
        return None
    for chave, periodos in tabela.items():
        if str(chave).replace(".", "") != servico or not isinstance(periodos, list):
            continue
        for periodo in periodos:
            valor = {str(k).lower(): v for k, v in periodo.items()}.get("aliq") \
                if isinstance(periodo, dict) else None
            try:
                return Decimal(str(valor)).quantize(Decimal("0.01")) if valor is not None \
                    else None
            except InvalidOperation:
                return None
    return None
