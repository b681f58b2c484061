"""The Sefin's rejection rules, rule by rule, as the sandbox enforces them: for each code, a DPS
that breaks the rule gets it (with the official message, among every other violation), and
one just inside it does not — and is authorized, where the rule allows a valid DPS nearby.

The documents are written by ``tests.sandbox.dps_nacional`` from the layout, never by the
gateway's builder, and judged by the ``Sefin`` object directly (no HTTP: the transport has its
own tests)."""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from nfse.certs.generate import generate_a1
from nfse.fuso import SAO_PAULO
from nfse.regras import catalogo
from nfse.sandbox.nacional.parametrizacao import (
    ALIQUOTA_DIFERENCIADA,
    ISENCAO,
    REDUCAO_PERCENTUAL,
    REDUCAO_VALOR,
    Beneficio,
)
from nfse.sandbox.nacional.sefin import Sefin
from nfse.sandbox.nacional.state import Estado
from tests.sandbox.dps_nacional import CNPJ, MUNICIPIO, TOMA, TOMADOR, dps

SEFIN_A1 = generate_a1("07504505000132", "SEFIN SANDBOX")
CPF = "52998224725"
CPF_A1 = generate_a1(CPF, "PESSOA FISICA TESTE")

# -- fragments of a DPS ------------------------------------------------------------------
SN = {"opSimpNac": "3", "regApTribSN": "1"}
FORA_SN = {"opSimpNac": "3", "regApTribSN": "2"}
MEI = {"opSimpNac": "2"}
RET = {"tpRetISSQN": "2"}
IMUNE = {"tribISSQN": "2", "tribMun": "<tpImunidade>1</tpImunidade>"}
INATIVO = {"ativo": False}
NBS = {"cNBS": "115022000"}
COMEXT = ("<comExt><mdPrestacao>1</mdPrestacao><vincPrest>0</vincPrest><tpMoeda>220</tpMoeda>"
          "<vServMoeda>200.00</vServMoeda><mecAFComexP>01</mecAFComexP>"
          "<mecAFComexT>01</mecAFComexT><movTempBens>{mov}</movTempBens>{docs}<mdic>0</mdic>"
          "</comExt>")
EXTERIOR = {"locPrest": "<cPaisPrestacao>US</cPaisPrestacao>", **NBS,
            "serv": COMEXT.format(mov="1", docs="")}
END_NAC = ("<end><endNac><cMun>{cmun}</cMun><CEP>14400000</CEP></endNac><xLgr>Rua A</xLgr>"
           "<nro>1</nro><xBairro>Centro</xBairro></end>")
END_EXT = ("<end><endExt><cPais>{pais}</cPais><cEndPost>10001</cEndPost><xCidade>New York"
           "</xCidade><xEstProvReg>NY</xEstProvReg></endExt><xLgr>Main St</xLgr><nro>1</nro>"
           "<xBairro>Manhattan</xBairro></end>")
LOCAL_OBRA = ("<end><CEP>14400000</CEP><xLgr>Rua A</xLgr><nro>1</nro><xBairro>Centro</xBairro>"
              "</end>")
LOCAL_EXT = ("<end><endExt><cEndPost>10001</cEndPost><xCidade>New York</xCidade>"
             "<xEstProvReg>NY</xEstProvReg></endExt><xLgr>Main St</xLgr><nro>1</nro>"
             "<xBairro>Manhattan</xBairro></end>")
OBRA = {"cTribNac": "070201", "serv": "<obra><cObra>OBRA-1</cObra></obra>"}
EVENTO = ("<atvEvento><xNome>Show</xNome><dtIni>2026-01-10</dtIni><dtFim>2026-01-11</dtFim>"
          "{local}</atvEvento>")
EVENTO_ID = EVENTO.format(local="<idAtvEvt>EVT1</idAtvEvt>")
NBM = "12345678901234"
BM = f"<BM><nBM>{NBM}</nBM></BM>"


def toma(ident: str, extra: str = "") -> str:
    return f"<toma>{ident}<xNome>Tomador</xNome>{extra}</toma>"


def interm(ident: str, extra: str = "") -> str:
    return f"<interm>{ident}<xNome>Intermediário</xNome>{extra}</interm>"


def beneficio(tipo: int, **kw: Any) -> dict[str, Any]:
    return {"beneficios": {NBM: Beneficio(tipo, **kw)}}


def bm(**reducao: str) -> str:
    extra = "".join(f"<{k}>{v}</{k}>" for k, v in reducao.items())
    return f"<BM><nBM>{NBM}</nBM>{extra}</BM>"


def dedred(doc: str) -> dict[str, str]:
    return {"vDedRed": f"<vDedRed><documentos><docDedRed>{doc}</docDedRed></documentos>"
                       "</vDedRed>"}


def documento(ident: str = "<nDoc>123</nDoc>", tipo: str = "3", extra: str = "",
              emissao: str = "2026-01-05", dedutivel: str = "500.00", valor: str = "100.00",
              fornec: str | None = None) -> str:
    fornecedor = (f"<fornec><CNPJ>{'07504505000132'}</CNPJ><xNome>Fornecedor</xNome>"
                  f"{END_NAC.format(cmun='4106902')}</fornec>") if fornec is None else fornec
    return (f"{ident}<tpDedRed>{tipo}</tpDedRed>{extra}<dtEmiDoc>{emissao}</dtEmiDoc>"
            f"<vDedutivelRedutivel>{dedutivel}</vDedutivelRedutivel>"
            f"<vDeducaoReducao>{valor}</vDeducaoReducao>{fornecedor}")


def fornec(ident: str, end: str = "") -> str:
    return f"<fornec>{ident}<xNome>Fornecedor</xNome>{end}</fornec>"


def federais(**campos: str) -> dict[str, str]:
    return {"tribFed": "<tribFed>" + "".join(f"<{k}>{v}</{k}>" for k, v in campos.items())
                       + "</tribFed>"}


def piscofins(**campos: str) -> dict[str, str]:
    corpo = "".join(f"<{k}>{v}</{k}>" for k, v in campos.items())
    return {"tribFed": f"<tribFed><piscofins><CST>01</CST>{corpo}</piscofins></tribFed>"}


def ibscbs(cind: str = "100301", antes: str = "", dest: str = "0", depois: str = "",
           ree: str = "", classificacao: str = "000001", regular: str = "") -> dict[str, str]:
    return {"IBSCBS": f"<IBSCBS><finNFSe>0</finNFSe><cIndOp>{cind}</cIndOp>{antes}"
                      f"<indDest>{dest}</indDest>{depois}<valores>{ree}<trib><gIBSCBS><CST>000"
                      f"</CST><cClassTrib>{classificacao}</cClassTrib>{regular}</gIBSCBS></trib>"
                      "</valores></IBSCBS>", **NBS}


def regular(classificacao: str) -> str:
    return (f"<gTribRegular><CSTReg>000</CSTReg><cClassTribReg>{classificacao}</cClassTribReg>"
            "</gTribRegular>")


def reembolso(doc: str = "<docOutro><nDoc>1</nDoc><xDoc>Recibo</xDoc></docOutro>",
              fornec_: str = "", emissao: str = "2026-02-01", competencia: str = "2026-01-31",
              tipo: str = "<tpReeRepRes>01</tpReeRepRes>", valor: str = "100.00") -> str:
    return (f"<gReeRepRes><documentos>{doc}{fornec_}<dtEmiDoc>{emissao}</dtEmiDoc>"
            f"<dtCompDoc>{competencia}</dtCompDoc>{tipo}<vlrReeRepRes>{valor}</vlrReeRepRes>"
            "</documentos></gReeRepRes>")


def chave(base: str = "3516200" + "2" + "2" + CNPJ.zfill(14) + "9" * 13 + "2612" + "1" * 9,
          dv_ok: bool = True) -> str:
    from nfse.sandbox.nacional.digitos import chave_dv
    dv = chave_dv(base)
    return base + (dv if dv_ok else str((int(dv) + 1) % 10))


CHAVE_NFE = "35170799999999000191550010000000011000000010"


def _nfe(base: str) -> str:
    from nfse.sandbox.nacional.digitos import mod11
    return base + str(mod11([int(c) for c in base], 9))


SUSPENSAO = f"<exigSusp><tpSusp>1</tpSusp><nProcesso>{'1' * 30}</nProcesso></exigSusp>"


def _dv_errado() -> int:
    return (int(_nfe(CHAVE_NFE[:43])[-1]) + 1) % 10


HOJE = datetime.now(SAO_PAULO).date()
CURITIBA = "4106902"
ET = {"cTribNac": "170501"}
"""Labour supply: the ISSQN is due where the tomador is (Curitiba), not where it is emitted."""
LP = {"cTribNac": "110101", "locPrest": f"<cLocPrestacao>{CURITIBA}</cLocPrestacao>"}
"""Parking: the ISSQN is due where the service is provided (Curitiba)."""


@dataclass
class Caso:
    codigo: str
    quebra: dict[str, Any]
    passa: dict[str, Any]
    municipio: dict[str, Any] = field(default_factory=dict)
    """Parameters of Franca/SP (the emitter's and usual incidence municipality)."""
    aceita: bool = True
    """Whether the passing DPS is authorized (False: another rule refuses it anyway)."""
    a1: Any = None
    em: str = MUNICIPIO
    """The municipality ``municipio`` describes."""
    municipio_passa: dict[str, Any] | None = None
    """Its parameters for the passing DPS, when they differ."""
    chamador: str | None = None
    """The CNPJ of the connection's certificate, when not the prestador's (tpEmit 2, 3)."""


