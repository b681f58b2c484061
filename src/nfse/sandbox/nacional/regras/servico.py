"""Rules on the service: place of provision, national and municipal codes, NBS, foreign trade,
construction work and events."""

from __future__ import annotations

from nfse.municipios.registry import get as municipio
from nfse.municipios.servicos import nacional
from nfse.regras import tabelas
from nfse.sandbox.nacional.regras.motor import (
    AGUAS_MARITIMAS,
    EXPORTACAO,
    MEI,
    Contexto,
    regra,
)

SEM_INCIDENCIA = "990101"


@regra("E0302")
def local_prestacao(x: Contexto) -> str | None:
    local = x.c["serv/locPrest/cLocPrestacao"]
    return local if local and local != AGUAS_MARITIMAS and municipio(local) is None else None


@regra("E0304")
def pais_prestacao(x: Contexto) -> str | None:
    pais = x.c["serv/locPrest/cPaisPrestacao"]
    return pais if pais and (pais == "BR" or pais not in tabelas.paises()) else None


@regra("E0310")
def codigo_nacional(x: Contexto) -> str | None:
    return x.ctribnac if nacional(x.ctribnac) is None else None


@regra("E0312")
def codigo_administrado(x: Contexto) -> str | None:
    if x.op == MEI or x.municipal is None or not x.municipal.convenio:
        return None
    return x.incidencia if x.ctribnac in x.municipal.recusados else None


@regra("E0315")
def codigo_municipal_zero(x: Contexto) -> str | None:
    return "" if x.c["serv/cServ/cTribMun"] == "000" else None


def _exterior(x: Contexto) -> bool:
    """A party or the place abroad: the foreign-trade scenario of a DPS its prestador sends."""
    return any(x.tem(c) for c in ("toma/end/endExt", "interm/end/endExt",
                                  "serv/locPrest/cPaisPrestacao"))


@regra("E0318")
def nbs_exportacao(x: Contexto) -> str | None:
    return "" if _exterior(x) and not x.c["serv/cServ/cNBS"] else None


@regra("E0322")
def nbs_ibscbs(x: Contexto) -> str | None:
    return "" if x.tem("IBSCBS") and not x.c["serv/cServ/cNBS"] else None


@regra("E0330")
def comercio_exterior(x: Contexto) -> str | None:
    exportacao = _exterior(x) or x.trib == EXPORTACAO
    return "" if exportacao and not x.tem("serv/comExt") else None


def _zero(campo: str):  # noqa: ANN202
    return lambda x: "" if x.c[f"serv/comExt/{campo}"].strip("0") == "" and \
        x.tem(f"serv/comExt/{campo}") else None


regra("E0333")(_zero("mdPrestacao"))
regra("E0341")(_zero("mecAFComexP"))
regra("E0343")(_zero("mecAFComexT"))
regra("E0345")(_zero("movTempBens"))


@regra("E0352")
def declaracao_importacao(x: Contexto) -> str | None:
    return "" if x.c["serv/comExt/movTempBens"] == "2" and not x.c["serv/comExt/nDI"] else None


@regra("E0354")
def sem_declaracoes(x: Contexto) -> str | None:
    com = x.c["serv/comExt/nDI"] or x.c["serv/comExt/nRE"]
    return "" if x.c["serv/comExt/movTempBens"] == "1" and com else None


@regra("E0356")
def registro_exportacao(x: Contexto) -> str | None:
    return "" if x.c["serv/comExt/movTempBens"] == "3" and not x.c["serv/comExt/nRE"] else None


def _grupo(x: Contexto) -> str | None:
    servico = nacional(x.ctribnac)
    return servico.grupo_obrigatorio if servico else None


@regra("E0370")
def obra_obrigatoria(x: Contexto) -> str | None:
    return "" if _grupo(x) == "obra" and not x.tem("serv/obra") else None


@regra("E0372")
def obra_indevida(x: Contexto) -> str | None:
    permitida = _grupo(x) == "obra" or x.ctribnac == SEM_INCIDENCIA
    return "" if x.tem("serv/obra") and not permitida else None


@regra("E0382")
def obra_cep_exterior(x: Contexto) -> str | None:
    return "" if x.tem("serv/locPrest/cPaisPrestacao") and x.tem("serv/obra/end/CEP") else None


@regra("E0384")
def obra_exterior(x: Contexto) -> str | None:
    exterior = x.tem("serv/locPrest/cPaisPrestacao")
    return "" if x.tem("serv/obra/end") and exterior and \
        not x.tem("serv/obra/end/endExt") else None


@regra("E0386")
def obra_nacional(x: Contexto) -> str | None:
    nacional_ = x.tem("serv/locPrest/cLocPrestacao")
    return "" if nacional_ and x.tem("serv/obra/end/endExt") else None


@regra("E0390")
def evento_obrigatorio(x: Contexto) -> str | None:
    return "" if x.ctribnac.startswith("12") and not x.tem("serv/atvEvento") else None


@regra("E0392")
def evento_indevido(x: Contexto) -> str | None:
    permitido = x.ctribnac.startswith("12") or x.ctribnac == SEM_INCIDENCIA
    return "" if x.tem("serv/atvEvento") and not permitido else None


@regra("E0400")
def evento_cep_exterior(x: Contexto) -> str | None:
    return "" if x.tem("serv/locPrest/cPaisPrestacao") and \
        x.tem("serv/atvEvento/end/CEP") else None


@regra("E0402")
def evento_exterior(x: Contexto) -> str | None:
    exterior = x.tem("serv/locPrest/cPaisPrestacao")
    return "" if x.tem("serv/atvEvento/end") and exterior and \
        not x.tem("serv/atvEvento/end/endExt") else None


@regra("E0404")
def evento_nacional(x: Contexto) -> str | None:
    nacional_ = x.tem("serv/locPrest/cLocPrestacao")
    return "" if nacional_ and x.tem("serv/atvEvento/end/endExt") else None


@regra("E0314")
def codigo_municipal(x: Contexto) -> str | None:
    if x.op == MEI or x.municipal is None or not x.c["serv/cServ/cTribMun"]:
        return None
    admitidos = x.municipal.servicos_municipais.get(x.ctribnac)
    codigo = x.c["serv/cServ/cTribMun"]
    return codigo if admitidos is not None and codigo not in admitidos else None


def _importacao(x: Contexto) -> bool:
    """The import scenario: the tomador or the intermediário emits (tpEmit 2 or 3) and the
    prestador is abroad or the service is provided abroad."""
    terceiro = x.c["tpEmit"] in ("2", "3")
    return terceiro and (x.tem("prest/end/endExt") or x.tem("serv/locPrest/cPaisPrestacao"))


@regra("E0320")
def nbs_importacao(x: Contexto) -> str | None:
    return "" if _importacao(x) and not x.c["serv/cServ/cNBS"] else None


@regra("E0331")
def comercio_exterior_importacao(x: Contexto) -> str | None:
    return "" if _importacao(x) and not x.tem("serv/comExt") else None


@regra("E0420")
def documento_referencia(x: Contexto) -> str | None:
    return "" if x.c["tpEmit"] in ("2", "3") and not x.c["serv/infoCompl/docRef"] else None
