"""Rules on the IBS/CBS group of the tax reform (DPS 1.01)."""

from __future__ import annotations

from datetime import date

from nfse.municipios.registry import get as municipio
from nfse.sandbox.nacional.digitos import chave_dv, cnpj_ok, cpf_ok
from nfse.sandbox.nacional.leitura import todos
from nfse.sandbox.nacional.regras.motor import Contexto, regra
from nfse.sandbox.nacional.regras.pessoas import _email
from nfse.sandbox.nacional.regras.valores import _chave_nfe_ok

G = "IBSCBS"
GIBSCBS = "IBSCBS/valores/trib/gIBSCBS"
COM_TIPO_OPERACAO = ("2505", "1509", "1712", "1005")
"""LC 116 subitems whose DPS declares tpOper (E0903)."""
CONSTRUCAO = frozenset({"070201", "070202", "070401", "070501", "070502", "070601", "070602",
                        "070701", "070801", "071701", "071901"})
INDICADORES_IMOVEL = frozenset({"020101", "020201", "020301"})
FIM_DOCUMENTOS_OUTROS = date(2025, 12, 31)
OUTROS_REEMBOLSOS = "99"


@regra("E0903")
def tipo_operacao_obrigatorio(x: Contexto) -> str | None:
    if not x.tem(G) or x.tem(f"{G}/tpOper"):
        return None
    devido = x.tem(f"{G}/tpEnteGov") or x.ctribnac[:4] in COM_TIPO_OPERACAO
    return "" if devido else None


@regra("E0904")
def tipo_operacao_indevido(x: Contexto) -> str | None:
    devido = x.tem(f"{G}/tpEnteGov") or x.ctribnac[:4] in COM_TIPO_OPERACAO
    return "" if x.tem(f"{G}/tpOper") and not devido else None


@regra("E0905")
def referencias_obrigatorias(x: Contexto) -> str | None:
    return "" if x.c[f"{G}/tpOper"] in ("2", "3") and not x.tem(f"{G}/gRefNFSe") else None


@regra("E0906")
def referencias_indevidas(x: Contexto) -> str | None:
    return "" if x.tem(f"{G}/gRefNFSe") and x.c[f"{G}/tpOper"] not in ("2", "3") else None


@regra("E0907")
def referencia_invalida(x: Contexto) -> str | None:
    if not x.tem(f"{G}/gRefNFSe"):
        return None
    for node in todos(x.inf, f"{G}/gRefNFSe/refNFSe"):
        chave = node.text or ""
        if len(chave) != 50 or chave_dv(chave[:49]) != chave[49]:
            return chave
    return None


@regra("E0910")
def destinatario(x: Contexto) -> str | None:
    return "" if x.tem(f"{G}/dest") and x.c[f"{G}/indDest"] != "1" else None


@regra("E0911")
def destinatario_cnpj(x: Contexto) -> str | None:
    cnpj = x.c[f"{G}/dest/CNPJ"]
    return "" if cnpj and not cnpj_ok(cnpj) else None


@regra("E0913")
def destinatario_cpf(x: Contexto) -> str | None:
    cpf = x.c[f"{G}/dest/CPF"]
    return "" if cpf and not cpf_ok(cpf) else None


@regra("E0920")
def destinatario_municipio(x: Contexto) -> str | None:
    codigo = x.c[f"{G}/dest/end/endNac/cMun"]
    return codigo if codigo and municipio(codigo) is None else None


regra("E0930")(lambda x: _email(x, f"{G}/dest/email"))


@regra("E0931")
def imovel_construcao(x: Contexto) -> str | None:
    return "" if x.tem(f"{G}/imovel") and x.ctribnac in CONSTRUCAO else None


@regra("E0932")
def imovel_obrigatorio(x: Contexto) -> str | None:
    devido = x.c[f"{G}/cIndOp"] in INDICADORES_IMOVEL and x.ctribnac not in CONSTRUCAO
    return "" if devido and not x.tem(f"{G}/imovel") else None


@regra("E0928")
def imovel_indevido(x: Contexto) -> str | None:
    fora = x.ctribnac not in CONSTRUCAO and x.c[f"{G}/cIndOp"] not in INDICADORES_IMOVEL
    return "" if x.tem(f"{G}/imovel") and fora else None


@regra("E0934")
def imovel_exterior(x: Contexto) -> str | None:
    exterior = x.tem("serv/locPrest/cPaisPrestacao")
    return "" if exterior and x.tem(f"{G}/imovel/end") and \
        not x.tem(f"{G}/imovel/end/endExt") else None


@regra("E0935")
def imovel_nacional(x: Contexto) -> str | None:
    return "" if x.tem("serv/locPrest/cLocPrestacao") and \
        x.tem(f"{G}/imovel/end/endExt") else None


def _documentos(x: Contexto) -> tuple:
    return x.grupos(f"{G}/valores/gReeRepRes/documentos")


def _por_documento(verificar):  # noqa: ANN001, ANN202
    def regra_(x: Contexto) -> str | None:
        for posicao, doc in enumerate(_documentos(x), start=1):
            if verificar(x, doc):
                return f"Documento {posicao}"
        return None
    return regra_


def _chave_dfe_ok(chave: str) -> bool:
    if len(chave) == 50 and chave.isdigit():
        return chave_dv(chave[:49]) == chave[49]
    return _chave_nfe_ok(chave)


regra("E0940")(_por_documento(
    lambda x, d: d["dFeNacional/chaveDFe"] and not _chave_dfe_ok(d["dFeNacional/chaveDFe"])))
regra("E0942")(_por_documento(
    lambda x, d: "docFiscalOutro" in d and date.fromisoformat(d["dtCompDoc"])
    > FIM_DOCUMENTOS_OUTROS))
regra("E0943")(_por_documento(
    lambda x, d: d["docFiscalOutro/cMunDocFiscal"]
    and municipio(d["docFiscalOutro/cMunDocFiscal"]) is None))
regra("E0945")(_por_documento(lambda x, d: d["fornec/CNPJ"] and not cnpj_ok(d["fornec/CNPJ"])))
regra("E0947")(_por_documento(lambda x, d: d["fornec/CPF"] and not cpf_ok(d["fornec/CPF"])))
regra("E0950")(_por_documento(lambda x, d: d["dtEmiDoc"] < d["dtCompDoc"]))
regra("E0952")(_por_documento(
    lambda x, d: "xTpReeRepRes" in d and d["tpReeRepRes"] != OUTROS_REEMBOLSOS))
regra("E0953")(_por_documento(lambda x, d: d.dec("vlrReeRepRes") > x.vserv))


regra("E0951")(_por_documento(lambda x, d: d["dtCompDoc"] > d["dtEmiDoc"]))


def _classificacao_do_cst(x: Contexto, cst: str, classificacao: str) -> str | None:
    """The first three digits of a cClassTrib are the CST it belongs to."""
    codigo, situacao = x.c[f"{GIBSCBS}/{classificacao}"], x.c[f"{GIBSCBS}/{cst}"]
    return f"{classificacao} {codigo}, {cst} {situacao}" if codigo and situacao and \
        codigo[:3] != situacao else None


regra("E0959")(lambda x: _classificacao_do_cst(x, "CST", "cClassTrib"))
regra("E0970")(lambda x: _classificacao_do_cst(x, "gTribRegular/CSTReg",
                                                "gTribRegular/cClassTribReg"))
