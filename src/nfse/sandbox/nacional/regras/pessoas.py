"""Rules on the parties of the DPS: prestador (identity, address, tax regime), tomador and
intermediário."""

from __future__ import annotations

import re

from nfse.municipios.registry import get as municipio
from nfse.regras import tabelas
from nfse.sandbox.nacional.digitos import cnpj_ok, cpf_ok
from nfse.sandbox.nacional.regras.motor import (
    ME_EPP,
    MEI,
    NAO_OPTANTE,
    RETIDO_INTERMEDIARIO,
    RETIDO_TOMADOR,
    TRIBUTAVEL,
    Contexto,
    regra,
)

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
EMITENTE_PRESTADOR, EMITENTE_TOMADOR, EMITENTE_INTERMEDIARIO = "1", "2", "3"
TERCEIROS = (EMITENTE_TOMADOR, EMITENTE_INTERMEDIARIO)
"""The emitters that are not the prestador: the Sefin refuses them in this version (E9996), and
judges the rest of their DPS all the same."""


def _dv(x: Contexto, caminho: str, valido: object) -> str | None:
    valor = x.c[caminho]
    return "" if valor and not valido(valor) else None  # type: ignore[operator]


def _cmun(x: Contexto, caminho: str) -> str | None:
    valor = x.c[caminho]
    return valor if valor and municipio(valor) is None else None


def _pais(x: Contexto, caminho: str) -> str | None:
    valor = x.c[caminho]
    return valor if valor and (valor == "BR" or valor not in tabelas.paises()) else None


def _email(x: Contexto, caminho: str) -> str | None:
    valor = x.c[caminho]
    return valor if valor and not EMAIL.fullmatch(valor) else None


# -- prestador ---------------------------------------------------------------------------

regra("E0080")(lambda x: _dv(x, "prest/CNPJ", cnpj_ok))
regra("E0096")(lambda x: _dv(x, "prest/CPF", cpf_ok))


@regra("E0115")
def prestador_nao_nif_zero(x: Contexto) -> str | None:
    return "" if x.c["prest/cNaoNIF"] == "0" else None


@regra("E0113")
def prestador_exterior_sem_nif(x: Contexto) -> str | None:
    sem = not (x.tem("prest/NIF") or x.tem("prest/cNaoNIF"))
    return "" if x.tem("prest/end/endExt") and sem else None


@regra("E0121")
def prestador_nome(x: Contexto) -> str | None:
    return "" if x.c["tpEmit"] == EMITENTE_PRESTADOR and x.tem("prest/xNome") else None


@regra("E0122")
def prestador_nome_terceiro(x: Contexto) -> str | None:
    return "" if x.c["tpEmit"] in TERCEIROS and not x.tem("prest/xNome") else None


@regra("E0123")
def prestador_nome_nif(x: Contexto) -> str | None:
    return "" if x.tem("prest/NIF") and not x.tem("prest/xNome") else None


@regra("E0128")
def prestador_endereco(x: Contexto) -> str | None:
    return "" if x.c["tpEmit"] == EMITENTE_PRESTADOR and x.tem("prest/end") else None


@regra("E0125")
def prestador_endereco_nacional_terceiro(x: Contexto) -> str | None:
    identificado = x.c["prest/CNPJ"] or x.c["prest/CPF"]
    terceiro = x.c["tpEmit"] in TERCEIROS
    return "" if terceiro and identificado and not x.tem("prest/end/endNac") else None


@regra("E0129")
def prestador_endereco_terceiro(x: Contexto) -> str | None:
    return "" if x.c["tpEmit"] in TERCEIROS and not x.tem("prest/end") else None


@regra("E0142")
def prestador_nif_sem_exterior(x: Contexto) -> str | None:
    grupo = {EMITENTE_TOMADOR: "toma", EMITENTE_INTERMEDIARIO: "interm"}.get(x.c["tpEmit"])
    emitente_cnpj = grupo is not None and x.tem(f"{grupo}/CNPJ")
    return "" if x.tem("prest/NIF") and emitente_cnpj and not x.tem("prest/end/endExt") \
        else None


regra("E0130")(lambda x: _cmun(x, "prest/end/endNac/cMun"))
regra("E0146")(lambda x: _pais(x, "prest/end/endExt/cPais"))
regra("E0148")(lambda x: _email(x, "prest/email"))


@regra("E0162")
def apuracao_fora_do_simples(x: Contexto) -> str | None:
    return "" if x.op in (NAO_OPTANTE, MEI) and x.tem("prest/regTrib/regApTribSN") else None


@regra("E0166")
def apuracao_me_epp(x: Contexto) -> str | None:
    return "" if x.op == ME_EPP and not x.reg_ap else None


@regra("E0172")
def regime_especial_sem_tributacao(x: Contexto) -> str | None:
    return "" if x.reg_esp != "0" and x.trib != TRIBUTAVEL else None


@regra("E0174")
def regime_especial_mei(x: Contexto) -> str | None:
    return "" if x.reg_esp != "0" and x.op == MEI else None


@regra("E0175")
def regime_especial_simples(x: Contexto) -> str | None:
    return "" if x.reg_esp != "0" and x.op == ME_EPP and x.reg_ap == "1" else None


@regra("E0177")
def regime_especial_do_municipio(x: Contexto) -> str | None:
    if x.reg_esp == "0" or x.municipal is None:
        return None
    admitidos = x.municipal.regimes.get(x.ctribnac)
    if admitidos is None or x.reg_esp in admitidos:
        return None
    return f"Admitidos para {x.ctribnac}: {', '.join(sorted(admitidos)) or 'nenhum'}"