CASOS = [
    # -- identity, dates, municipality of emission
    Caso("E0004", {"Id": f"DPS{MUNICIPIO}2{CNPJ}{1:05d}{99:015d}"}, {}),
    Caso("E0006", {"tpAmb": "1"}, {"tpAmb": "2"}),
    Caso("E0015", {"dCompet": (HOJE + timedelta(days=1)).isoformat()},
         {"dCompet": HOJE.isoformat()}),
    Caso("E0016", {"dCompet": (HOJE - timedelta(days=1)).isoformat()},
         {"dCompet": HOJE.isoformat()}, municipio={"ativacao": HOJE}),
    Caso("E0029", {"cMotivoEmisTI": "1"}, {}),
    Caso("E0037", {"cLocEmi": "3516299"}, {}),
    Caso("E0038", {}, {}, municipio={"ativo": False}, municipio_passa={}),
    Caso("E0039", {}, {}, municipio={"emissor_nacional": False}, municipio_passa={}),
    Caso("E0854", {"versao": "1.00", **ibscbs()}, {"versao": "1.01", **ibscbs()}),
    Caso("E0850", {"dCompet": "2025-12-31", **ibscbs()}, {"dCompet": "2026-01-01", **ibscbs()}),
    # -- prestador
    Caso("E0080", {"prest": "<CNPJ>11222333000182</CNPJ>"}, {}),
    Caso("E0096", {"prest": "<CPF>52998224726</CPF>"}, {"prest": f"<CPF>{CPF}</CPF>"},
         a1=CPF_A1),
    Caso("E0113", {"prest": f"<CNPJ>{CNPJ}</CNPJ>{END_EXT.format(pais='US')}"},
         {"prest": f"<CNPJ>{CNPJ}</CNPJ>{END_NAC.format(cmun=MUNICIPIO)}"}, aceita=False),
    Caso("E0121", {"prest": f"<CNPJ>{CNPJ}</CNPJ><xNome>Empresa</xNome>"}, {}),
    Caso("E0128", {"prest": f"<CNPJ>{CNPJ}</CNPJ>{END_NAC.format(cmun=MUNICIPIO)}"}, {}),
    Caso("E0130", {"prest": f"<CNPJ>{CNPJ}</CNPJ>{END_NAC.format(cmun='3516299')}"},
         {"prest": f"<CNPJ>{CNPJ}</CNPJ>{END_NAC.format(cmun=MUNICIPIO)}"}, aceita=False),
    Caso("E0146", {"prest": f"<CNPJ>{CNPJ}</CNPJ>{END_EXT.format(pais='BR')}"},
         {"prest": f"<CNPJ>{CNPJ}</CNPJ>{END_EXT.format(pais='US')}"}, aceita=False),
    Caso("E0148", {"prest": f"<CNPJ>{CNPJ}</CNPJ><email>empresa.com.br</email>"},
         {"prest": f"<CNPJ>{CNPJ}</CNPJ><email>nfe@empresa.com.br</email>"}),
    Caso("E0162", {"regApTribSN": "1"}, {}),
    Caso("E0166", {"opSimpNac": "3"}, SN),
    Caso("E0172", {**IMUNE, "regEspTrib": "1"}, IMUNE),
    Caso("E0174", {**MEI, "regEspTrib": "2"}, MEI),
    Caso("E0175", {**SN, "regEspTrib": "2"}, {**FORA_SN, "regEspTrib": "2"}),
    Caso("E0177", {"regEspTrib": "6"}, {"regEspTrib": "2"},
         municipio={"regimes": {"010701": frozenset({"2"})}}),
    # -- tomador
    Caso("E0187", {"toma": "", **ibscbs()}, ibscbs()),
    Caso("E0188", {"toma": toma("<CNPJ>07504505000133</CNPJ>")},
         {"toma": toma("<CNPJ>07504505000132</CNPJ>")}),
    Caso("E0206", {"toma": toma("<CPF>52998224726</CPF>")}, {"toma": toma(f"<CPF>{CPF}</CPF>")}),
    Caso("E0202", {"toma": toma(f"<CNPJ>{CNPJ}</CNPJ>")}, {}),
    Caso("E0204", {**RET, "toma": ""}, RET),
    Caso("E0223", {"toma": toma("<CNPJ>07504505000132</CNPJ>", END_EXT.format(pais="US"))},
         {"toma": toma("<NIF>123456789</NIF>", END_EXT.format(pais="US")), **EXTERIOR}),
    Caso("E0226", {"toma": toma("<cNaoNIF>0</cNaoNIF>", END_EXT.format(pais="US")), **EXTERIOR},
         {"toma": toma("<cNaoNIF>1</cNaoNIF>", END_EXT.format(pais="US")), **EXTERIOR}),
    Caso("E0234", {"cTribNac": "170501", "toma": toma("<CNPJ>07504505000132</CNPJ>")},
         {"cTribNac": "170501"}),
    Caso("E0237", {**RET, "toma": toma("<CNPJ>07504505000132</CNPJ>")}, RET),
    Caso("E0238", {"toma": toma("<CNPJ>07504505000132</CNPJ>", END_NAC.format(cmun="4106999"))},
         {"toma": toma("<CNPJ>07504505000132</CNPJ>", END_NAC.format(cmun="4106902"))}),
    Caso("E0242", {"toma": toma("<NIF>123456789</NIF>", END_NAC.format(cmun="4106902"))},
         {"toma": toma("<NIF>123456789</NIF>", END_EXT.format(pais="US")), **EXTERIOR}),
    Caso("E0246", {"toma": toma("<NIF>1</NIF>", END_EXT.format(pais="BR")), **EXTERIOR},
         {"toma": toma("<NIF>1</NIF>", END_EXT.format(pais="US")), **EXTERIOR}),
    Caso("E0247", {"toma": TOMA.replace("</end>", "</end><email>x@y</email>")},
         {"toma": TOMA.replace("</end>", "</end><email>x@y.com</email>")}),
    # -- intermediário
    Caso("E0248", {"interm": interm("<CNPJ>07504505000133</CNPJ>")},
         {"interm": interm("<CNPJ>07504505000132</CNPJ>")}),
    Caso("E0266", {"interm": interm("<CPF>52998224726</CPF>")},
         {"interm": interm(f"<CPF>{CPF}</CPF>")}),
    Caso("E0262", {"interm": interm("<CNPJ>11222333000262</CNPJ>")},
         {"interm": interm("<CNPJ>07504505000132</CNPJ>")}),
    Caso("E0264", {"tpRetISSQN": "3"},
         {"tpRetISSQN": "3", "interm": interm("<CNPJ>07504505000132</CNPJ>",
                                              END_NAC.format(cmun="4106902"))}),
    Caso("E0281", {"interm": interm("<CNPJ>07504505000132</CNPJ>", END_EXT.format(pais="US"))},
         {"interm": interm("<NIF>1</NIF>", END_EXT.format(pais="US")), **EXTERIOR}),
    Caso("E0286", {"interm": interm("<cNaoNIF>0</cNaoNIF>", END_EXT.format(pais="US")),
                   **EXTERIOR},
         {"interm": interm("<cNaoNIF>2</cNaoNIF>", END_EXT.format(pais="US")), **EXTERIOR}),
    Caso("E0293", {"tpRetISSQN": "3", "interm": interm("<CNPJ>07504505000132</CNPJ>")},
         {"tpRetISSQN": "3", "interm": interm("<CNPJ>07504505000132</CNPJ>",
                                              END_NAC.format(cmun="4106902"))}),
    Caso("E0294", {"interm": interm("<CNPJ>07504505000132</CNPJ>",
                                    END_NAC.format(cmun="4106999"))},
         {"interm": interm("<CNPJ>07504505000132</CNPJ>", END_NAC.format(cmun="4106902"))}),
    Caso("E0298", {"interm": interm("<NIF>1</NIF>", END_NAC.format(cmun="4106902"))},
         {"interm": interm("<NIF>1</NIF>", END_EXT.format(pais="US")), **EXTERIOR}),
    Caso("E0299", {"interm": interm("<NIF>1</NIF>", END_EXT.format(pais="XX")), **EXTERIOR},
         {"interm": interm("<NIF>1</NIF>", END_EXT.format(pais="AR")), **EXTERIOR}),
    Caso("E0300", {"interm": interm("<CNPJ>07504505000132</CNPJ>", "<email>@x.com</email>")},
         {"interm": interm("<CNPJ>07504505000132</CNPJ>", "<email>a@x.com</email>")}),
    # -- service
    Caso("E0302", {"locPrest": "<cLocPrestacao>3516299</cLocPrestacao>"},
         {"locPrest": "<cLocPrestacao>0000000</cLocPrestacao>"}),
    Caso("E0304", {**EXTERIOR, "locPrest": "<cPaisPrestacao>BR</cPaisPrestacao>"}, EXTERIOR),
    Caso("E0310", {"cTribNac": "010799"}, {"cTribNac": "010801"}),
    Caso("E0312", {}, {"cTribNac": "010801"},
         municipio={"recusados": frozenset({"010701"})}),
    Caso("E0315", {"cTribMun": "000"}, {"cTribMun": "001"}),
    Caso("E0318", {**EXTERIOR, "cNBS": None}, EXTERIOR),
    Caso("E0322", {**ibscbs(), "cNBS": None}, ibscbs()),
    Caso("E0330", {"tribISSQN": "3"}, {"tribISSQN": "3", "tribMun": "<cPaisResult>US</cPaisResult>",
                                       "serv": COMEXT.format(mov="1", docs="")}),
    Caso("E0333", {**EXTERIOR, "serv": COMEXT.format(mov="1", docs="").replace(
        "<mdPrestacao>1", "<mdPrestacao>0")}, EXTERIOR),
    Caso("E0341", {**EXTERIOR, "serv": COMEXT.format(mov="1", docs="").replace(
        "<mecAFComexP>01", "<mecAFComexP>00")}, EXTERIOR),
    Caso("E0343", {**EXTERIOR, "serv": COMEXT.format(mov="1", docs="").replace(
        "<mecAFComexT>01", "<mecAFComexT>00")}, EXTERIOR),
    Caso("E0345", {**EXTERIOR, "serv": COMEXT.format(mov="0", docs="")}, EXTERIOR),
    Caso("E0352", {**EXTERIOR, "serv": COMEXT.format(mov="2", docs="")},
         {**EXTERIOR, "serv": COMEXT.format(mov="2", docs="<nDI>123</nDI>")}),
    Caso("E0354", {**EXTERIOR, "serv": COMEXT.format(mov="1", docs="<nRE>123</nRE>")},
         EXTERIOR),
    Caso("E0356", {**EXTERIOR, "serv": COMEXT.format(mov="3", docs="")},
         {**EXTERIOR, "serv": COMEXT.format(mov="3", docs="<nRE>123</nRE>")}),
    Caso("E0370", {"cTribNac": "070201"}, OBRA),
    Caso("E0372", {"serv": "<obra><cObra>OBRA-1</cObra></obra>"}, {}),
    Caso("E0382", {**OBRA, **EXTERIOR, "serv": COMEXT.format(mov="1", docs="")
                   + f"<obra>{LOCAL_OBRA}</obra>"},
         {**OBRA, **EXTERIOR, "serv": COMEXT.format(mov="1", docs="")
          + f"<obra>{LOCAL_EXT}</obra>"}),
    Caso("E0384", {**OBRA, **EXTERIOR, "serv": COMEXT.format(mov="1", docs="")
                   + f"<obra>{LOCAL_OBRA}</obra>"},
         {**OBRA, **EXTERIOR, "serv": COMEXT.format(mov="1", docs="")
          + f"<obra>{LOCAL_EXT}</obra>"}),
    Caso("E0386", {**OBRA, "serv": f"<obra>{LOCAL_EXT}</obra>"},
         {**OBRA, "serv": f"<obra>{LOCAL_OBRA}</obra>"}),
    Caso("E0390", {"cTribNac": "120101"}, {"cTribNac": "120101", "serv": EVENTO_ID}),
    Caso("E0392", {"serv": EVENTO_ID}, {"cTribNac": "990101", "tribISSQN": "4",
                                       "serv": EVENTO_ID}),
    Caso("E0400", {"cTribNac": "120101", **EXTERIOR,
                   "serv": COMEXT.format(mov="1", docs="") + EVENTO.format(local=LOCAL_OBRA)},
         {"cTribNac": "120101", **EXTERIOR,
          "serv": COMEXT.format(mov="1", docs="") + EVENTO.format(local=LOCAL_EXT)}),
    Caso("E0402", {"cTribNac": "120101", **EXTERIOR,
                   "serv": COMEXT.format(mov="1", docs="") + EVENTO.format(local=LOCAL_OBRA)},
         {"cTribNac": "120101", **EXTERIOR,
          "serv": COMEXT.format(mov="1", docs="") + EVENTO.format(local=LOCAL_EXT)}),
    Caso("E0404", {"cTribNac": "120101", "serv": EVENTO.format(local=LOCAL_EXT)},
         {"cTribNac": "120101", "serv": EVENTO.format(local=LOCAL_OBRA)}),
    # -- values, discounts, deductions
    Caso("E0424", {"vReceb": "1000.00"}, {}),
    Caso("E0425", {"vReceb": "999.99"}, {"vReceb": "1000.00"}, aceita=False),
    Caso("E0427", {"descontos": "<vDescCondIncond><vDescIncond>600.00</vDescIncond>"
                                "</vDescCondIncond>", "vDedRed": "<vDedRed><vDR>400.01</vDR>"
                                                                "</vDedRed>"},
         {"descontos": "<vDescCondIncond><vDescIncond>600.00</vDescIncond></vDescCondIncond>",
          "vDedRed": "<vDedRed><vDR>400.00</vDR></vDedRed>"}),
    Caso("E0428", {"descontos": "<vDescCondIncond><vDescCond>800.02</vDescCond>"
                                "</vDescCondIncond>", **federais(vRetIRRF="199.99")},
         {"descontos": "<vDescCondIncond><vDescCond>800.01</vDescCond></vDescCondIncond>",
          **federais(vRetIRRF="199.99")}),
    Caso("E0429", {"vDedRed": "<vDedRed><vDR>500.01</vDR></vDedRed>"},
         {"vDedRed": "<vDedRed><vDR>500.00</vDR></vDedRed>"},
         municipio={"aliquotas": {"010701": Decimal("4.00")}}),
    Caso("E0431", {"descontos": "<vDescCondIncond><vDescIncond>1000.00</vDescIncond>"
                                "</vDescCondIncond>"},
         {"descontos": "<vDescCondIncond><vDescIncond>999.99</vDescIncond></vDescCondIncond>"}),
    Caso("E0432", {"descontos": "<vDescCondIncond><vDescCond>0.00</vDescCond></vDescCondIncond>"},
         {"descontos": "<vDescCondIncond><vDescCond>0.01</vDescCond></vDescCondIncond>"}),
    Caso("E0435", {**IMUNE, "vDedRed": "<vDedRed><vDR>10.00</vDR></vDedRed>"}, IMUNE),
    Caso("E0436", {**MEI, "vDedRed": "<vDedRed><vDR>10.00</vDR></vDedRed>"}, MEI),
    Caso("E0438", {"regEspTrib": "2", "vDedRed": "<vDedRed><vDR>10.00</vDR></vDedRed>"},
         {"regEspTrib": "2"}),
    Caso("E0439", {"tribMun": BM, "vDedRed": "<vDedRed><vDR>10.00</vDR></vDedRed>"},
         {"tribMun": BM}, municipio=beneficio(ISENCAO)),
    Caso("E0442", {**SN, **LP, "vDedRed": "<vDedRed><vDR>10.00</vDR></vDedRed>"},
         {**SN, **LP, "cTribNac": "160201", "vDedRed": "<vDedRed><vDR>10.00</vDR></vDedRed>"},
         municipio=INATIVO, em=CURITIBA),
    Caso("E0453", {"vDedRed": "<vDedRed><pDR>0.00</pDR></vDedRed>"},
         {"vDedRed": "<vDedRed><pDR>100.00</pDR></vDedRed>"}),
    Caso("E0444", {"vDedRed": "<vDedRed><pDR>50.01</pDR></vDedRed>"},
         {"vDedRed": "<vDedRed><pDR>50.00</pDR></vDedRed>"},
         municipio={"aliquotas": {"010701": Decimal("4.00")}}),
    Caso("E0447", {"vDedRed": "<vDedRed><vDR>500.01</vDR></vDedRed>"},
         {"vDedRed": "<vDedRed><vDR>500.00</vDR></vDedRed>"},
         municipio={"aliquotas": {"010701": Decimal("4.00")}}),
    Caso("E0455", dedred(documento(f"<chNFSe>{chave(dv_ok=False)}</chNFSe>", fornec="")),
         dedred(documento(f"<chNFSe>{chave()}</chNFSe>", fornec="")), aceita=False),
    Caso("E0456", dedred(documento(f"<chNFSe>{chave()}</chNFSe>", fornec="")),
         dedred(documento("<nDoc>1</nDoc>"))),
    Caso("E0460", dedred(documento(f"<chNFe>{CHAVE_NFE[:43]}{_dv_errado()}</chNFe>",
                                   fornec="")),
         dedred(documento(f"<chNFe>{_nfe(CHAVE_NFE[:43])}</chNFe>", fornec=""))),
    Caso("E0466", dedred(documento("<NFSeMun><cMunNFSeMun>3516299</cMunNFSeMun>"
                                   "<nNFSeMun>000000000000001</nNFSeMun><cVerifNFSeMun>ABC</cVerifNFSeMun></NFSeMun>")),
         dedred(documento("<NFSeMun><cMunNFSeMun>3516200</cMunNFSeMun><nNFSeMun>000000000000001"
                          "</nNFSeMun><cVerifNFSeMun>ABC</cVerifNFSeMun></NFSeMun>"))),
    Caso("E0468", dedred(documento(tipo="99")),
         dedred(documento(tipo="99", extra="<xDescOutDed>Outra dedução</xDescOutDed>"))),
    Caso("E0470", dedred(documento(extra="<xDescOutDed>Outra dedução</xDescOutDed>")),
         dedred(documento())),
    Caso("E0472", dedred(documento(emissao=(HOJE + timedelta(days=1)).isoformat())),
         dedred(documento(emissao=HOJE.isoformat()))),
    Caso("E0474", dedred(documento(dedutivel="99.99")), dedred(documento(dedutivel="100.00"))),
    Caso("E0476", dedred(documento(dedutivel="2000.00", valor="1000.01")),
         dedred(documento(dedutivel="2000.00", valor="1000.00"))),
    Caso("E0477", dedred(documento(fornec="")), dedred(documento())),
    Caso("E0478", dedred(documento(fornec=fornec("<CNPJ>07504505000133</CNPJ>",
                                                 END_NAC.format(cmun="4106902"))))
         , dedred(documento())),
    Caso("E0484", dedred(documento(fornec=fornec("<CPF>52998224726</CPF>",
                                                 END_NAC.format(cmun="4106902")))),
         dedred(documento(fornec=fornec(f"<CPF>{CPF}</CPF>", END_NAC.format(cmun="4106902"))))),
    Caso("E1538", dedred(documento(fornec=fornec("<CNPJ>07504505000132</CNPJ>",
                                                 END_EXT.format(pais="US")))),
         dedred(documento(fornec=fornec("<NIF>1</NIF>", END_EXT.format(pais="US"))))),
    Caso("E0490", dedred(documento(fornec=fornec("<cNaoNIF>0</cNaoNIF>"))),
         dedred(documento(fornec=fornec("<cNaoNIF>1</cNaoNIF>")))),
    Caso("E0492", dedred(documento(fornec=fornec("<CNPJ>07504505000132</CNPJ>"))),
         dedred(documento())),
    Caso("E0494", dedred(documento(fornec=fornec("<CNPJ>07504505000132</CNPJ>",
                                                 END_NAC.format(cmun="4106999")))),
         dedred(documento())),
    Caso("E0498", dedred(documento(fornec=fornec("<NIF>1</NIF>"))),
         dedred(documento(fornec=fornec("<NIF>1</NIF>", END_EXT.format(pais="US"))))),
    Caso("E0499", dedred(documento(fornec=fornec("<NIF>1</NIF>", END_EXT.format(pais="BR")))),
         dedred(documento(fornec=fornec("<NIF>1</NIF>", END_EXT.format(pais="US"))))),
    # -- ISSQN
    Caso("E0532", {"cTribNac": "990101"}, {"cTribNac": "990101", "tribISSQN": "4"}),
    Caso("E0592", {"tribISSQN": "2"}, IMUNE),
    Caso("E0593", {"tribISSQN": "2", "tribMun": "<tpImunidade>0</tpImunidade>"}, IMUNE),
    Caso("E0585", {**IMUNE, "tribMun": "<tpImunidade>1</tpImunidade>" + SUSPENSAO},
         {"tribMun": SUSPENSAO}),
    Caso("E0533", {**IMUNE, "tribMun": "<tpImunidade>1</tpImunidade>" + BM}, IMUNE,
         municipio=beneficio(ISENCAO)),
    Caso("E0534", {**MEI, "tribMun": BM}, MEI, municipio=beneficio(ISENCAO)),
    Caso("E0535", {"regEspTrib": "2", "tribMun": BM}, {"regEspTrib": "2"},
         municipio=beneficio(ISENCAO)),
    Caso("E0537", {**ET, "tribMun": BM, "pAliq": "2.00"}, {**ET, "pAliq": "2.00"},
         municipio={**INATIVO, **beneficio(ISENCAO)}, em=CURITIBA),
    Caso("E0536", {**SN, "tribMun": BM}, {**SN, **OBRA, "cTribNac": "070501", "tribMun": BM},
         municipio=beneficio(ISENCAO)),
    Caso("E0541", {"tribMun": "<BM><nBM>99999999999999</nBM></BM>"}, {"tribMun": BM},
         municipio=beneficio(ISENCAO)),
    Caso("E0544", {"tribMun": BM}, {"tribMun": BM},
         municipio=beneficio(ISENCAO, fim=HOJE - timedelta(days=1)),
         municipio_passa=beneficio(ISENCAO, fim=HOJE)),
    Caso("E0565", {"tribMun": bm(vRedBCBM="10.00")}, {"tribMun": bm()},
         municipio=beneficio(ISENCAO)),
    Caso("E0567", {"tribMun": bm()}, {"tribMun": bm(vRedBCBM="10.00")},
         municipio=beneficio(REDUCAO_VALOR)),
    Caso("E0577", {"tribMun": bm(pRedBCBM="10.00")}, {"tribMun": bm()},
         municipio=beneficio(ISENCAO)),
    Caso("E0579", {"tribMun": bm()}, {"tribMun": bm(pRedBCBM="10.00")},
         municipio=beneficio(REDUCAO_PERCENTUAL)),
    Caso("E0574", {"tribMun": bm(vRedBCBM="1000.01")}, {"tribMun": bm(vRedBCBM="1000.00")},
         municipio=beneficio(REDUCAO_VALOR)),
    Caso("E0575", {"tribMun": bm(vRedBCBM="500.01")}, {"tribMun": bm(vRedBCBM="500.00")},
         municipio={**beneficio(REDUCAO_VALOR), "aliquotas": {"010701": Decimal("4.00")}}),
    Caso("E0586", {"tribMun": bm(pRedBCBM="30.01")}, {"tribMun": bm(pRedBCBM="30.00")},
         municipio=beneficio(REDUCAO_PERCENTUAL, percentual=Decimal("30"))),
    Caso("E0587", {"tribMun": bm(pRedBCBM="50.01")}, {"tribMun": bm(pRedBCBM="50.00")},
         municipio={**beneficio(REDUCAO_PERCENTUAL),
                    "aliquotas": {"010701": Decimal("4.00")}}),
    Caso("E0580", {**IMUNE, **RET}, IMUNE),
    Caso("E0583", {**MEI, **RET}, MEI),
    Caso("E0588", {"regEspTrib": "2", **RET}, {"regEspTrib": "2"}),
    Caso("E0594", {"tribMun": BM, **RET}, {"tribMun": BM}, municipio=beneficio(ISENCAO)),
    Caso("E0596", {"cTribNac": "220101", **RET}, {"cTribNac": "220101"}),
    Caso("E0667", {"toma": toma(f"<CPF>{CPF}</CPF>", END_NAC.format(cmun="4106902")), **RET},
         {"toma": toma(f"<CPF>{CPF}</CPF>", END_NAC.format(cmun="4106902")), **RET},
         municipio={"retencao_cpf": False}, municipio_passa={"retencao_cpf": True}),
    Caso("E0670", {"interm": interm(f"<CPF>{CPF}</CPF>", END_NAC.format(cmun="4106902")),
                   "tpRetISSQN": "3"},
         {"interm": interm(f"<CPF>{CPF}</CPF>", END_NAC.format(cmun="4106902"))}),
    # -- the rate (pAliq)
    Caso("E0595", {**ET, "pAliq": "5.01"}, {**ET, "pAliq": "5.00"}, municipio=INATIVO,
         em=CURITIBA),
    Caso("E0600", {**MEI, "pAliq": "2.00"}, MEI),
    Caso("E0602", {**IMUNE, "pAliq": "2.00"}, IMUNE),
    Caso("E0604", {**ET, "regEspTrib": "2", "pAliq": "2.00"}, {**ET, "regEspTrib": "2"},
         municipio=INATIVO, em=CURITIBA),
    Caso("E0612", {"tribMun": BM, "pAliq": "2.00"}, {"tribMun": BM},
         municipio=beneficio(ALIQUOTA_DIFERENCIADA, percentual=Decimal("2"))),
    Caso("E0617", {"pAliq": "2.00"}, {}),
    Caso("E0619", ET, {**ET, "pAliq": "2.00"}, municipio=INATIVO, em=CURITIBA),
    Caso("E0621", {**SN, **RET}, {**SN, **RET, "pAliq": "2.00"}),
    Caso("E0625", {**SN, "pAliq": "2.00"}, SN),
    Caso("E0628", {**SN, **RET, **ET}, {**SN, **RET, **ET, "pAliq": "2.00"}, municipio=INATIVO,
         em=CURITIBA),
    Caso("E0631", {**SN, **ET, "pAliq": "2.00"}, {**SN, **ET}, municipio=INATIVO, em=CURITIBA),
    Caso("E0635", {**FORA_SN, "pAliq": "2.00"}, FORA_SN),
    Caso("E0640", {**FORA_SN, **ET}, {**FORA_SN, **ET, "pAliq": "2.00"}, municipio=INATIVO,
         em=CURITIBA),
    # -- federal taxes and total of taxes
    Caso("E0675", {"prest": f"<CPF>{CPF}</CPF>", **federais(vRetIRRF="10.00")},
         {"prest": f"<CPF>{CPF}</CPF>"}, a1=CPF_A1),
    Caso("E0676", {**MEI, **federais(vRetIRRF="10.00")}, MEI),
    Caso("E0677", piscofins(vBCPisCofins="1000.01"), piscofins(vBCPisCofins="1000.00")),
    Caso("E0694", piscofins(vBCPisCofins="1000.00", pAliqPis="1.65", vPis="16.52"),
         piscofins(vBCPisCofins="1000.00", pAliqPis="1.65", vPis="16.51")),
    Caso("E0696", piscofins(vBCPisCofins="1000.00", pAliqCofins="7.60", vCofins="75.98"),
         piscofins(vBCPisCofins="1000.00", pAliqCofins="7.60", vCofins="75.99")),
    Caso("E0699", federais(vRetCP="0.00"), federais(vRetCP="0.01")),
    Caso("E0700", federais(vRetIRRF="1000.00"), federais(vRetIRRF="999.99")),
    Caso("E0701", federais(vRetCSLL="0.00"), federais(vRetCSLL="10.00")),
    Caso("E0720", {"tribFed": "<tribFed><piscofins><CST>01</CST><tpRetPisCofins>0"
                              "</tpRetPisCofins></piscofins><vRetCSLL>10.00</vRetCSLL>"
                              "</tribFed>"},
         {"tribFed": "<tribFed><piscofins><CST>01</CST><tpRetPisCofins>0</tpRetPisCofins>"
                     "</piscofins></tribFed>"}),
    Caso("E0724", {"tribFed": "<tribFed><piscofins><CST>01</CST><tpRetPisCofins>1"
                              "</tpRetPisCofins></piscofins></tribFed>"},
         {"tribFed": "<tribFed><piscofins><CST>01</CST><tpRetPisCofins>1</tpRetPisCofins>"
                     "</piscofins><vRetCSLL>10.00</vRetCSLL></tribFed>"}),
    *[Caso(codigo, {"totTrib": f"<vTotTrib>{tot.format('1000.01')}</vTotTrib>"},
           {"totTrib": f"<vTotTrib>{tot.format('1000.00')}</vTotTrib>"})
      for codigo, tot in (
          ("E0702", "<vTotTribFed>{}</vTotTribFed><vTotTribEst>0</vTotTribEst>"
                    "<vTotTribMun>0</vTotTribMun>"),
          ("E0703", "<vTotTribFed>0</vTotTribFed><vTotTribEst>{}</vTotTribEst>"
                    "<vTotTribMun>0</vTotTribMun>"),
          ("E0704", "<vTotTribFed>0</vTotTribFed><vTotTribEst>0</vTotTribEst>"
                    "<vTotTribMun>{}</vTotTribMun>"))],
    *[Caso(codigo, {"totTrib": f"<pTotTrib>{tot.format('100.01')}</pTotTrib>"},
           {"totTrib": f"<pTotTrib>{tot.format('100.00')}</pTotTrib>"})
      for codigo, tot in (
          ("E0706", "<pTotTribFed>{}</pTotTribFed><pTotTribEst>0</pTotTribEst>"
                    "<pTotTribMun>0</pTotTribMun>"),
          ("E0707", "<pTotTribFed>0</pTotTribFed><pTotTribEst>{}</pTotTribEst>"
                    "<pTotTribMun>0</pTotTribMun>"),
          ("E0708", "<pTotTribFed>0</pTotTribFed><pTotTribEst>0</pTotTribEst>"
                    "<pTotTribMun>{}</pTotTribMun>"))],
    Caso("E0710", {**MEI, "totTrib": "<pTotTribSN>6.00</pTotTribSN>"},
         {**MEI, "totTrib": "<indTotTrib>0</indTotTrib>"}),
    Caso("E0712", {**SN, "totTrib": "<indTotTrib>0</indTotTrib>"},
         {**SN, "totTrib": "<pTotTribSN>6.00</pTotTribSN>"}),
    Caso("E0713", {"totTrib": "<indTotTrib>0</indTotTrib>"}, {}),
    # -- IBS/CBS
    Caso("E0903", {"cTribNac": "250501", **ibscbs()},
         {"cTribNac": "250501", **ibscbs(antes="<tpOper>1</tpOper>")}),
    Caso("E0904", ibscbs(antes="<tpOper>1</tpOper>"), ibscbs()),
    Caso("E0905", {"cTribNac": "250501", **ibscbs(antes="<tpOper>2</tpOper>")},
         {"cTribNac": "250501", **ibscbs(antes=f"<tpOper>2</tpOper><gRefNFSe><refNFSe>"
                                              f"{chave()}</refNFSe></gRefNFSe>")}),
    Caso("E0906", {"cTribNac": "250501", **ibscbs(antes=f"<tpOper>1</tpOper><gRefNFSe>"
                                                       f"<refNFSe>{chave()}</refNFSe>"
                                                       "</gRefNFSe>")},
         {"cTribNac": "250501", **ibscbs(antes="<tpOper>1</tpOper>")}),
    Caso("E0907", {"cTribNac": "250501", **ibscbs(antes=f"<tpOper>2</tpOper><gRefNFSe><refNFSe>"
                                                       f"{chave(dv_ok=False)}</refNFSe>"
                                                       "</gRefNFSe>")},
         {"cTribNac": "250501", **ibscbs(antes=f"<tpOper>2</tpOper><gRefNFSe><refNFSe>"
                                              f"{chave()}</refNFSe></gRefNFSe>")}),
    Caso("E0910", ibscbs(depois="<dest><CNPJ>07504505000132</CNPJ><xNome>D</xNome></dest>"),
         ibscbs(dest="1", depois="<dest><CNPJ>07504505000132</CNPJ><xNome>D</xNome></dest>")),
    Caso("E0911", ibscbs(dest="1", depois="<dest><CNPJ>07504505000133</CNPJ><xNome>D</xNome>"
                                          "</dest>"),
         ibscbs(dest="1", depois="<dest><CNPJ>07504505000132</CNPJ><xNome>D</xNome></dest>")),
    Caso("E0913", ibscbs(dest="1", depois="<dest><CPF>52998224726</CPF><xNome>D</xNome>"
                                          "</dest>"),
         ibscbs(dest="1", depois=f"<dest><CPF>{CPF}</CPF><xNome>D</xNome></dest>")),
    Caso("E0920", ibscbs(dest="1", depois="<dest><CPF>52998224725</CPF><xNome>D</xNome>"
                                          f"{END_NAC.format(cmun='4106999')}</dest>"),
         ibscbs(dest="1", depois="<dest><CPF>52998224725</CPF><xNome>D</xNome>"
                                 f"{END_NAC.format(cmun='4106902')}</dest>")),
    Caso("E0930", ibscbs(dest="1", depois=f"<dest><CPF>{CPF}</CPF><xNome>D</xNome>"
                                          "<email>d.com</email></dest>"),
         ibscbs(dest="1", depois=f"<dest><CPF>{CPF}</CPF><xNome>D</xNome>"
                                 "<email>d@d.com</email></dest>")),
    Caso("E0931", {**OBRA, **ibscbs(depois="<imovel><cCIB>ABC1234X</cCIB></imovel>")},
         {**OBRA, **ibscbs()}),
    Caso("E0932", ibscbs(cind="020101"),
         ibscbs(cind="020101", depois="<imovel><cCIB>ABC1234X</cCIB></imovel>")),
    Caso("E0928", ibscbs(depois="<imovel><cCIB>ABC1234X</cCIB></imovel>"), ibscbs()),
    Caso("E0935", ibscbs(cind="020101", depois=f"<imovel>{LOCAL_EXT}</imovel>"),
         ibscbs(cind="020101", depois=f"<imovel>{LOCAL_OBRA}</imovel>")),
    Caso("E0940", ibscbs(ree=reembolso(doc="<dFeNacional><tipoChaveDFe>1</tipoChaveDFe>"
                                           f"<chaveDFe>{chave(dv_ok=False)}</chaveDFe>"
                                           "</dFeNacional>")),
         ibscbs(ree=reembolso(doc="<dFeNacional><tipoChaveDFe>1</tipoChaveDFe>"
                                  f"<chaveDFe>{chave()}</chaveDFe></dFeNacional>"))),
    Caso("E0942", ibscbs(ree=reembolso(doc="<docFiscalOutro><cMunDocFiscal>3516200"
                                           "</cMunDocFiscal><nDocFiscal>1</nDocFiscal>"
                                           "<xDocFiscal>NF</xDocFiscal></docFiscalOutro>",
                                       competencia="2026-01-01")),
         ibscbs(ree=reembolso(doc="<docFiscalOutro><cMunDocFiscal>3516200</cMunDocFiscal>"
                                  "<nDocFiscal>1</nDocFiscal><xDocFiscal>NF</xDocFiscal>"
                                  "</docFiscalOutro>", competencia="2025-12-31"))),
    Caso("E0943", ibscbs(ree=reembolso(doc="<docFiscalOutro><cMunDocFiscal>3516299"
                                           "</cMunDocFiscal><nDocFiscal>1</nDocFiscal>"
                                           "<xDocFiscal>NF</xDocFiscal></docFiscalOutro>",
                                       competencia="2025-12-31")),
         ibscbs(ree=reembolso(doc="<docFiscalOutro><cMunDocFiscal>3516200</cMunDocFiscal>"
                                  "<nDocFiscal>1</nDocFiscal><xDocFiscal>NF</xDocFiscal>"
                                  "</docFiscalOutro>", competencia="2025-12-31"))),
    Caso("E0945", ibscbs(ree=reembolso(fornec_="<fornec><CNPJ>07504505000133</CNPJ><xNome>F"
                                               "</xNome></fornec>")),
         ibscbs(ree=reembolso(fornec_="<fornec><CNPJ>07504505000132</CNPJ><xNome>F</xNome>"
                                      "</fornec>"))),
    Caso("E0947", ibscbs(ree=reembolso(fornec_="<fornec><CPF>52998224726</CPF><xNome>F"
                                               "</xNome></fornec>")),
         ibscbs(ree=reembolso(fornec_=f"<fornec><CPF>{CPF}</CPF><xNome>F</xNome></fornec>"))),
    Caso("E0950", ibscbs(ree=reembolso(emissao="2026-01-30")),
         ibscbs(ree=reembolso(emissao="2026-01-31"))),
    Caso("E0952", ibscbs(ree=reembolso(tipo="<tpReeRepRes>01</tpReeRepRes><xTpReeRepRes>X"
                                            "</xTpReeRepRes>")),
         ibscbs(ree=reembolso(tipo="<tpReeRepRes>99</tpReeRepRes><xTpReeRepRes>X"
                                   "</xTpReeRepRes>"))),
    Caso("E0953", ibscbs(ree=reembolso(valor="1000.01")), ibscbs(ree=reembolso(valor="1000.00"))),
]


