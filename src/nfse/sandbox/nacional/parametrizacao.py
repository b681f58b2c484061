"""The ADN's municipal parameters as the sandbox serves them (``/parametrizacao``) and as its
Sefin reads them to judge a DPS: convênio, alíquota and regimes especiais per service,
retenções, benefícios municipais.

Every municipality has joined, is active in the national system and accepts every service
with no rate of its own, unless a test says otherwise: through the attributes that apply to
every municipality (``sem_convenio``, ``recusados``, ``aliquotas``, ``regimes``), or per
municipality with ``definir(codigo, ...)``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from nfse.fuso import SAO_PAULO

Answer = tuple[int, dict[str, Any]]

ISENCAO, REDUCAO_PERCENTUAL, REDUCAO_VALOR, ALIQUOTA_DIFERENCIADA = 1, 2, 3, 4
"""Kinds of benefício municipal (tpBM of the NFS-e)."""


@dataclass(frozen=True)
class Beneficio:
    """A benefício municipal (``nBM``, 14 digits) of the incidence municipality."""

    tipo: int
    """``ISENCAO``, ``REDUCAO_PERCENTUAL``, ``REDUCAO_VALOR`` or ``ALIQUOTA_DIFERENCIADA``."""
    percentual: Decimal | None = None
    """The largest pRedBCBM (reduction) or the rate (alíquota diferenciada)."""
    inicio: date = date(2020, 1, 1)
    fim: date | None = None
    so_estabelecidos: bool = False
    """Only for prestadores established in the municipality (E0548)."""
    servicos: frozenset[str] | None = None
    """The cTribNac codes it covers (None: any; E0550)."""
    contribuintes: frozenset[str] | None = None
    """The CNPJ/CPF it covers (None: any; E0550)."""


@dataclass
class Municipal:
    """What the ADN knows of one municipality."""

    convenio: bool = True
    """In the convênio register (else the routes answer 404, E0037)."""
    ativo: bool = True
    """Convênio ATIVO and the municipality active in the national system (E0038, E0617…)."""
    emissor_nacional: bool = True
    """``aderenteEmissorNacional``: its taxpayers may use the national emitters (E0039)."""
    ativacao: date | None = None
    """Activation date of the convênio (E0016); None: not known, not checked."""
    recusados: frozenset[str] = frozenset()
    """cTribNac codes it does not administer (E0312)."""
    aliquotas: dict[str, Decimal] = field(default_factory=dict)
    """cTribNac → its rate (the ISSQN of a DPS without pAliq)."""
    regimes: dict[str, frozenset[str]] = field(default_factory=dict)
    """cTribNac → the regEspTrib codes admitted (absent: any, E0177)."""
    regimes_contribuintes: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)
    """cTribNac → regEspTrib → the CNPJ/CPF the municipality assigned that regime to: a regime
    listed here is admitted for those contribuintes only (E0178)."""
    retencoes: dict[str, Any] = field(
        default_factory=lambda: {"artigoSexto": {"habilitado": False}})
    """The answer of the retenções route (its schema is not published: served as given)."""
    retencao_cpf: bool = False
    """Whether a tomador or intermediário with a CPF may retain the ISSQN (E0667, E0670)."""
    beneficios: dict[str, Beneficio] = field(default_factory=dict)
    """nBM → benefício (E0541…)."""
    servicos_municipais: dict[str, frozenset[str]] = field(default_factory=dict)
    """cTribNac → the cTribMun codes it administers (absent: any; E0314)."""
    nao_incidentes: frozenset[str] | None = None
    """cTribNac codes without ISSQN here (None: not described; E0539, E0540)."""
    deducoes: dict[str, frozenset[str]] = field(default_factory=dict)
    """cTribNac → the forms of deduction admitted: ``pDR``, ``vDR``, ``documentos`` (absent:
    any; E0454, E0446, E0449)."""
    tipos_deducao: dict[str, frozenset[str]] = field(default_factory=dict)
    """cTribNac → the tpDedRed codes admitted (absent: any; E0440)."""
    prazo_substituicao: int | None = None
    """Days after the competence within which a note may be replaced (E0050)."""
    substituicao_exige_tomador: bool = False
    """A note without tomador may not be replaced (E0056)."""
    prazo_cancelamento: int | None = None
    """Days after its emission within which a note may be cancelled (E0822; the basis of the
    municipal deadline is not published)."""
    valor_maximo_cancelamento: Decimal | None = None
    """A note of a higher vServ may not be cancelled (E0823)."""
    cancelamento_exige_tomador: bool = False
    """A note without tomador may not be cancelled (E0824)."""
    substituicao_mantem_tomador: bool = False
    """The replacement may not change the tomador (E0058)."""


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
        self.municipios: dict[str, Municipal] = {}
        """Municipalities a test described one by one (they ignore the attributes above)."""

    def definir(self, codigo: str, **dados: Any) -> Municipal:
        """Describe one municipality (fields of ``Municipal``); answers it."""
        self.municipios[codigo] = Municipal(**dados)
        return self.municipios[codigo]

    def municipal(self, codigo: str) -> Municipal:
        """The parameters of a municipality (``convenio`` False when it has not joined)."""
        if codigo in self.municipios:
            return self.municipios[codigo]
        return Municipal(convenio=bool(re.fullmatch(r"\d{7}", codigo))
                         and codigo not in self.sem_convenio,
                         recusados=self.recusados, aliquotas=self.aliquotas,
                         regimes=self.regimes)

    def responder(self, partes: list[str]) -> Answer:
        """``partes``: the path after ``/parametrizacao``."""
        codigo = partes[0] if partes else ""
        municipal = self.municipal(codigo)
        if not municipal.convenio:
            return _nao_encontrado(f"Município {codigo} sem convênio com o Sistema Nacional")
        if partes[1:] == ["convenio"]:
            return 200, _envelope(parametrosConvenio={
                "tipo": 1, "aderenteAmbienteNacional": int(municipal.ativo),
                "aderenteEmissorNacional": int(municipal.emissor_nacional),
                "aderenteMAN": 1, "permiteAproveitametoDeCreditos": False})
        if len(partes) == 3 and partes[2] == "retencoes":
            return 200, _envelope(retencoes=municipal.retencoes)
        if len(partes) == 4 and partes[3] == "beneficio":
            return self._beneficio(municipal, partes[1])
        if len(partes) != 4 or partes[3] not in ("aliquota", "regimes_especiais"):
            return _nao_encontrado("Parâmetro não encontrado para o município")
        servico, competencia = partes[1], partes[2]
        if not re.fullmatch(r"\d{9}", servico):
            return 400, {"mensagem": "O código do serviço deve ter nove dígitos"}
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", competencia):
            return 400, {"mensagem": "Competência no formato AAAA-MM-DD"}
        if servico[:6] in municipal.recusados:
            return _nao_encontrado("Parâmetro não encontrado para o município")
        if partes[3] == "aliquota":
            aliquota = municipal.aliquotas.get(servico[:6])
            periodos = [] if aliquota is None else [
                {"Incidencia": "1", "Aliq": float(aliquota), "dtIni": "2026-01-01T00:00:00",
                 "dtFim": None}]
            return 200, _envelope(aliquotas={servico: periodos} if periodos else {})
        admitidos = municipal.regimes.get(servico[:6], frozenset())
        return 200, _envelope(regimesEspeciais={
            regime: {servico: [{"sit": 1, "dtIni": "2026-01-01T00:00:00", "dtFim": None,
                                "motivo": None}]} for regime in sorted(admitidos)})

    @staticmethod
    def _beneficio(municipal: Municipal, numero: str) -> Answer:
        beneficio = municipal.beneficios.get(numero)
        if beneficio is None:
            return _nao_encontrado("Benefício municipal não encontrado")
        return 200, _envelope(beneficio={
            "numeroBeneficio": numero, "tipoBeneficio": beneficio.tipo,
            "percentual": None if beneficio.percentual is None else float(beneficio.percentual),
            "dtIni": beneficio.inicio.isoformat(),
            "dtFim": beneficio.fim.isoformat() if beneficio.fim else None})
