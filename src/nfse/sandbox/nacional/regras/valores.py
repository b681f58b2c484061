"""Rules on the values of the DPS: amount received, discounts, deductions and the documents
behind them."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from nfse.model.digitos import so_digitos
from nfse.municipios.registry import get as municipio
from nfse.regras import catalogo, tabelas
from nfse.sandbox.nacional.digitos import chave_dv, cnpj_ok, cpf_ok, mod11
from nfse.sandbox.nacional.parametrizacao import ISENCAO
from nfse.sandbox.nacional.regras.motor import (
    ME_EPP,
    MEI,
    NAO_RETIDO,
    TRIBUTAVEL,
    Contexto,
    regra,
)

CEM = Decimal("100")
ALIQUOTA_MINIMA = Decimal("2")
OUTRAS_DEDUCOES = "99"
DOCUMENTOS_NACIONAIS = ("chNFSe", "chNFe")
"""Deduction documents that need no fornecedor group (E0477)."""


@cache
def excecoes_aliquota_minima() -> frozenset[str]:
    """The services the 2 % minimum effective rate does not bind, listed in the rule's text."""
    return frozenset(re.findall(r"\b\d{6}\b", catalogo.regra("E0429").descricao))


@cache
def excecoes_simples_deducao() -> frozenset[str]:
    return frozenset(re.findall(r"\b\d{6}\b", catalogo.regra("E0442").descricao))


def documentos(x: Contexto) -> tuple:
    return x.grupos("valores/vDedRed/documentos/docDedRed")


def deducao(x: Contexto) -> Decimal:
    """The deduction/reduction of the ISSQN base the DPS declares (vDR, pDR or documents)."""
    incondicionado = x.c.dec("valores/vDescCondIncond/vDescIncond")
    if x.tem("valores/vDedRed/vDR"):
        return x.c.dec("valores/vDedRed/vDR")
    if x.tem("valores/vDedRed/pDR"):
        return ((x.vserv - incondicionado) * x.c.dec("valores/vDedRed/pDR") / CEM).quantize(
            Decimal("0.01"))
    return sum((d.dec("vDeducaoReducao") for d in documentos(x)), Decimal("0"))


def beneficio(x: Contexto) -> Decimal:
    """The reduction of the ISSQN base by benefício municipal."""
    if x.tem("valores/trib/tribMun/BM/vRedBCBM"):
        return x.c.dec("valores/trib/tribMun/BM/vRedBCBM")
    return (x.vserv * x.c.dec("valores/trib/tribMun/BM/pRedBCBM") / CEM).quantize(
        Decimal("0.01"))


def tipo_beneficio(x: Contexto) -> int | None:
    numero = x.c["valores/trib/tribMun/BM/nBM"]
    if not numero or x.municipal is None:
        return None
    achado = x.municipal.beneficios.get(numero)
    return achado.tipo if achado else None


def abaixo_do_minimo(x: Contexto, reducao: Decimal) -> str | None:
    """Whether a reduction of the base makes the ISSQN fall under 2 % of the service value."""
    aliquota = x.c.dec("valores/trib/tribMun/pAliq") or x.aliquota_municipal
    if not reducao or aliquota is None or x.trib != TRIBUTAVEL or not x.vserv or \
            x.ctribnac in excecoes_aliquota_minima():
        return None
    efetiva = (x.vserv - reducao) * aliquota / x.vserv
    return None if efetiva >= ALIQUOTA_MINIMA else f"Alíquota efetiva {efetiva:.2f}%"


@regra("E0424")
def valor_recebido(x: Contexto) -> str | None:
    return "" if x.c["tpEmit"] in ("1", "2") and x.tem("valores/vServPrest/vReceb") else None


@regra("E0423")
def recebido_intermediario(x: Contexto) -> str | None:
    return "" if x.c["tpEmit"] == "3" and not x.tem("valores/vServPrest/vReceb") else None


@regra("E0425")
def recebido_menor(x: Contexto) -> str | None:
    recebido = x.c["valores/vServPrest/vReceb"]
    return "" if recebido and Decimal(recebido) < x.vserv else None


@regra("E0427")
def servico_menor_que_reducoes(x: Contexto) -> str | None:
    total = x.c.dec("valores/vDescCondIncond/vDescIncond") + deducao(x) + beneficio(x)
    return None if x.vserv >= total else f"Soma {total:.2f}"