@pytest.fixture
def sefin(tmp_path: Path) -> Iterator[Sefin]:
    estado = Estado(tmp_path / "sefin.db")
    yield Sefin(estado, SEFIN_A1)
    estado.close()


def enviar(sefin: Sefin, documento: bytes, chamador: str = CNPJ) -> tuple[int, dict]:
    corpo = base64.b64encode(gzip.compress(documento)).decode()
    return sefin.receber_dps({"dpsXmlGZipB64": corpo}, chamador)


def codigos(resposta: tuple[int, dict]) -> list[str]:
    return [e["Codigo"] + (f" {e['Complemento']}" if e["Codigo"] == "E1235" else "")
            for e in resposta[1].get("erros", [])]


def _preparar(sefin: Sefin, caso: Caso, passa: bool = False) -> None:
    parametros = caso.municipio_passa if passa and caso.municipio_passa is not None \
        else caso.municipio
    sefin.parametrizacao.definir(caso.em, **parametros)


@pytest.mark.parametrize("caso", CASOS, ids=lambda c: c.codigo)
def test_rule_is_broken(sefin: Sefin, caso: Caso) -> None:
    _preparar(sefin, caso)
    a1 = caso.a1 or None
    documento = dps(a1, **caso.quebra) if a1 else dps(**caso.quebra)
    chamador = caso.chamador or ("52998224000100" if a1 is CPF_A1 else CNPJ)
    status, corpo = enviar(sefin, documento, chamador)
    assert status == 400, corpo
    erro = next((e for e in corpo["erros"] if e["Codigo"] == caso.codigo), None)
    assert erro is not None, codigos((status, corpo))
    assert erro["Descricao"] == catalogo.mensagem(caso.codigo)