@regra("E0178")
def regime_especial_do_contribuinte(x: Contexto) -> str | None:
    if x.reg_esp == "0" or x.municipal is None:
        return None
    atribuidos = x.municipal.regimes_contribuintes.get(x.ctribnac, {}).get(x.reg_esp)
    if atribuidos is None or x.emitente in atribuidos:
        return None
    return f"Regime {x.reg_esp} atribuído pelo município {x.incidencia} a contribuintes específicos"


# -- tomador -----------------------------------------------------------------------------

INDICADORES_COM_TOMADOR = frozenset({
    "030102", "050102", "100101", "100301", "100501", "030103", "050103", "100102", "100201",
    "100302", "100401", "100502", "100601"})
"""cIndOp values that require the tomador and its address (E0187, E0234)."""

regra("E0188")(lambda x: _dv(x, "toma/CNPJ", cnpj_ok))
regra("E0206")(lambda x: _dv(x, "toma/CPF", cpf_ok))


@regra("E0187")
def tomador_do_indicador(x: Contexto) -> str | None:
    indicador = x.c["IBSCBS/cIndOp"]
    return indicador if indicador in INDICADORES_COM_TOMADOR and not x.tem("toma") else None


@regra("E0202")
def tomador_prestador(x: Contexto) -> str | None:
    tomador = x.c["toma/CNPJ"] or x.c["toma/CPF"]
    return "" if tomador and tomador == x.emitente else None


@regra("E0204")
def retencao_sem_tomador(x: Contexto) -> str | None:
    identificado = x.c["toma/CNPJ"] or x.c["toma/CPF"]
    return "" if x.ret == RETIDO_TOMADOR and not identificado else None


@regra("E0223")
def tomador_exterior_sem_nif(x: Contexto) -> str | None:
    sem = not (x.tem("toma/NIF") or x.tem("toma/cNaoNIF"))
    return "" if x.tem("toma/end/endExt") and sem else None


@regra("E0226")
def tomador_nao_nif_zero(x: Contexto) -> str | None:
    return "" if x.c["toma/cNaoNIF"] == "0" else None


@regra("E0236")
def tomador_emitente_endereco(x: Contexto) -> str | None:
    return "" if x.c["tpEmit"] == EMITENTE_TOMADOR and x.tem("toma/end/endNac") else None


@regra("E0234")
def tomador_endereco(x: Contexto) -> str | None:
    if x.tem("toma/end"):
        return None
    if x.c["IBSCBS/cIndOp"] in INDICADORES_COM_TOMADOR:
        return f"Indicador da operação {x.c['IBSCBS/cIndOp']}"
    if x.trib == TRIBUTAVEL and x.tem("toma") and \
            tabelas.incidencia(x.ctribnac) == tabelas.ESTABELECIMENTO_TOMADOR:
        return f"O ISSQN de {x.ctribnac} é devido no estabelecimento do tomador"
    return None


@regra("E0237")
def tomador_endereco_retencao(x: Contexto) -> str | None:
    return "" if x.ret == RETIDO_TOMADOR and not x.tem("toma/end/endNac") else None


regra("E0238")(lambda x: _cmun(x, "toma/end/endNac/cMun"))


@regra("E0242")
def tomador_nif_sem_exterior(x: Contexto) -> str | None:
    nif = x.tem("toma/NIF") and x.c["prest/CNPJ"]
    return "" if nif and not x.tem("toma/end/endExt") else None


regra("E0246")(lambda x: _pais(x, "toma/end/endExt/cPais"))
regra("E0247")(lambda x: _email(x, "toma/email"))

# -- intermediário -----------------------------------------------------------------------

regra("E0248")(lambda x: _dv(x, "interm/CNPJ", cnpj_ok))
regra("E0266")(lambda x: _dv(x, "interm/CPF", cpf_ok))


@regra("E0262")
def intermediario_prestador(x: Contexto) -> str | None:
    cnpj = x.c["interm/CNPJ"]
    return "" if cnpj and x.c["prest/CNPJ"] and cnpj[:8] == x.c["prest/CNPJ"][:8] else None


@regra("E0264")
def retencao_sem_intermediario(x: Contexto) -> str | None:
    identificado = x.c["interm/CNPJ"] or x.c["interm/CPF"]
    return "" if x.ret == RETIDO_INTERMEDIARIO and not identificado else None


@regra("E0281")
def intermediario_exterior_sem_nif(x: Contexto) -> str | None:
    sem = not (x.tem("interm/NIF") or x.tem("interm/cNaoNIF"))
    return "" if x.tem("interm/end/endExt") and sem else None


@regra("E0286")
def intermediario_nao_nif_zero(x: Contexto) -> str | None:
    return "" if x.c["interm/cNaoNIF"] == "0" else None


@regra("E0291")
def intermediario_emitente_endereco(x: Contexto) -> str | None:
    return "" if x.c["tpEmit"] == EMITENTE_INTERMEDIARIO and x.tem("interm/end/endNac") \
        else None


@regra("E0293")
def intermediario_endereco_retencao(x: Contexto) -> str | None:
    return "" if x.ret == RETIDO_INTERMEDIARIO and not x.tem("interm/end/endNac") else None


regra("E0294")(lambda x: _cmun(x, "interm/end/endNac/cMun"))


@regra("E0298")
def intermediario_nif_sem_exterior(x: Contexto) -> str | None:
    nif = x.tem("interm/NIF") and x.c["prest/CNPJ"]
    return "" if nif and not x.tem("interm/end/endExt") else None


regra("E0299")(lambda x: _pais(x, "interm/end/endExt/cPais"))
regra("E0300")(lambda x: _email(x, "interm/email"))
