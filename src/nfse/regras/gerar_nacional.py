"""Regenerates ``nacional.csv``: the NFS-e Nacional rejection rules as data, from the official
annexes in markdown.

Sources (public, in the repository ``claudio-mas/nfse_nacional``):

- ``anexo_i-sefin_adn-dps_nfse-snnfse-v1-01-20260209.md``: Anexo I v1.01, sheets
  ``RN_RECEPCAO_DPS`` (13 rules) and ``RN DPS_NFS-e`` (429 rules); 442 rules, E1570 twice.
- ``anexo_ii-sefin_adn-pedregevt_evt-snnfse-v1-01-20260122.md``: Anexo II v1.01, sheet
  ``RN EVENTO_PED.REG.EVENTO`` (event requests).

Each row keeps the official code, message, rule text, XML path and level, and whether the Sefin
Nacional runs it when it receives a DPS; this script adds the classification: can the rule be
decided offline — from the DPS, the emitter's own cadastro, the municipal parameters (ADN
parametrização), the clock, the national tables shipped with the project and the notes the
authority itself issued — and, when not, why. The classification lives here, in the tables
below, so the data file is reproducible.

Usage::

    git -C <repo> show HEAD:anexo_i-sefin_adn-dps_nfse-snnfse-v1-01-20260209.md > anexo_i.md
    git -C <repo> show HEAD:anexo_ii-sefin_adn-pedregevt_evt-snnfse-v1-01-20260122.md > anexo_ii.md
    python -m nfse.regras.gerar_nacional anexo_i.md anexo_ii.md
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

DESTINO = Path(__file__).with_name("nacional.csv")
INCIDENCIA = Path(__file__).with_name("incidencia.csv")
PAISES = Path(__file__).with_name("paises.csv")
ISO3166 = Path("/usr/share/zoneinfo/iso3166.tab")
"""The country codes (ISO 3166-1 alpha-2) of the tz database, public domain: the codes the
annex's country table (ANEXO_A) uses."""
COLUNAS = ("codigo", "planilha", "linha", "caminho", "mensagem", "descricao", "nivel", "sefin",
           "offline", "fonte", "motivo")

_CERTIFICADO = ("Depende da cadeia ICP-Brasil, das LCR ou do cadastro de autoridades "
                "certificadoras da Receita Federal, que só a autoridade consulta.")
_RFB = "Depende do cadastro CNPJ/CPF da Receita Federal na data de competência."
_CNC = "Depende do Cadastro Nacional de Contribuintes (CNC) do município emissor."
_SIMPLES = "Depende do cadastro do Simples Nacional da Receita Federal na data de competência."
_CEP = "Depende da base de CEPs por município (Correios), que o projeto não tem."
_NFE = "Depende da base nacional de NF-e."
_ESTABELECIMENTO_EMITENTE = (
    "Depende do município em que o tomador ou intermediário emitente está estabelecido, que a "
    "DPS não informa (E0236/E0291 proíbem o seu endereço nacional): vem do cadastro CNPJ/CNC.")
_PRAZOS = ("Depende de prazos e faixas definidos pela administração tributária e não "
           "publicados no leiaute (prazo de aceitação da versão, faixas de série).")
_ADN = ("Não executada pela Sefin Nacional na recepção da DPS: só no compartilhamento com o "
        "ADN de NFS-e geradas por sistemas municipais.")
_EVENTO = ("Regra sobre o evento que a própria Sefin gera e assina a partir do pedido: não é "
           "informado pelo autor (o sandbox a segue ao gerar o evento).")
_NFSE = ("Regra sobre um campo da NFS-e, que a própria Sefin calcula e gera: não é informado "
         "na DPS (o sandbox a segue ao gerar a NFS-e).")