@pytest.mark.parametrize("caso", CASOS, ids=lambda c: c.codigo)
def test_rule_passes_just_inside(sefin: Sefin, caso: Caso) -> None:
    _preparar(sefin, caso, passa=True)
    a1 = caso.a1 or None
    documento = dps(a1, **caso.passa) if a1 else dps(**caso.passa)
    chamador = caso.chamador or ("52998224000100" if a1 is CPF_A1 else CNPJ)
    resposta = enviar(sefin, documento, chamador)
    assert caso.codigo not in codigos(resposta)
    if caso.aceita:
        assert resposta[0] == 201, codigos(resposta)


VDR = {"vDedRed": "<vDedRed><vDR>10.00</vDR></vDedRed>"}
PDR = {"vDedRed": "<vDedRed><pDR>10.00</pDR></vDedRed>"}
CASOS += [
    Caso("E0441", {**SN, **VDR}, {**SN, **VDR, "cTribNac": "160201"}),
    Caso("E0454", PDR, VDR, municipio={"deducoes": {"010701": frozenset({"vDR"})}}),
    Caso("E0446", VDR, PDR, municipio={"deducoes": {"010701": frozenset({"pDR"})}}),
    Caso("E0449", dedred(documento()), VDR, municipio={"deducoes": {"010701": frozenset({"vDR"})}}),
    Caso("E0440", dedred(documento(tipo="3")), dedred(documento(tipo="1")),
         municipio={"tipos_deducao": {"010701": frozenset({"1"})}}),
    Caso("E0951", ibscbs(ree=reembolso(emissao="2026-01-30")),
         ibscbs(ree=reembolso(emissao="2026-01-31"))),
    Caso("E0314", {"cTribMun": "002"}, {"cTribMun": "001"},
         municipio={"servicos_municipais": {"010701": frozenset({"001"})}}),
    Caso("E0539", {"tribISSQN": "4"}, {"tribISSQN": "4"},
         municipio={"nao_incidentes": frozenset()},
         municipio_passa={"nao_incidentes": frozenset({"010701"})}),
    Caso("E0540", {}, {"tribISSQN": "4"}, municipio={"nao_incidentes": frozenset({"010701"})}),
    Caso("E0548", {**ET, "tribMun": BM}, {**ET, "tribMun": BM}, em=CURITIBA,
         municipio=beneficio(ISENCAO, so_estabelecidos=True), municipio_passa=beneficio(ISENCAO)),
    Caso("E0550", {"tribMun": BM}, {"tribMun": BM},
         municipio=beneficio(ISENCAO, servicos=frozenset({"010801"})),
         municipio_passa=beneficio(ISENCAO, servicos=frozenset({"010701"}))),
]