@regra("E0428")
def servico_menor_que_abatimentos(x: Contexto) -> str | None:
    federais = sum((x.c.dec(f"valores/trib/tribFed/{t}") for t in
                    ("vRetCP", "vRetIRRF", "vRetCSLL")), Decimal("0"))
    retidos = Decimal("0")
    if x.c["valores/trib/tribFed/piscofins/tpRetPisCofins"] in ("1", "3"):
        retidos += x.c.dec("valores/trib/tribFed/piscofins/vPis") + \
            x.c.dec("valores/trib/tribFed/piscofins/vCofins")
    aliquota = x.c.dec("valores/trib/tribMun/pAliq") or x.aliquota_municipal
    if x.ret != NAO_RETIDO and aliquota:
        base = x.vserv - x.c.dec("valores/vDescCondIncond/vDescIncond") - deducao(x) - \
            beneficio(x)
        retidos += (base * aliquota / CEM).quantize(Decimal("0.01"))
    total = (x.c.dec("valores/vDescCondIncond/vDescIncond")
             + x.c.dec("valores/vDescCondIncond/vDescCond") + federais + retidos)
    return None if x.vserv >= total else f"Soma {total:.2f}"


@regra("E0429")
def carga_minima(x: Contexto) -> str | None:
    return abaixo_do_minimo(x, deducao(x) + beneficio(x))


def _desconto(campo: str):  # noqa: ANN202
    def verificar(x: Contexto) -> str | None:
        caminho = f"valores/vDescCondIncond/{campo}"
        if not x.tem(caminho):
            return None
        valor = x.c.dec(caminho)
        return None if Decimal("0") < valor < x.vserv else f"{valor:.2f}"
    return verificar


regra("E0431")(_desconto("vDescIncond"))
regra("E0432")(_desconto("vDescCond"))


@regra("E0435")
def deducao_sem_tributacao(x: Contexto) -> str | None:
    return "" if x.tem("valores/vDedRed") and x.trib != TRIBUTAVEL else None


@regra("E0436")
def deducao_mei(x: Contexto) -> str | None:
    return "" if x.tem("valores/vDedRed") and x.op == MEI else None


@regra("E0438")
def deducao_regime_especial(x: Contexto) -> str | None:
    return "" if x.tem("valores/vDedRed") and x.reg_esp != "0" else None


@regra("E0439")
def deducao_isencao(x: Contexto) -> str | None:
    return "" if x.tem("valores/vDedRed") and tipo_beneficio(x) == ISENCAO else None


@regra("E0442")
def deducao_simples(x: Contexto) -> str | None:
    simples = x.op == ME_EPP and x.reg_ap == "1" and not x.incidencia_ativa
    if x.tem("valores/vDedRed") and simples and x.incidencia is not None and \
            x.ctribnac not in excecoes_simples_deducao():
        return ""
    return None


@regra("E0453")
def percentual_deducao(x: Contexto) -> str | None:
    if not x.tem("valores/vDedRed/pDR"):
        return None
    valor = x.c.dec("valores/vDedRed/pDR")
    return None if Decimal("0") < valor <= CEM else f"{valor}"


@regra("E0444")
def carga_minima_percentual(x: Contexto) -> str | None:
    return abaixo_do_minimo(x, deducao(x)) if x.tem("valores/vDedRed/pDR") else None


@regra("E0447")
def carga_minima_valor(x: Contexto) -> str | None:
    return abaixo_do_minimo(x, deducao(x)) if x.tem("valores/vDedRed/vDR") else None


def _por_documento(verificar):  # noqa: ANN001, ANN202
    """A rule on each deduction document: the first that breaks it, by its position."""
    def regra_(x: Contexto) -> str | None:
        for posicao, doc in enumerate(documentos(x), start=1):
            if verificar(x, doc):
                return f"Documento {posicao}"
        return None
    return regra_


def _chave_nfe_ok(chave: str) -> bool:
    return len(chave) == 44 and so_digitos(chave) and \
        int(chave[43]) == mod11([int(c) for c in chave[:43]], 9)


regra("E0455")(_por_documento(
    lambda x, d: d["chNFSe"] and chave_dv(d["chNFSe"][:49]) != d["chNFSe"][49]))


@regra("E0456")
@_por_documento
def _nfse_deduzida_existe(x: Contexto, d) -> bool:  # noqa: ANN001
    chave = d["chNFSe"]
    return bool(chave) and chave_dv(chave[:49]) == chave[49] and \
        x.estado.por_chave(chave) is None


