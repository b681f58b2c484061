"""The rule engine of the sandbox's Sefin: each rule of the official catalogue it enforces is a
function of the DPS (as the sandbox reads it), registered under its code; ``avaliar`` runs them
all and answers every violation with the official code and message, as the Sefin lists them
together in ``erros``.

A rule answers ``None`` when the DPS passes it, else the complement of its message (``""``
when the message says it all)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from lxml import etree

from nfse.regras import catalogo, tabelas
from nfse.sandbox.nacional.leitura import Campos, sub, todos
from nfse.sandbox.nacional.parametrizacao import Municipal, Parametrizacao
from nfse.sandbox.nacional.state import Estado

NAO_OPTANTE, MEI, ME_EPP = "1", "2", "3"
TRIBUTAVEL, IMUNIDADE, EXPORTACAO, NAO_INCIDENCIA = "1", "2", "3", "4"
NAO_RETIDO, RETIDO_TOMADOR, RETIDO_INTERMEDIARIO = "1", "2", "3"
AGUAS_MARITIMAS = "0000000"

Erro = tuple[str, str, str]
"""(code, official message, complement)."""


@dataclass
class Contexto:
    """One DPS under judgement, and what the Sefin knows besides it."""

    raiz: etree._Element
    """The ``DPS`` element."""
    inf: etree._Element
    """Its ``infDPS``."""
    c: Campos
    """The fields of ``infDPS`` by path."""
    parametros: Parametrizacao
    estado: Estado
    agora: datetime
    _grupos: dict[str, tuple[Campos, ...]] = field(default_factory=dict, repr=False)
    _parametros: dict[str, Municipal] = field(default_factory=dict, repr=False)

    def grupos(self, caminho: str) -> tuple[Campos, ...]:
        """The fields of each repeated group at ``caminho`` (the documents of a deduction),
        read once; none without a walk when the first is absent."""
        if caminho not in self._grupos:
            self._grupos[caminho] = tuple(sub(g) for g in todos(self.inf, caminho)) \
                if caminho in self.c else ()
        return self._grupos[caminho]

    def parametros_de(self, codigo: str) -> Municipal:
        """The parameters of a municipality, asked once per DPS."""
        if codigo not in self._parametros:
            self._parametros[codigo] = self.parametros.municipal(codigo)
        return self._parametros[codigo]

    @property
    def op(self) -> str:
        return self.c["prest/regTrib/opSimpNac"]

    @property
    def trib(self) -> str:
        return self.c["valores/trib/tribMun/tribISSQN"]

    @property
    def ret(self) -> str:
        return self.c["valores/trib/tribMun/tpRetISSQN"]

    @property
    def reg_esp(self) -> str:
        return self.c["prest/regTrib/regEspTrib"]

    @property
    def reg_ap(self) -> str:
        return self.c["prest/regTrib/regApTribSN"]

    @property
    def ctribnac(self) -> str:
        return self.c["serv/cServ/cTribNac"]

    @property
    def vserv(self) -> Decimal:
        return self.c.dec("valores/vServPrest/vServ")

    @property
    def emitente(self) -> str:
        return self.c["prest/CNPJ"] or self.c["prest/CPF"]

    @cached_property
    def dcompet(self) -> date:
        return date.fromisoformat(self.c["dCompet"])

    @cached_property
    def incidencia(self) -> str | None:
        """The municipality where the ISSQN is due (cLocIncid), as the Sefin decides it from
        the national service's incidence rule; ``None`` when the operation is not taxable."""
        if self.trib != TRIBUTAVEL:
            return None
        local = tabelas.incidencia(self.ctribnac)
        prestacao = self.c["serv/locPrest/cLocPrestacao"]
        if local == tabelas.LOCAL_PRESTACAO and prestacao and prestacao != AGUAS_MARITIMAS:
            return prestacao
        if local == tabelas.ESTABELECIMENTO_TOMADOR and self.c["toma/end/endNac/cMun"]:
            return self.c["toma/end/endNac/cMun"]
        return self.c["cLocEmi"]

    @cached_property
    def municipal(self) -> Municipal | None:
        """The parameters of the incidence municipality (None: not taxable)."""
        return None if self.incidencia is None else self.parametros_de(self.incidencia)

    @property
    def incidencia_ativa(self) -> bool:
        """Whether the incidence municipality is active in the national system."""
        return self.municipal is not None and self.municipal.convenio and self.municipal.ativo

    @property
    def aliquota_municipal(self) -> Decimal | None:
        """The rate the incidence municipality's parameters give the service."""
        return None if self.municipal is None else self.municipal.aliquotas.get(self.ctribnac)

    def tem(self, caminho: str) -> bool:
        return caminho in self.c


Funcao = Callable[[Contexto], str | None]
REGISTRO: dict[str, Funcao] = {}
"""Code → the function that enforces it, in the order they are evaluated."""


def regra(codigo: str) -> Callable[[Funcao], Funcao]:
    """Register ``funcao`` as the enforcement of ``codigo`` (a code of the catalogue)."""
    if not catalogo.existe(codigo):
        raise KeyError(f"{codigo} não está no catálogo")

    def registrar(funcao: Funcao) -> Funcao:
        if codigo in REGISTRO:
            raise KeyError(f"{codigo} registrada duas vezes")
        REGISTRO[codigo] = funcao
        return funcao
    return registrar


def avaliar(contexto: Contexto) -> list[Erro]:
    """Every rule the DPS breaks, in the registry's order."""
    erros = []
    for codigo, funcao in REGISTRO.items():
        complemento = funcao(contexto)
        if complemento is not None:
            erros.append((codigo, catalogo.mensagem(codigo), complemento))
    return erros