# -- emitted by the tomador or the intermediário (tpEmit 2, 3): the Sefin refuses them in this
# version (E9996) and lists every other rule they break with it
TOMADOR_A1 = generate_a1(TOMADOR, "TOMADOR TESTE LTDA")
INTERMEDIARIO = "11444777000161"
INTERMEDIARIO_A1 = generate_a1(INTERMEDIARIO, "INTERMEDIARIO TESTE LTDA")
PREST_NAC = f"<CNPJ>{CNPJ}</CNPJ><xNome>Prestador</xNome>{END_NAC.format(cmun=MUNICIPIO)}"
PREST_NIF = f"<NIF>123456789</NIF><xNome>Provider Inc</xNome>{END_EXT.format(pais='US')}"
DOC_REF = "<infoCompl><docRef>Contrato 1</docRef></infoCompl>"
PELO_TOMADOR = {"tpEmit": "2", "prest": PREST_NAC, "toma": toma(f"<CNPJ>{TOMADOR}</CNPJ>"),
                "serv": DOC_REF}
PELO_INTERMEDIARIO = {"tpEmit": "3", "prest": PREST_NAC, "vReceb": "1000.00", "serv": DOC_REF,
                      "interm": interm(f"<CNPJ>{INTERMEDIARIO}</CNPJ>")}
