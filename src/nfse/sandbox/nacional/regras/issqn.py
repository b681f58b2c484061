"""Rules on the municipal tax (tribMun): taxation kind, immunity, suspension, benefício
municipal, retention, and when the rate (pAliq) must or must not be sent."""

from __future__ import annotations

from decimal import Decimal

from nfse.regras import tabelas
from nfse.sandbox.nacional.parametrizacao import (
    ALIQUOTA_DIFERENCIADA,
    ISENCAO,
    REDUCAO_PERCENTUAL,
    REDUCAO_VALOR,
)
from nfse.sandbox.nacional.regras.motor import (
    EXPORTACAO,
    IMUNIDADE,
    ME_EPP,
    MEI,
    NAO_INCIDENCIA,
    NAO_OPTANTE,
    NAO_RETIDO,
    RETIDO_INTERMEDIARIO,
    RETIDO_TOMADOR,
    TRIBUTAVEL,
    Contexto,
    regra,
)
from nfse.sandbox.nacional.regras.valores import abaixo_do_minimo, beneficio, tipo_beneficio

ALIQUOTA_MAXIMA = Decimal("5")
SEM_INCIDENCIA = "990101"
RODOVIA = "220101"
BM = "valores/trib/tribMun/BM"
PALIQ = "valores/trib/tribMun/pAliq"


@regra("E0532")
def nao_incidencia(x: Contexto) -> str | None:
    return "" if x.ctribnac == SEM_INCIDENCIA and x.trib != NAO_INCIDENCIA else None


@regra("E0592")
def tipo_imunidade(x: Contexto) -> str | None:
    tem = x.tem("valores/trib/tribMun/tpImunidade")
    return "" if tem != (x.trib == IMUNIDADE) else None


@regra("E0593")
def imunidade_zero(x: Contexto) -> str | None:
    return "" if x.c["valores/trib/tribMun/tpImunidade"] == "0" else None


@regra("E0585")
def suspensao(x: Contexto) -> str | None:
    return "" if x.tem("valores/trib/tribMun/exigSusp") and x.trib != TRIBUTAVEL else None


# -- benefício municipal -----------------------------------------------------------------

@regra("E0533")
def beneficio_sem_tributacao(x: Contexto) -> str | None:
    return "" if x.tem(BM) and x.trib != TRIBUTAVEL else None


@regra("E0534")
def beneficio_mei(x: Contexto) -> str | None:
    return "" if x.tem(BM) and x.op == MEI else None


@regra("E0535")
def beneficio_regime_especial(x: Contexto) -> str | None:
    return "" if x.tem(BM) and x.reg_esp != "0" else None


@regra("E0537")
def beneficio_municipio_inativo(x: Contexto) -> str | None:
    return "" if x.tem(BM) and x.municipal is not None and not x.incidencia_ativa else None


@regra("E0536")
def beneficio_simples(x: Contexto) -> str | None:
    simples = x.op == ME_EPP and x.reg_ap == "1" and x.incidencia_ativa
    construcao = x.ctribnac[:4] in ("0702", "0705")
    return "" if x.tem(BM) and simples and not construcao else None


def _beneficio(x: Contexto):  # noqa: ANN202
    numero = x.c[f"{BM}/nBM"]
    if not numero or x.municipal is None or not x.incidencia_ativa:
        return None
    return x.municipal.beneficios.get(numero)


def _municipio_do_servico(x: Contexto):  # noqa: ANN202
    """The parameters of the municipality where the service would be taxed, whatever the
    DPS says of its taxation (the não incidência rules ask that municipality)."""
    local = tabelas.incidencia(x.ctribnac)
    prestacao = x.c["serv/locPrest/cLocPrestacao"]
    if local == tabelas.LOCAL_PRESTACAO and prestacao and prestacao != "0000000":
        return x.parametros_de(prestacao)
    if local == tabelas.ESTABELECIMENTO_TOMADOR and x.c["toma/end/endNac/cMun"]:
        return x.parametros_de(x.c["toma/end/endNac/cMun"])
    return x.parametros_de(x.c["cLocEmi"])


@regra("E0539")
def nao_incidencia_indevida(x: Contexto) -> str | None:
    municipal = _municipio_do_servico(x)
    if x.trib != NAO_INCIDENCIA or municipal.nao_incidentes is None:
        return None
    return x.ctribnac if x.ctribnac not in municipal.nao_incidentes else None


@regra("E0540")
def nao_incidencia_devida(x: Contexto) -> str | None:
    municipal = _municipio_do_servico(x)
    if x.trib == NAO_INCIDENCIA or municipal.nao_incidentes is None:
        return None
    return x.ctribnac if x.ctribnac in municipal.nao_incidentes else None


@regra("E0548")
def beneficio_estabelecidos(x: Contexto) -> str | None:
    achado = _beneficio(x)
    fora = x.c["cLocEmi"] != x.incidencia
    return "" if achado is not None and achado.so_estabelecidos and fora else None


