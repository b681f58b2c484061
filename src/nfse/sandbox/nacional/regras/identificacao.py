"""Rules on the identity of the DPS: its Id, environment, dates, emitter, municipality of
emission and the note it replaces."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from lxml import etree

from nfse.municipios.registry import get as municipio
from nfse.sandbox.nacional.digitos import chave_dv
from nfse.sandbox.nacional.leitura import N, campos
from nfse.sandbox.nacional.regras.motor import MEI, NAO_OPTANTE, Contexto, regra

INICIO_IBSCBS = date(2026, 1, 1)


@regra("E0004")
def id_dps(x: Contexto) -> str | None:
    c = x.c
    tipo = "2" if c["prest/CNPJ"] else "1"
    esperado = (f"DPS{c['cLocEmi']}{tipo}{x.emitente.zfill(14)}"
                f"{int(c['serie']):05d}{int(c['nDPS']):015d}")
    return None if x.inf.get("Id") == esperado else f"Esperado {esperado}"


@regra("E0006")
def ambiente(x: Contexto) -> str | None:
    return None if x.c["tpAmb"] == "2" else "Este é o ambiente de produção restrita (2)"


@regra("E0008")
def emissao_futura(x: Contexto) -> str | None:
    return None if datetime.fromisoformat(x.c["dhEmi"]) <= x.agora else \
        f"Processada em {x.agora.isoformat(timespec='seconds')}"


@regra("E0015")
def competencia_apos_emissao(x: Contexto) -> str | None:
    return None if x.dcompet <= datetime.fromisoformat(x.c["dhEmi"]).date() else ""


@regra("E0016")
def competencia_antes_do_convenio(x: Contexto) -> str | None:
    municipal = x.parametros_de(x.c["cLocEmi"])
    if not municipal.convenio or municipal.ativacao is None or x.op == MEI or \
            x.dcompet >= municipal.ativacao:
        return None
    return f"Convênio ativo desde {municipal.ativacao.isoformat()}"


@regra("E9996")
def emitente_prestador(x: Contexto) -> str | None:
    return None if x.c["tpEmit"] == "1" else ""


@regra("E0029")
def motivo_sem_emitente_terceiro(x: Contexto) -> str | None:
    return "" if x.c["tpEmit"] == "1" and x.tem("cMotivoEmisTI") else None


@regra("E0037")
def municipio_emissor(x: Contexto) -> str | None:
    codigo = x.c["cLocEmi"]
    if municipio(codigo) is None or not x.parametros_de(codigo).convenio:
        return codigo
    return None


@regra("E0038")
def convenio_ativo(x: Contexto) -> str | None:
    municipal = x.parametros_de(x.c["cLocEmi"])
    return "" if municipal.convenio and not municipal.ativo else None


@regra("E0039")
def emissor_nacional(x: Contexto) -> str | None:
    municipal = x.parametros_de(x.c["cLocEmi"])
    return "" if municipal.convenio and not municipal.emissor_nacional else None


@regra("E0014")
def dps_repetida(x: Contexto) -> str | None:
    return None if x.estado.por_dps(x.inf.get("Id")) is None else ""


# -- substitution ------------------------------------------------------------------------

def _substituida(x: Contexto) -> str:
    return x.c["subst/chSubstda"]


@regra("E0042")
def chave_substituida(x: Contexto) -> str | None:
    chave = _substituida(x)
    if not chave:
        return None
    if chave_dv(chave[:49]) != chave[49]:
        return "Dígito verificador da chave inválido"
    tipo = "2" if x.c["prest/CNPJ"] else "1"
    if (chave[:7], chave[8], chave[9:23]) != (x.c["cLocEmi"], tipo, x.emitente.zfill(14)):
        return "Município, tipo de inscrição ou inscrição da chave diferem dos da DPS"
    return None


@regra("E0065")
def ambiente_gerador(x: Contexto) -> str | None:
    chave = _substituida(x)
    return "" if chave and chave[7] != "2" else None


def _original(x: Contexto) -> dict | None:
    chave = _substituida(x)
    return x.estado.por_chave(chave) if chave else None


@regra("E0044")
def substituida_existe(x: Contexto) -> str | None:
    chave = _substituida(x)
    if not chave or chave_dv(chave[:49]) != chave[49] or chave[7] != "2":
        return None  # E0042 / E0065 said it
    return "" if x.estado.por_chave(chave) is None else None


@regra("E0046")
def substituida_cancelada(x: Contexto) -> str | None:
    original = _original(x)
    return "" if original is not None and original["cancelada"] else None


@cache
def _dps_original(xml: bytes) -> dict[str, str]:
    inf = etree.fromstring(xml).find("n:infNFSe/n:DPS/n:infDPS", N)
    return dict(campos(inf))


def _alterados(x: Contexto, caminhos: tuple[str, ...]) -> str | None:
    original = _original(x)
    if original is None:
        return None
    antes = _dps_original(original["xml"])
    mudaram = [c for c in caminhos if antes.get(c, "") != x.c[c]]
    return f"Alterado: {', '.join(mudaram)}" if mudaram else None


@regra("E0060")
def substituicao_nao_optante(x: Contexto) -> str | None:
    if x.op != NAO_OPTANTE:
        return None
    original = _original(x)
    if original is None:
        return None
    antes = _dps_original(original["xml"])
    mudou = [nome for nome, a, d in (
        ("dCompet", antes.get("dCompet", ""), x.c["dCompet"]),
        ("subitem", antes.get("serv/cServ/cTribNac", "")[:4], x.ctribnac[:4]),
        ("cTribMun", antes.get("serv/cServ/cTribMun", ""), x.c["serv/cServ/cTribMun"]),
        ("cLocPrestacao", antes.get("serv/locPrest/cLocPrestacao", ""),
         x.c["serv/locPrest/cLocPrestacao"])) if a != d]
    return f"Alterado: {', '.join(mudou)}" if mudou else None


@regra("E0061")
def substituicao_simples(x: Contexto) -> str | None:
    if x.op == NAO_OPTANTE:
        return None
    original = _original(x)
    if original is None:
        return None
    antes = _dps_original(original["xml"])
    tomador = [c for c in ("toma/CNPJ", "toma/CPF", "toma/NIF") if antes.get(c)]
    return _alterados(x, (*tomador, "dCompet", "valores/vServPrest/vServ"))


def _emissor(x: Contexto):  # noqa: ANN202
    return x.parametros_de(x.c["cLocEmi"])


@regra("E0050")
def prazo_substituicao(x: Contexto) -> str | None:
    """Counted from the replaced note's competence (the basis of the municipal deadline is
    not published)."""
    original, prazo = _original(x), _emissor(x).prazo_substituicao
    if original is None or prazo is None or x.c["subst/cMotivo"] in ("01", "02"):
        return None
    competencia = date.fromisoformat(_dps_original(original["xml"])["dCompet"])
    return f"Prazo de {prazo} dias" if (x.agora.date() - competencia).days > prazo else None


@regra("E0056")
def substituicao_sem_tomador(x: Contexto) -> str | None:
    original = _original(x)
    if original is None or not _emissor(x).substituicao_exige_tomador:
        return None
    antes = _dps_original(original["xml"])
    return "" if not any(k.startswith("toma/") for k in antes) else None


@regra("E0058")
def substituicao_troca_tomador(x: Contexto) -> str | None:
    original = _original(x)
    if original is None or not _emissor(x).substituicao_mantem_tomador:
        return None
    antes = _dps_original(original["xml"])
    caminhos = ("toma/CNPJ", "toma/CPF", "toma/NIF", "toma/cNaoNIF")
    return "" if any(antes.get(c, "") != x.c[c] for c in caminhos) else None


@regra("E0078")
def motivo_outros(x: Contexto) -> str | None:
    return "" if x.c["subst/cMotivo"] == "99" and not x.c["subst/xMotivo"] else None


# -- layout version and reform -----------------------------------------------------------

@regra("E0854")
def ibscbs_versao(x: Contexto) -> str | None:
    return "" if x.tem("IBSCBS") and x.raiz.get("versao") != "1.01" else None


@regra("E0850")
def ibscbs_competencia(x: Contexto) -> str | None:
    return "" if x.tem("IBSCBS") and x.dcompet < INICIO_IBSCBS else None