IMPORTACAO = {"prest": PREST_NIF, **NBS, "serv": COMEXT.format(mov="1", docs="") + DOC_REF}
T = {"a1": TOMADOR_A1, "chamador": TOMADOR, "aceita": False}
INT = {"a1": INTERMEDIARIO_A1, "chamador": INTERMEDIARIO, "aceita": False}
CASOS += [
    Caso("E9996", PELO_TOMADOR, {"prest": f"<CNPJ>{TOMADOR}</CNPJ>", "toma": ""},
         a1=TOMADOR_A1, chamador=TOMADOR),
    Caso("E0122", {**PELO_TOMADOR, "prest": f"<CNPJ>{CNPJ}</CNPJ>"
                                            f"{END_NAC.format(cmun=MUNICIPIO)}"},
         PELO_TOMADOR, **T),
    Caso("E0125", {**PELO_TOMADOR, "prest": f"<CNPJ>{CNPJ}</CNPJ><xNome>Prestador</xNome>"
                                            f"{END_EXT.format(pais='US')}"},
         PELO_TOMADOR, **T),
    Caso("E0129", {**PELO_TOMADOR, "prest": f"<CNPJ>{CNPJ}</CNPJ><xNome>Prestador</xNome>"},
         PELO_TOMADOR, **T),
    Caso("E0142", {**PELO_TOMADOR, "prest": "<NIF>123456789</NIF><xNome>Provider Inc</xNome>"
                                            f"{END_NAC.format(cmun=MUNICIPIO)}"},
         {**PELO_TOMADOR, "prest": PREST_NIF}, **T),
    Caso("E0123", {**PELO_TOMADOR, "prest": f"<NIF>123456789</NIF>{END_EXT.format(pais='US')}"},
         {**PELO_TOMADOR, "prest": PREST_NIF}, **T),
    Caso("E0115", {**PELO_TOMADOR, "prest": PREST_NIF.replace("<NIF>123456789</NIF>",
                                                              "<cNaoNIF>0</cNaoNIF>")},
         {**PELO_TOMADOR, "prest": PREST_NIF.replace("<NIF>123456789</NIF>",
                                                     "<cNaoNIF>1</cNaoNIF>")}, **T),
    Caso("E0236", {**PELO_TOMADOR, "toma": toma(f"<CNPJ>{TOMADOR}</CNPJ>",
                                                END_NAC.format(cmun="4106902"))},
         PELO_TOMADOR, **T),
    Caso("E0291", {**PELO_INTERMEDIARIO, "interm": interm(f"<CNPJ>{INTERMEDIARIO}</CNPJ>",
                                                          END_NAC.format(cmun="4106902"))},
         PELO_INTERMEDIARIO, **INT),
    Caso("E0420", {**PELO_TOMADOR, "serv": ""}, PELO_TOMADOR, **T),
    Caso("E0423", {**PELO_INTERMEDIARIO, "vReceb": None}, PELO_INTERMEDIARIO, **INT),
    Caso("E0320", {**PELO_TOMADOR, **IMPORTACAO, "cNBS": None}, {**PELO_TOMADOR, **IMPORTACAO},
         **T),
    Caso("E0331", {**PELO_TOMADOR, **IMPORTACAO, "serv": DOC_REF},
         {**PELO_TOMADOR, **IMPORTACAO}, **T),
    Caso("E0650", {**PELO_TOMADOR, **IMPORTACAO},
         {**PELO_TOMADOR, **IMPORTACAO, "tpRetISSQN": "2"}, **T),
    Caso("E0650", {**PELO_TOMADOR, **IMPORTACAO,  # without NIF, by the address abroad
                   "prest": PREST_NIF.replace("<NIF>123456789</NIF>", "<cNaoNIF>1</cNaoNIF>")},
         {**PELO_TOMADOR, **IMPORTACAO, "tpRetISSQN": "2",
          "prest": PREST_NIF.replace("<NIF>123456789</NIF>", "<cNaoNIF>1</cNaoNIF>")}, **T),
    Caso("E0652", {**PELO_INTERMEDIARIO, **IMPORTACAO},
         {**PELO_INTERMEDIARIO, **IMPORTACAO, "tpRetISSQN": "3"}, **INT),
    # -- a regime the municipality assigns to specific contribuintes
    Caso("E0178", {"regEspTrib": "2"}, {"regEspTrib": "2"},
         municipio={"regimes_contribuintes": {"010701": {"2": frozenset({TOMADOR})}}},
         municipio_passa={"regimes_contribuintes": {"010701": {"2": frozenset({CNPJ})}}}),
    # -- the country of the result of an exported service (the prestador's establishment
    # decides 010701's incidence; the tomador's, 170501's)
    Caso("E0590", {"tribISSQN": "3", "serv": COMEXT.format(mov="1", docs="")},
         {"tribISSQN": "3", "tribMun": "<cPaisResult>US</cPaisResult>",
          "serv": COMEXT.format(mov="1", docs="")}),
    Caso("E0591", {**ET, "tribISSQN": "3", "tribMun": "<cPaisResult>US</cPaisResult>",
                   "serv": COMEXT.format(mov="1", docs="")},
         {**ET, "tribISSQN": "3", "tribMun": "<cPaisResult>US</cPaisResult>", "toma": "",
          "serv": COMEXT.format(mov="1", docs="")}),
    # -- IBS/CBS: the classification belongs to its CST
    Caso("E0959", ibscbs(classificacao="010001"), ibscbs()),
    Caso("E0970", ibscbs(regular=regular("010001")), ibscbs(regular=regular("000001"))),
]