@regra("E0458")
@_por_documento
def _nfse_deduzida_cancelada(x: Contexto, d) -> bool:  # noqa: ANN001
    nota = x.estado.por_chave(d["chNFSe"]) if d["chNFSe"] else None
    return nota is not None and bool(nota["cancelada"])


regra("E0460")(_por_documento(lambda x, d: d["chNFe"] and not _chave_nfe_ok(d["chNFe"])))
regra("E0466")(_por_documento(
    lambda x, d: d["NFSeMun/cMunNFSeMun"] and municipio(d["NFSeMun/cMunNFSeMun"]) is None))
regra("E0468")(_por_documento(
    lambda x, d: d["tpDedRed"] == OUTRAS_DEDUCOES and not d["xDescOutDed"]))
regra("E0470")(_por_documento(
    lambda x, d: d["tpDedRed"] != OUTRAS_DEDUCOES and "xDescOutDed" in d))
regra("E0472")(_por_documento(lambda x, d: d["dtEmiDoc"] > x.c["dCompet"]))
regra("E0474")(_por_documento(
    lambda x, d: d.dec("vDeducaoReducao") > d.dec("vDedutivelRedutivel")))
regra("E0476")(_por_documento(lambda x, d: d.dec("vDeducaoReducao") > x.vserv))
regra("E0477")(_por_documento(
    lambda x, d: not any(k in d for k in DOCUMENTOS_NACIONAIS) and "fornec" not in d))
regra("E0478")(_por_documento(lambda x, d: d["fornec/CNPJ"] and not cnpj_ok(d["fornec/CNPJ"])))
regra("E0484")(_por_documento(lambda x, d: d["fornec/CPF"] and not cpf_ok(d["fornec/CPF"])))
regra("E1538")(_por_documento(
    lambda x, d: "fornec/end/endExt" in d and not ("fornec/NIF" in d or "fornec/cNaoNIF" in d)))
regra("E0490")(_por_documento(lambda x, d: d["fornec/cNaoNIF"] == "0"))
regra("E0492")(_por_documento(
    lambda x, d: (d["fornec/CNPJ"] or d["fornec/CPF"]) and "fornec/end/endNac" not in d))
regra("E0494")(_por_documento(
    lambda x, d: d["fornec/end/endNac/cMun"] and municipio(d["fornec/end/endNac/cMun"]) is None))
regra("E0498")(_por_documento(lambda x, d: "fornec/NIF" in d and "fornec/end/endExt" not in d))
regra("E0499")(_por_documento(
    lambda x, d: d["fornec/end/endExt/cPais"] and (d["fornec/end/endExt/cPais"] == "BR" or
                                                   d["fornec/end/endExt/cPais"]
                                                   not in tabelas.paises())))


@cache
def excecoes_simples_ativo() -> frozenset[str]:
    return frozenset(re.findall(r"\b\d{6}\b", catalogo.regra("E0441").descricao))


@regra("E0441")
def deducao_simples_ativo(x: Contexto) -> str | None:
    simples = x.op == ME_EPP and x.reg_ap == "1" and x.incidencia_ativa
    return "" if x.tem("valores/vDedRed") and simples and \
        x.ctribnac not in excecoes_simples_ativo() else None


def _forma(x: Contexto, forma: str, caminho: str) -> str | None:
    if not x.tem(caminho) or x.municipal is None or not x.incidencia_ativa:
        return None
    admitidas = x.municipal.deducoes.get(x.ctribnac)
    return None if admitidas is None or forma in admitidas else x.ctribnac


regra("E0454")(lambda x: _forma(x, "pDR", "valores/vDedRed/pDR"))
regra("E0446")(lambda x: _forma(x, "vDR", "valores/vDedRed/vDR"))
regra("E0449")(lambda x: _forma(x, "documentos", "valores/vDedRed/documentos"))


@regra("E0440")
def tipo_deducao(x: Contexto) -> str | None:
    if x.op != "1" or x.municipal is None or not x.incidencia_ativa:
        return None
    admitidos = x.municipal.tipos_deducao.get(x.ctribnac)
    if admitidos is None:
        return None
    recusados = [d["tpDedRed"] for d in documentos(x) if d["tpDedRed"] not in admitidos]
    return f"tpDedRed {', '.join(recusados)}" if recusados else None
