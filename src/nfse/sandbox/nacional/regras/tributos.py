"""Rules on the federal taxes (tribFed) and the approximate total of taxes (totTrib)."""

from __future__ import annotations

from decimal import Decimal

from nfse.sandbox.nacional.regras.motor import ME_EPP, MEI, NAO_OPTANTE, Contexto, regra

CEM = Decimal("100")
FED = "valores/trib/tribFed"
PIS = f"{FED}/piscofins"
TOT = "valores/trib/totTrib"


@regra("E0675")
def federais_cpf(x: Contexto) -> str | None:
    return "" if x.tem(FED) and x.c["prest/CPF"] else None


@regra("E0676")
def federais_mei(x: Contexto) -> str | None:
    return "" if x.tem(FED) and x.op == MEI else None


@regra("E0677")
def base_pis_cofins(x: Contexto) -> str | None:
    return "" if x.c.dec(f"{PIS}/vBCPisCofins") > x.vserv else None


def _percentual(caminho: str):  # noqa: ANN202
    def verificar(x: Contexto) -> str | None:
        return "" if x.tem(caminho) and not Decimal("0") <= x.c.dec(caminho) <= CEM else None
    return verificar




def _produto(valor: str, aliquota: str):  # noqa: ANN202
    def verificar(x: Contexto) -> str | None:
        if not x.tem(f"{PIS}/{aliquota}"):
            return None
        esperado = (x.c.dec(f"{PIS}/vBCPisCofins") * x.c.dec(f"{PIS}/{aliquota}") / CEM
                    ).quantize(Decimal("0.01"))
        informado = x.c.dec(f"{PIS}/{valor}")
        return None if abs(informado - esperado) <= Decimal("0.01") else f"Esperado {esperado}"
    return verificar


regra("E0694")(_produto("vPis", "pAliqPis"))
regra("E0696")(_produto("vCofins", "pAliqCofins"))


def _retencao(campo: str):  # noqa: ANN202
    def verificar(x: Contexto) -> str | None:
        caminho = f"{FED}/{campo}"
        return "" if x.tem(caminho) and not Decimal("0") < x.c.dec(caminho) < x.vserv \
            else None
    return verificar


regra("E0699")(_retencao("vRetCP"))
regra("E0700")(_retencao("vRetIRRF"))
regra("E0701")(_retencao("vRetCSLL"))


@regra("E0720")
def csll_nao_retida(x: Contexto) -> str | None:
    return "" if x.c[f"{PIS}/tpRetPisCofins"] == "0" and x.tem(f"{FED}/vRetCSLL") else None


@regra("E0724")
def csll_retida(x: Contexto) -> str | None:
    tipo = x.c[f"{PIS}/tpRetPisCofins"]
    return "" if tipo and tipo not in ("0", "2") and not x.tem(f"{FED}/vRetCSLL") else None


def _total_valor(campo: str):  # noqa: ANN202
    def verificar(x: Contexto) -> str | None:
        caminho = f"{TOT}/vTotTrib/{campo}"
        return "" if x.tem(caminho) and not Decimal("0") <= x.c.dec(caminho) <= x.vserv \
            else None
    return verificar


regra("E0702")(_total_valor("vTotTribFed"))
regra("E0703")(_total_valor("vTotTribEst"))
regra("E0704")(_total_valor("vTotTribMun"))
regra("E0706")(_percentual(f"{TOT}/pTotTrib/pTotTribFed"))
regra("E0707")(_percentual(f"{TOT}/pTotTrib/pTotTribEst"))
regra("E0708")(_percentual(f"{TOT}/pTotTrib/pTotTribMun"))


@regra("E0710")
def total_simples_mei(x: Contexto) -> str | None:
    return "" if x.op == MEI and x.tem(f"{TOT}/pTotTribSN") else None


@regra("E0712")
def indicador_me_epp(x: Contexto) -> str | None:
    return "" if x.op == ME_EPP and x.tem(f"{TOT}/indTotTrib") else None


@regra("E0713")
def total_nao_optante(x: Contexto) -> str | None:
    sem = x.tem(f"{TOT}/indTotTrib") or x.tem(f"{TOT}/pTotTribSN")
    return "Informe vTotTrib ou pTotTrib" if x.op == NAO_OPTANTE and sem else None