CASOS.append(Caso(
    "E0934", {**EXTERIOR, **ibscbs(cind="020101", depois=f"<imovel>{LOCAL_OBRA}</imovel>")},
    {**EXTERIOR, **ibscbs(cind="020101", depois=f"<imovel>{LOCAL_EXT}</imovel>")}))


def test_every_rule_the_sandbox_enforces_has_its_cases() -> None:
    from nfse.sandbox.nacional import regras
    avulsos = {"E0008", "E0014", "E0042", "E0044", "E0046", "E0060", "E0061", "E0065",
               "E0078", "E0458", "E0050", "E0056", "E0058"}  # the scenario tests below
    assert regras.implementadas() == {c.codigo for c in CASOS} | avulsos | regras.NA_RECEPCAO
    # E1200, E1203, E1209 (the connection's certificate): test_sandbox_nacional
    assert regras.NA_RECEPCAO == set(RECEPCAO) | {"E1200", "E1203", "E1209"}


def _autorizada(sefin: Sefin, **partes: Any) -> str:
    status, corpo = enviar(sefin, dps(**partes))
    assert status == 201, codigos((status, corpo))
    return corpo["chaveAcesso"]


def test_e0008_emission_after_processing(sefin: Sefin) -> None:
    futuro = datetime.now(SAO_PAULO).replace(microsecond=0) + \
        timedelta(minutes=5)
    assert "E0008" in codigos(enviar(sefin, dps(dhEmi=futuro.isoformat())))
    assert "E0008" not in codigos(enviar(sefin, dps()))


def test_e0014_the_same_dps_twice(sefin: Sefin) -> None:
    _autorizada(sefin)
    assert codigos(enviar(sefin, dps())) == ["E0014"]
    _autorizada(sefin, nDPS="2")


def _subst(chave_: str, motivo: str = "01", texto: str | None = None) -> dict[str, str]:
    x = f"<xMotivo>{texto}</xMotivo>" if texto else ""
    return {"subst": f"<subst><chSubstda>{chave_}</chSubstda><cMotivo>{motivo}</cMotivo>{x}"
                     "</subst>", "nDPS": "2"}


def test_substitution_rules(sefin: Sefin) -> None:
    original = _autorizada(sefin)
    de_outro = "3516200" + "2" + "2" + "07504505000132" + original[23:49]
    from nfse.sandbox.nacional.digitos import chave_dv
    de_outro += chave_dv(de_outro)
    assert "E0042" in codigos(enviar(sefin, dps(**_subst(original[:49] + str(
        (int(original[49]) + 1) % 10)))))
    assert "E0042" in codigos(enviar(sefin, dps(**_subst(de_outro))))
    municipal = original[:7] + "1" + original[8:49]
    assert "E0065" in codigos(enviar(sefin, dps(**_subst(municipal + chave_dv(municipal)))))
    inexistente = original[:23] + "9" * 13 + original[36:49]
    assert "E0044" in codigos(enviar(sefin, dps(**_subst(inexistente + chave_dv(inexistente)))))
    assert "E0078" in codigos(enviar(sefin, dps(**_subst(original, "99"))))
    nao_optante = enviar(sefin, dps(**_subst(original), cTribNac="010801", vServ="900.00"))
    assert "E0060" in codigos(nao_optante) and "E0061" not in codigos(nao_optante)
    status, corpo = enviar(sefin, dps(**_subst(original, "99", "Valor errado na nota"),
                                      vServ="900.00"))
    assert status == 201, corpo  # a não optante may change the value
    assert "E0046" in codigos(enviar(sefin, dps(**(_subst(original) | {"nDPS": "3"}))))


def test_e0061_simples_keeps_tomador_date_and_value(sefin: Sefin) -> None:
    original = _autorizada(sefin, **SN)
    mudou = enviar(sefin, dps(**SN, **_subst(original), vServ="900.00"))
    assert "E0061" in codigos(mudou) and "E0060" not in codigos(mudou)
    status, corpo = enviar(sefin, dps(**SN, **_subst(original), cTribNac="010801"))
    assert status == 201, corpo


def test_e0456_e0458_deduction_by_an_nfse_of_this_authority(sefin: Sefin) -> None:
    deduzida = _autorizada(sefin)
    doc = dedred(documento(f"<chNFSe>{deduzida}</chNFSe>", fornec=""))
    status, corpo = enviar(sefin, dps(nDPS="2", **doc))
    assert status == 201, corpo
    sefin.estado.cancelar(deduzida, b"<evento/>")
    assert "E0458" in codigos(enviar(sefin, dps(nDPS="3", **doc)))


def _nfse(corpo: dict) -> Any:
    from lxml import etree
    return etree.fromstring(gzip.decompress(base64.b64decode(corpo["nfseXmlGZipB64"])))


def test_iss_at_the_rate_of_the_incidence_municipality(sefin: Sefin) -> None:
    """A não optante sends no pAliq where the municipality is active: the Sefin takes the rate
    from the municipality's parameters and computes the ISSQN itself."""
    sefin.parametrizacao.definir(MUNICIPIO, aliquotas={"010701": Decimal("3.00")})
    status, corpo = enviar(sefin, dps())
    assert status == 201, corpo
    n = {"n": "http://www.sped.fazenda.gov.br/nfse"}
    inf = _nfse(corpo).find("n:infNFSe", n)
    assert inf.findtext("n:cLocIncid", namespaces=n) == MUNICIPIO
    assert inf.findtext("n:valores/n:pAliqAplic", namespaces=n) == "3.00"
    assert inf.findtext("n:valores/n:vISSQN", namespaces=n) == "30.00"


def test_incidence_follows_the_service(sefin: Sefin) -> None:
    """Labour supply (170501) is taxed where the tomador is: Curitiba, at Curitiba's rate."""
    sefin.parametrizacao.definir(CURITIBA, aliquotas={"170501": Decimal("2.00")})
    status, corpo = enviar(sefin, dps(**ET))
    assert status == 201, corpo
    n = {"n": "http://www.sped.fazenda.gov.br/nfse"}
    inf = _nfse(corpo).find("n:infNFSe", n)
    assert inf.findtext("n:cLocIncid", namespaces=n) == CURITIBA
    assert inf.findtext("n:valores/n:vISSQN", namespaces=n) == "20.00"


def _sem_assinatura() -> bytes:
    from lxml import etree
    root = etree.fromstring(dps())
    root.remove(root[-1])
    return etree.tostring(root)


RECEPCAO = {
    "E1225": lambda: b"",  # not gzip: replaced below by raw Base64 of plain text
    "E1226": lambda: b"<DPS",
    "E1228": lambda: dps().replace(b"<DPS ", b'<n:DPS xmlns:n="urn:x" ', 1).replace(
        b"</DPS>", b"</n:DPS>"),
    "E1229": lambda: "<DPS>ação</DPS>".encode("latin-1"),
    "E1242": lambda: dps().replace(b"<DPS ", b"<NFSe ", 1).replace(b"</DPS>", b"</NFSe>"),
    "E1235": lambda: dps().replace(b"<tpEmit>1</tpEmit>", b""),
    "E0714": lambda: dps().replace(b"<vServ>1000.00</vServ>", b"<vServ>1.00</vServ>"),
    "E0717": _sem_assinatura,
    "E0718": lambda: dps(generate_a1("07504505000132", "OUTRA EMPRESA")),
}


@pytest.mark.parametrize("codigo", sorted(RECEPCAO))
def test_reception_rules_answer_alone_with_the_official_message(sefin: Sefin,
                                                                codigo: str) -> None:
    if codigo == "E1225":
        resposta = sefin.receber_dps({"dpsXmlGZipB64": base64.b64encode(b"texto").decode()},
                                     CNPJ)
    else:
        resposta = enviar(sefin, RECEPCAO[codigo]())
    status, corpo = resposta
    assert status == 400
    assert [(e["Codigo"], e["Descricao"]) for e in corpo["erros"]] == [
        (codigo, catalogo.mensagem(codigo))]


def cancelar(sefin: Sefin, chave_: str, pedido: bytes, chamador: str = CNPJ,
             na_url: str | None = None) -> tuple[int, dict]:
    corpo = base64.b64encode(gzip.compress(pedido)).decode()
    return sefin.registrar_evento(na_url or chave_, {"pedidoRegistroEventoXmlGZipB64": corpo},
                                  chamador)


def _erro_evento(resposta: tuple[int, dict]) -> str:
    erro = resposta[1].get("erro") or {}
    assert not erro or erro["descricao"] == catalogo.mensagem(erro["codigo"])
    return erro.get("codigo", "")