@regra("E0550")
def beneficio_alcance(x: Contexto) -> str | None:
    achado = _beneficio(x)
    if achado is None:
        return None
    if achado.servicos is not None and x.ctribnac not in achado.servicos:
        return f"Serviço {x.ctribnac}"
    if achado.contribuintes is not None and x.emitente not in achado.contribuintes:
        return f"Prestador {x.emitente}"
    return None


@regra("E0541")
def beneficio_existe(x: Contexto) -> str | None:
    numero = x.c[f"{BM}/nBM"]
    if not numero or x.municipal is None or not x.incidencia_ativa:
        return None
    return numero if numero not in x.municipal.beneficios else None


@regra("E0544")
def beneficio_vigente(x: Contexto) -> str | None:
    achado = _beneficio(x)
    if achado is None:
        return None
    vigente = achado.inicio <= x.dcompet and (achado.fim is None or x.dcompet <= achado.fim)
    return None if vigente else ""


@regra("E0565")
def valor_sem_reducao_por_valor(x: Contexto) -> str | None:
    return "" if x.tem(f"{BM}/vRedBCBM") and tipo_beneficio(x) not in (None, REDUCAO_VALOR) \
        else None


@regra("E0567")
def reducao_por_valor(x: Contexto) -> str | None:
    return "" if tipo_beneficio(x) == REDUCAO_VALOR and not x.tem(f"{BM}/vRedBCBM") else None


@regra("E0577")
def percentual_sem_reducao_percentual(x: Contexto) -> str | None:
    tipo = tipo_beneficio(x)
    return "" if x.tem(f"{BM}/pRedBCBM") and tipo not in (None, REDUCAO_PERCENTUAL) else None


@regra("E0579")
def reducao_percentual(x: Contexto) -> str | None:
    tipo = tipo_beneficio(x)
    return "" if tipo == REDUCAO_PERCENTUAL and not x.tem(f"{BM}/pRedBCBM") else None


@regra("E0574")
def reducao_acima_do_servico(x: Contexto) -> str | None:
    return "" if x.c.dec(f"{BM}/vRedBCBM") > x.vserv else None


@regra("E0575")
def reducao_valor_minimo(x: Contexto) -> str | None:
    return abaixo_do_minimo(x, beneficio(x)) if x.tem(f"{BM}/vRedBCBM") else None


@regra("E0586")
def reducao_percentual_limite(x: Contexto) -> str | None:
    if not x.tem(f"{BM}/pRedBCBM"):
        return None
    valor = x.c.dec(f"{BM}/pRedBCBM")
    achado = _beneficio(x)
    limite = achado.percentual if achado and achado.percentual is not None else Decimal("100")
    return None if Decimal("0") < valor <= limite else f"Máximo {limite}%"


@regra("E0587")
def reducao_percentual_minimo(x: Contexto) -> str | None:
    return abaixo_do_minimo(x, beneficio(x)) if x.tem(f"{BM}/pRedBCBM") else None


# -- retention ---------------------------------------------------------------------------

def _retido(x: Contexto) -> bool:
    return x.ret != NAO_RETIDO


@regra("E0580")
def retencao_sem_tributacao(x: Contexto) -> str | None:
    return "" if _retido(x) and x.trib != TRIBUTAVEL else None


@regra("E0583")
def retencao_mei(x: Contexto) -> str | None:
    return "" if _retido(x) and x.op == MEI else None


@regra("E0588")
def retencao_regime_especial(x: Contexto) -> str | None:
    return "" if _retido(x) and x.reg_esp != "0" else None


@regra("E0594")
def retencao_isencao(x: Contexto) -> str | None:
    return "" if _retido(x) and tipo_beneficio(x) == ISENCAO else None


@regra("E0596")
def retencao_rodovia(x: Contexto) -> str | None:
    return "" if _retido(x) and x.ctribnac == RODOVIA else None


def _importacao_no_brasil(x: Contexto) -> bool:
    """A service imported into Brazil: the prestador identified by NIF (or, without one,
    with its address abroad) and the service provided in Brazil (E0650, E0652)."""
    exterior = x.tem("prest/NIF") or x.tem("prest/end/endExt")
    return exterior and x.tem("serv/locPrest/cLocPrestacao")


@regra("E0650")
def importacao_tomador(x: Contexto) -> str | None:
    emitente = x.c["tpEmit"] == "2"
    return "" if emitente and _importacao_no_brasil(x) and x.ret != RETIDO_TOMADOR else None


@regra("E0652")
def importacao_intermediario(x: Contexto) -> str | None:
    emitente = x.c["tpEmit"] == "3"
    return "" if emitente and _importacao_no_brasil(x) and x.ret != RETIDO_INTERMEDIARIO \
        else None


def _pais_resultado_obrigatorio(x: Contexto) -> bool:
    """An export of a service provided in Brazil whose result is abroad by the place the
    ISSQN would be due (LC 116/2003): the prestador's establishment, or the tomador's when
    the tomador is abroad or not informed (scenarios 2, 30, 58, 62, 72, 76 of the annex)."""
    if x.trib != EXPORTACAO or not x.tem("serv/locPrest/cLocPrestacao"):
        return False
    local = tabelas.incidencia(x.ctribnac)
    return local == tabelas.ESTABELECIMENTO_PRESTADOR or (
        local == tabelas.ESTABELECIMENTO_TOMADOR and not x.tem("toma/end/endNac"))