NAO_OFFLINE: dict[str, str] = {
    **dict.fromkeys(("E1205", "E1206", "E1207", "E1208", "E0715", "E0716", "E1983", "E1986"),
                    _CERTIFICADO),
    **dict.fromkeys(("E0018", "E0020", "E0041", "E0082", "E0098", "E0132", "E0134", "E0190",
                     "E0207", "E0250", "E0268", "E0482", "E0488", "E0912", "E0914", "E0921",
                     "E0922", "E0946", "E0948"), _RFB),
    **dict.fromkeys(("E0023", "E0025", "E0084", "E0099", "E0116", "E0119", "E0120", "E0124",
                     "E0176", "E0194", "E0212", "E0228", "E0229", "E0231", "E0232", "E0254",
                     "E0272", "E0287", "E0288", "E0289", "E0290"), _CNC),
    "E0160": _SIMPLES,
    **dict.fromkeys(("E0138", "E0240", "E0296", "E0380", "E0398", "E0496"), _CEP),
    **dict.fromkeys(("E0462", "E0464"), _NFE),
    **dict.fromkeys(("E0672", "E0673"), _ESTABELECIMENTO_EMITENTE),
    **dict.fromkeys(("E0001", "E0010", "E1260", "E1825"), _PRAZOS),
}
"""Rules the Sefin runs on a DPS that need a register or a secret only the authority holds."""

FONTES: dict[str, str] = {
    **dict.fromkeys(("E0008", "E0015", "E0850", "E1843"), "relogio"),
    **dict.fromkeys(("E0014", "E0044", "E0046", "E0060", "E0061", "E0065", "E0068", "E0070",
                     "E0072", "E0076", "E0456", "E0458"), "autorizador"),
    **dict.fromkeys(("E0016", "E0037", "E0038", "E0039", "E0050", "E0056", "E0058", "E0074",
                     "E0177", "E0178", "E0312", "E0314", "E0440", "E0441", "E0446", "E0449",
                     "E0454", "E0536", "E0537", "E0539", "E0540", "E0541", "E0544", "E0548",
                     "E0550", "E0565", "E0567", "E0574", "E0577", "E0579", "E0586", "E0612",
                     "E0617", "E0619", "E0621", "E0625", "E0628", "E0631", "E0635", "E0640",
                     "E0667", "E0670"), "parametros"),
    **dict.fromkeys(("E0130", "E0146", "E0238", "E0246", "E0294", "E0299", "E0302", "E0304",
                     "E0310", "E0316", "E0370", "E0372", "E0390", "E0392", "E0466", "E0494",
                     "E0499", "E0529", "E0530", "E0590", "E0591", "E0901", "E0920", "E0943",
                     "E0958", "E0959", "E0969", "E0970"), "tabelas"),
    **dict.fromkeys(("E1200", "E1203", "E1209"), "certificado"),
}
"""What an offline-decidable rule needs besides the DPS (``dps`` when nothing else)."""


APLICADAS_PELA_SEFIN = frozenset({"E1843"})
"""Marked "not run by the Sefin" in the annex (its text speaks of the ADN's lots), but the
Sefin is the receiver of a cancellation and clients see a future ``dhEvento`` refused (BRANS
backs its clock off a minute for that): the sandbox applies it."""


def _celulas(linha: str) -> list[str]:
    """The cells of a markdown table row (``\\|`` is a pipe inside a cell)."""
    partes = re.split(r"(?<!\\)\|", linha.strip().strip("|"))
    return [" ".join(p.replace("\\|", "|").split()) for p in partes]


def _juntar(caminho: str, campo: str) -> str:
    if not campo or campo == "-":
        return caminho.rstrip("/")
    return caminho + campo if caminho.endswith("/") else f"{caminho}/{campo}"


def _secoes(texto: str) -> dict[str, list[str]]:
    secoes: dict[str, list[str]] = {}
    atual = ""
    for linha in texto.splitlines():
        if linha.startswith("## "):
            atual = linha[3:].strip()
            secoes[atual] = []
        elif linha.startswith("|") and atual:
            secoes[atual].append(linha)
    return secoes


def _classificar(codigo: str, caminho: str, sefin: str, planilha: str) -> tuple[bool, str, str]:
    """(offline, fonte, motivo) of one rule."""
    if planilha == "RN_RECEPCAO_DPS":
        if codigo in NAO_OFFLINE:
            return False, "", NAO_OFFLINE[codigo]
        return True, FONTES.get(codigo, "dps"), ""
    if codigo in APLICADAS_PELA_SEFIN:
        return True, FONTES.get(codigo, "dps"), ""
    if sefin != "V":
        return False, "", _ADN
    if planilha == "RN EVENTO_PED.REG.EVENTO" and not caminho.startswith("evento/pedRegEvento"):
        return False, "", _EVENTO
    if planilha == "RN DPS_NFS-e" and not caminho.startswith("NFSe/infNFSe/DPS/") \
            and caminho != "NFSe/infNFSe/DPS":
        return False, "", _NFSE
    if codigo in NAO_OFFLINE:
        return False, "", NAO_OFFLINE[codigo]
    return True, FONTES.get(codigo, "dps"), ""