def test_cancellation_rules_of_anexo_ii(sefin: Sefin) -> None:
    from tests.sandbox.dps_nacional import pedido_cancelamento as pedido
    nota = _autorizada(sefin)
    outra = generate_a1("07504505000132", "OUTRA EMPRESA")
    futuro = (datetime.now(SAO_PAULO).replace(microsecond=0)
              + timedelta(minutes=5)).isoformat()
    assert _erro_evento(cancelar(sefin, nota, pedido(nota, tpAmb="1"))) == "E1845"
    assert _erro_evento(cancelar(sefin, nota, pedido(nota, dhEvento=futuro))) == "E1843"
    assert _erro_evento(cancelar(sefin, nota, pedido(nota, assinar=False))) == "E1989"
    adulterado = pedido(nota).replace(b"Erro na emiss", b"Erro da emiss")
    assert _erro_evento(cancelar(sefin, nota, adulterado)) == "E1980"
    assert _erro_evento(cancelar(sefin, nota, pedido(nota, Id=f"PRE{nota}101103"))) == "E1827"
    assert _erro_evento(cancelar(sefin, nota, pedido(nota), na_url="1" * 50)) == "E1831"
    assert _erro_evento(cancelar(sefin, nota, pedido(nota, autor="07504505000132"))) == "E0812"
    assert _erro_evento(cancelar(sefin, nota, pedido(nota, a1=outra, autor="07504505000132"),
                                 chamador="07504505000132")) == "E1991"
    inexistente = nota[:23] + "9" * 13 + nota[36:]
    assert _erro_evento(cancelar(sefin, inexistente, pedido(inexistente))) == "E1831"
    status, corpo = cancelar(sefin, nota, pedido(nota))
    assert status == 201, corpo
    assert _erro_evento(cancelar(sefin, nota, pedido(nota))) == "E0840"


def _pedido_cpf(chave_: str, autor: str) -> bytes:
    """A cancellation request whose author is a CPF (CPFAutor), signed by the CPF's A1."""
    from lxml import etree

    from nfse.xml.sign import sign
    from tests.sandbox.dps_nacional import pedido_cancelamento as pedido
    texto = pedido(chave_, assinar=False).replace(
        f"<CNPJAutor>{CNPJ}</CNPJAutor>".encode(), f"<CPFAutor>{autor}</CPFAutor>".encode())
    root = etree.fromstring(texto)
    sign(root, root[0], CPF_A1)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_e0815_the_cpf_author_is_the_signers(sefin: Sefin) -> None:
    """A CPF author is compared whole with the certificate's CPF (a CNPJ by its root)."""
    status, corpo = enviar(sefin, dps(CPF_A1, prest=f"<CPF>{CPF}</CPF>"), CPF)
    assert status == 201, codigos((status, corpo))
    nota = corpo["chaveAcesso"]
    outro = "11144477735"
    assert _erro_evento(cancelar(sefin, nota, _pedido_cpf(nota, outro), CPF)) == "E0815"
    status, corpo = cancelar(sefin, nota, _pedido_cpf(nota, CPF), CPF)  # just inside
    assert status == 201, corpo


def test_municipal_conditions_of_cancellation(sefin: Sefin) -> None:
    """E0822 (deadline after the emission), E0823 (highest value), E0824 (no tomador): set by
    the municipality that issued the note; each passes just inside."""
    from tests.sandbox.dps_nacional import pedido_cancelamento as pedido
    nota = _autorizada(sefin)
    sem_tomador = _autorizada(sefin, nDPS="2", toma="")
    sefin.parametrizacao.definir(MUNICIPIO, prazo_cancelamento=-1)  # already past
    assert _erro_evento(cancelar(sefin, nota, pedido(nota))) == "E0822"
    sefin.parametrizacao.definir(MUNICIPIO, valor_maximo_cancelamento=Decimal("999.99"))
    assert _erro_evento(cancelar(sefin, nota, pedido(nota))) == "E0823"
    sefin.parametrizacao.definir(MUNICIPIO, cancelamento_exige_tomador=True)
    assert _erro_evento(cancelar(sefin, sem_tomador, pedido(sem_tomador))) == "E0824"
    sefin.parametrizacao.definir(MUNICIPIO, prazo_cancelamento=0, cancelamento_exige_tomador=True,
                                 valor_maximo_cancelamento=Decimal("1000.00"))
    status, corpo = cancelar(sefin, nota, pedido(nota))  # same day, at the limit, a tomador
    assert status == 201, corpo


def test_every_event_rule_has_its_case() -> None:
    from nfse.sandbox.nacional.sefin import REGRAS_EVENTO
    assert REGRAS_EVENTO == {"E1845", "E1843", "E1989", "E1980", "E1827", "E1831", "E0812",
                             "E0815", "E1991", "E0840", "E0822", "E0823", "E0824"}


def test_municipal_conditions_of_substitution(sefin: Sefin) -> None:
    """E0050 (deadline, counted from the competence; motivos 01/02 exempt), E0056 (the note
    replaced has no tomador), E0058 (the tomador may not change)."""
    ontem = (HOJE - timedelta(days=2)).isoformat()
    sefin.parametrizacao.definir(MUNICIPIO, prazo_substituicao=1,
                                 substituicao_exige_tomador=True,
                                 substituicao_mantem_tomador=True)
    antiga = _autorizada(sefin, dCompet=ontem)
    assert "E0050" in codigos(enviar(sefin, dps(**_subst(antiga, "03"), dCompet=ontem)))
    assert "E0050" not in codigos(enviar(sefin, dps(**_subst(antiga, "01"), dCompet=ontem)))
    sem_tomador = _autorizada(sefin, toma="", nDPS="5")
    assert "E0056" in codigos(enviar(sefin, dps(**_subst(sem_tomador, "03"))))
    outro = toma(f"<CPF>{CPF}</CPF>")
    com_tomador = _autorizada(sefin, nDPS="6")
    assert "E0058" in codigos(enviar(sefin, dps(**_subst(com_tomador, "03"), toma=outro)))
    resposta = enviar(sefin, dps(**(_subst(com_tomador, "03") | {"nDPS": "7"})))
    assert resposta[0] == 201, codigos(resposta)


def _assinatura_exc_com_comentarios(documento: bytes, digest_com_comentarios: bool) -> bytes:
    """A DPS signed as pynfse-nacional signs it: exclusive C14N "WithComments", RSA-SHA256,
    SHA-256 digest (written here from the XMLDSig specification)."""
    import hashlib

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.serialization import Encoding
    from lxml import etree

    from tests.sandbox.dps_nacional import EMITENTE
    ds = "http://www.w3.org/2000/09/xmldsig#"
    c14n = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
    root = etree.fromstring(documento)
    inf = root[0]
    inf.insert(0, etree.Comment(" pedido 42 "))
    canonical = etree.tostring(etree.fromstring(etree.tostring(inf)), method="c14n",
                               exclusive=True, with_comments=digest_com_comentarios)
    digest = base64.b64encode(hashlib.sha256(canonical).digest()).decode()
    signed_info = (
        f'<SignedInfo xmlns="{ds}"><CanonicalizationMethod Algorithm="{c14n}"/>'
        '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
        f'<Reference URI="#{inf.get("Id")}"><Transforms>'
        f'<Transform Algorithm="{ds}enveloped-signature"/><Transform Algorithm="{c14n}"/>'
        '</Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
        f"<DigestValue>{digest}</DigestValue></Reference></SignedInfo>")
    canonical_si = etree.tostring(etree.fromstring(signed_info), method="c14n", exclusive=True,
                                  with_comments=True)
    valor = base64.b64encode(EMITENTE.key.sign(canonical_si, padding.PKCS1v15(),
                                                hashes.SHA256())).decode()
    certificado = base64.b64encode(EMITENTE.cert.public_bytes(Encoding.DER)).decode()
    root.append(etree.fromstring(
        f'<Signature xmlns="{ds}">{signed_info}<SignatureValue>{valor}</SignatureValue>'
        f"<KeyInfo><X509Data><X509Certificate>{certificado}</X509Certificate></X509Data>"
        "</KeyInfo></Signature>"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("digest_com_comentarios", [False, True])
def test_exclusive_c14n_with_comments_and_rsa_sha256_are_accepted(
        sefin: Sefin, digest_com_comentarios: bool) -> None:
    from tests.sandbox.dps_nacional import xml
    documento = _assinatura_exc_com_comentarios(xml(), digest_com_comentarios)
    status, corpo = enviar(sefin, documento)
    assert status == 201, codigos((status, corpo))
    adulterado = documento.replace(b"<vServ>1000.00</vServ>", b"<vServ>1.00</vServ>")
    assert codigos(enviar(sefin, adulterado)) == ["E0714"]


@pytest.mark.parametrize("local,nome", [
    ({"locPrest": "<cPaisPrestacao>US</cPaisPrestacao>"}, "United States"),
    ({"locPrest": "<cLocPrestacao>0000000</cLocPrestacao>"}, "Águas Marítimas"),
    ({"locPrest": f"<cLocPrestacao>{CURITIBA}</cLocPrestacao>"}, "Curitiba"),
])
def test_the_nfse_names_where_the_service_was_provided(sefin: Sefin, local: dict[str, str],
                                                       nome: str) -> None:
    """A service abroad got an empty xLocPrestacao, which the official schema refuses."""
    from nfse.xml.validate import nacional_schema_dir, validate
    status, corpo = enviar(sefin, dps(**(EXTERIOR | local)))
    assert status == 201, codigos((status, corpo))
    nfse = _nfse(corpo)
    assert validate(nfse, nacional_schema_dir() / "NFSe_v1.01.xsd") == []
    n = {"n": "http://www.sped.fazenda.gov.br/nfse"}
    assert nfse.findtext("n:infNFSe/n:xLocPrestacao", namespaces=n) == nome