@regra("E0590")
def pais_resultado_obrigatorio(x: Contexto) -> str | None:
    obrigatorio = _pais_resultado_obrigatorio(x)
    return "" if obrigatorio and not x.tem("valores/trib/tribMun/cPaisResult") else None


@regra("E0591")
def pais_resultado_indevido(x: Contexto) -> str | None:
    informado = x.tem("valores/trib/tribMun/cPaisResult")
    return "" if informado and not _pais_resultado_obrigatorio(x) else None


def _retencao_cpf(x: Contexto, grupo: str, tipo: str) -> str | None:
    if x.ret != tipo or not x.c[f"{grupo}/CPF"] or x.municipal is None or \
            not x.incidencia_ativa:
        return None
    return None if x.municipal.retencao_cpf else x.c[f"{grupo}/CPF"]


regra("E0667")(lambda x: _retencao_cpf(x, "toma", "2"))
regra("E0670")(lambda x: _retencao_cpf(x, "interm", "3"))

# -- the rate ----------------------------------------------------------------------------


def _com_aliquota(x: Contexto) -> bool:
    return x.tem(PALIQ)


def _sem_beneficio_de_aliquota(x: Contexto) -> bool:
    return tipo_beneficio(x) not in (ISENCAO, ALIQUOTA_DIFERENCIADA)


@regra("E0595")
def aliquota_maxima(x: Contexto) -> str | None:
    return f"{x.c[PALIQ]}%" if _com_aliquota(x) and x.c.dec(PALIQ) > ALIQUOTA_MAXIMA else None


@regra("E0600")
def aliquota_mei(x: Contexto) -> str | None:
    return "" if _com_aliquota(x) and x.op == MEI else None


@regra("E0602")
def aliquota_sem_tributacao(x: Contexto) -> str | None:
    return "" if _com_aliquota(x) and x.trib != TRIBUTAVEL else None


@regra("E0604")
def aliquota_regime_especial(x: Contexto) -> str | None:
    return "" if _com_aliquota(x) and x.reg_esp != "0" else None


@regra("E0612")
def aliquota_com_beneficio(x: Contexto) -> str | None:
    return "" if _com_aliquota(x) and not _sem_beneficio_de_aliquota(x) else None


def _tributavel(x: Contexto) -> bool:
    return x.trib == TRIBUTAVEL and x.incidencia is not None


@regra("E0617")
def aliquota_nao_optante_ativo(x: Contexto) -> str | None:
    if _com_aliquota(x) and _tributavel(x) and x.op == NAO_OPTANTE and x.incidencia_ativa:
        return f"A alíquota vem da parametrização do município {x.incidencia}"
    return None


@regra("E0619")
def aliquota_nao_optante_inativo(x: Contexto) -> str | None:
    falta = not _com_aliquota(x) and _tributavel(x) and x.op == NAO_OPTANTE
    return "" if falta and not x.incidencia_ativa and x.reg_esp == "0" else None


def _simples_no_sn(x: Contexto) -> bool:
    return _tributavel(x) and x.op == ME_EPP and x.reg_ap == "1"


@regra("E0621")
def aliquota_simples_retido(x: Contexto) -> str | None:
    falta = not _com_aliquota(x) and _simples_no_sn(x) and x.incidencia_ativa
    return "" if falta and _sem_beneficio_de_aliquota(x) and _retido(x) else None


@regra("E0625")
def aliquota_simples_nao_retido(x: Contexto) -> str | None:
    sobra = _com_aliquota(x) and _simples_no_sn(x) and x.incidencia_ativa
    return "" if sobra and _sem_beneficio_de_aliquota(x) and not _retido(x) else None


@regra("E0628")
def aliquota_simples_inativo_retido(x: Contexto) -> str | None:
    falta = not _com_aliquota(x) and _simples_no_sn(x) and not x.incidencia_ativa
    return "" if falta and _retido(x) else None


@regra("E0631")
def aliquota_simples_inativo_nao_retido(x: Contexto) -> str | None:
    sobra = _com_aliquota(x) and _simples_no_sn(x) and not x.incidencia_ativa
    return "" if sobra and not _retido(x) else None


def _simples_fora_do_sn(x: Contexto) -> bool:
    return _tributavel(x) and x.op == ME_EPP and x.reg_ap in ("2", "3")


@regra("E0635")
def aliquota_simples_fora_ativo(x: Contexto) -> str | None:
    return "" if _com_aliquota(x) and _simples_fora_do_sn(x) and x.incidencia_ativa else None


@regra("E0640")
def aliquota_simples_fora_inativo(x: Contexto) -> str | None:
    falta = not _com_aliquota(x) and _simples_fora_do_sn(x) and not x.incidencia_ativa
    return "" if falta else None