def _recepcao(linhas: list[str]) -> list[dict[str, str]]:
    regras = []
    for linha in linhas:
        c = _celulas(linha)
        if len(c) == 8 and re.fullmatch(r"E\d{4}", c[5]):
            offline, fonte, motivo = _classificar(c[5], "", "V", "RN_RECEPCAO_DPS")
            regras.append({"codigo": c[5], "planilha": "RN_RECEPCAO_DPS", "linha": c[0],
                           "caminho": "", "mensagem": c[6], "descricao": c[1], "nivel": "1",
                           "sefin": "V", "offline": "sim" if offline else "não",
                           "fonte": fonte, "motivo": motivo})
    return regras


def _regras(linhas: list[str], planilha: str) -> list[dict[str, str]]:
    """Rows of a 15-column business-rule sheet; path and field carry down from the last row
    that named them, as the merged cells of the spreadsheet did."""
    regras = []
    caminho = campo = ""
    for linha in linhas:
        c = _celulas(linha)
        if len(c) != 15:
            continue
        if c[1] and c[1] != "-":
            caminho, campo = c[1], ""
        if c[2] and c[2] != "-":
            campo = c[2]
        if not re.fullmatch(r"E\d{4}", c[7]):
            continue
        completo = _juntar(caminho, campo)
        offline, fonte, motivo = _classificar(c[7], completo, c[10], planilha)
        regras.append({"codigo": c[7], "planilha": planilha, "linha": c[0],
                       "caminho": completo, "mensagem": c[8],
                       "descricao": " ".join(x for x in (c[3], c[4]) if x and x != "-"),
                       "nivel": c[9], "sefin": c[10], "offline": "sim" if offline else "não",
                       "fonte": fonte, "motivo": motivo})
    return regras


def incidencia(anexo_i: str) -> list[tuple[str, str]]:
    """(cTribNac, where the ISSQN is due) from sheet MUN.INCID_INFO.SERV.: ``EP`` the
    prestador's establishment, ``LP`` the place of provision, ``ET`` the tomador's
    establishment, ``-`` none (990101, no incidence)."""
    linhas = []
    for linha in _secoes(anexo_i)["MUN.INCID_INFO.SERV."]:
        c = _celulas(linha)
        if len(c) == 8 and re.fullmatch(r"\d{5,6}", c[0]):
            local = next((nome for nome, celula in zip(("EP", "LP", "ET"), c[2:5], strict=True)
                          if celula.endswith("X")), "-")
            linhas.append((c[0].zfill(6), local))
    return linhas


def paises(tabela: str) -> list[tuple[str, str]]:
    """(ISO 3166-1 alpha-2 code, the country's short English name) of ``iso3166.tab``."""
    return sorted(tuple(linha.split("\t")[:2]) for linha in tabela.splitlines()
                  if linha and not linha.startswith("#"))


def gerar(anexo_i: str, anexo_ii: str) -> list[dict[str, str]]:
    secoes_i, secoes_ii = _secoes(anexo_i), _secoes(anexo_ii)
    return (_recepcao(secoes_i["RN_RECEPCAO_DPS"])
            + _regras(secoes_i["RN DPS_NFS-e"], "RN DPS_NFS-e")
            + _regras(secoes_ii["RN EVENTO_PED.REG.EVENTO"], "RN EVENTO_PED.REG.EVENTO"))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    regras = gerar(Path(argv[0]).read_text(encoding="utf-8"),
                   Path(argv[1]).read_text(encoding="utf-8"))
    with DESTINO.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, COLUNAS, delimiter=";", lineterminator="\n")
        writer.writeheader()
        writer.writerows(regras)
    texto_i = Path(argv[0]).read_text(encoding="utf-8")
    with INCIDENCIA.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        writer.writerow(("codigo", "local"))
        writer.writerows(incidencia(texto_i))
    with PAISES.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("codigo", "nome"))
        writer.writerows(paises(ISO3166.read_text(encoding="utf-8")))
    anexo = sum(r["planilha"] != "RN EVENTO_PED.REG.EVENTO" for r in regras)
    print(f"{anexo} regras do Anexo I e {len(regras) - anexo} do Anexo II em {DESTINO}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
