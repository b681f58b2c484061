"""Writes ``docs/regras-nacional.md``: every rule of the official catalogue and what the
sandbox does with it — implemented, not decidable offline (why), or deferred (why). Generated
from the catalogue (``nfse.regras``) and the sandbox's registry of implemented codes, so the
document cannot drift from either (a test regenerates it and compares).

Usage: ``python -m nfse.sandbox.nacional.cobertura [docs/regras-nacional.md]``."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from nfse.regras import catalogo
from nfse.regras.catalogo import Regra
from nfse.sandbox.nacional import regras
from nfse.sandbox.nacional.sefin import REGRAS_EVENTO

DESTINO = Path("docs/regras-nacional.md")

_EMITENTE_NIF = ("O emitente assina com o certificado do seu CNPJ/CPF: um emitente (prestador, "
                 "tomador ou intermediário) identificado por NIF ou cNaoNIF é recusado antes "
                 "(E0718).")
_ESQUEMA = "O esquema XSD já impede a situação (E1235 responde antes)."
_EVENTOS = ("O sandbox não recebe este tipo de evento (análise fiscal, manifestação, "
            "tributos recolhidos, bloqueio de ofício): a situação não ocorre nele.")
_TABELA = "Depende de uma tabela pública que o projeto ainda não embarca: {}."

INAPLICAVEIS: dict[str, str] = {
    **dict.fromkeys(("E0112", "E0114", "E0222", "E0224", "E0280", "E0284"), _EMITENTE_NIF),
    **dict.fromkeys(("E0233", "E0292", "E0686", "E0692"), _ESQUEMA),
    **dict.fromkeys(("E0068", "E0070", "E0072", "E0074", "E0076"), _EVENTOS),
    # Anexo II: requests for events other than the cancellation (e101101), which the sandbox
    # answers with E1818 before any of these
    **dict.fromkeys(("E0845", "E0848", "E0852", "E0853", "E0855", "E0856", "E0860", "E0861",
                     "E0862", "E0863", "E0864", "E0866", "E0868", "E0870", "E1833", "E1835",
                     "E1944", "E1949", "E1954", "E1960", "E1963", "E1965", "E1967", "E1970",
                     "E1976", "E1978"), _EVENTOS),
    "E0827": ("Depende do evento de tributos recolhidos, que o sandbox não recebe: um "
              "cancelamento nunca o encontra vinculado."),
    "E0831": ("O sandbox é o único ambiente que gera as NFS-e que conhece: uma chave que ele "
              "não gerou é respondida com E1831."),
}
"""Decidable offline, but the situation cannot reach the Sefin's rules (or the sandbox)."""

ADIADAS: dict[str, str] = {
    "E0316": _TABELA.format("a NBS (Anexo B), que não está no anexo em markdown nem no nfelib"),
    "E0901": _TABELA.format("a de indicadores da operação (cIndOp, Anexo C), que não está no "
                            "anexo em markdown nem no nfelib"),
    **dict.fromkeys(("E0958", "E0964", "E0965", "E0969", "E0971", "E0972"),
                    _TABELA.format("a de classificação tributária do IBS/CBS (cClassTrib, com "
                                   "os indicadores validoParaSiglaDfe, "
                                   "exigeGrupoTributacaoRegular e permiteDiferimento)")),
    **dict.fromkeys(("E0529", "E0530"),
                    _TABELA.format("a planilha de cenários de exportação (EXPORTACAO_EMISSÃO), "
                                   "cujos cenários 6, 10, 34, 38, 66, 80 e 26, 54, 92, 96, 106, "
                                   "110 o texto da regra só numera")),
    **dict.fromkeys(("E0813", "E0816"),
                    "O autor de cada tipo de evento (planilha Tipo Eventos) só importa para "
                    "eventos que o sandbox não recebe; no cancelamento, um autor que não é o "
                    "emitente da NFS-e é respondido com E1991."),
    **dict.fromkeys(("E0373", "E0933"),
                    "O CIB tem 7 caracteres em base 32 (Crockford) e um DV alfanumérico, mas "
                    "a Receita Federal não publica o cálculo do DV alfanumérico."),
}
"""Decidable offline, not yet implemented, and why."""


def situacao(regra: Regra, implementadas: frozenset[str]) -> tuple[str, str]:
    """(status, why) of one rule."""
    if regra.codigo in implementadas and regra.offline:
        return "implementada", ""
    if not regra.offline:
        return "não decidível offline", regra.motivo
    if regra.codigo in INAPLICAVEIS:
        return "inaplicável", INAPLICAVEIS[regra.codigo]
    return "adiada", ADIADAS.get(regra.codigo, "Ainda não implementada.")


def _tabela(linhas: list[tuple[Regra, str, str]]) -> list[str]:
    saida = ["| código | campo | mensagem oficial | situação | por quê |",
             "| --- | --- | --- | --- | --- |"]
    for regra, status, porque in linhas:
        campo = regra.campos[0].removeprefix("NFSe/infNFSe/DPS/infDPS/") if regra.campos else ""
        texto = regra.mensagem.replace("|", "\\|")
        saida.append(f"| {regra.codigo} | `{campo}` | {texto} | {status} | {porque} |")
    return saida


def render() -> str:
    implementadas = regras.implementadas()
    anexo = [(r, *situacao(r, implementadas)) for r in catalogo.anexo_i()]
    contagem = Counter(status for _, status, _ in anexo)
    decidiveis = sum(r.offline for r in catalogo.anexo_i())
    alcancaveis = decidiveis - contagem["inaplicável"]
    eventos = [r for r in catalogo.regras() if r.planilha == "RN EVENTO_PED.REG.EVENTO"]
    linhas_evento = [(r, *situacao(r, REGRAS_EVENTO)) for r in eventos]
    partes = [
        "# Regras de rejeição da NFS-e Nacional no sandbox",
        "",
        "Gerado por `python -m nfse.sandbox.nacional.cobertura` a partir do catálogo oficial",
        "(`nfse.regras`, Anexo I v1.01 e Anexo II v1.01) e do registro de regras do sandbox; um",
        "teste confere que está atualizado. Não edite à mão.",
        "",
        "Cada regra tem uma situação:",
        "",
        "- **implementada**: o sandbox a aplica e responde com o código e a mensagem oficiais,",
        "  todas as violações juntas em `erros`;",
        "- **não decidível offline**: depende de um cadastro ou segredo que só a autoridade tem",
        "  (cadastro CNPJ/CPF, CNC, Simples Nacional, cadeia ICP-Brasil) ou é uma regra sobre o",
        "  que a própria Sefin gera, ou não é executada pela Sefin;",
        "- **inaplicável**: decidível, mas a situação não chega às regras (emitente",
        "  identificado por NIF, recusado antes pela assinatura; já impedida pelo esquema XSD;",
        "  evento que o sandbox não recebe);",
        "- **adiada**: decidível offline e ainda não implementada, com o motivo.",
        "",
        "## Números (Anexo I: 442 regras)",
        "",
        f"- implementadas: **{contagem['implementada']}** de {decidiveis} decidíveis offline "
        f"(**{100 * contagem['implementada'] / decidiveis:.0f} %**); "
        f"de {alcancaveis} que podem ocorrer (decidíveis menos as inaplicáveis): "
        f"**{100 * contagem['implementada'] / alcancaveis:.0f} %**",
        f"- inaplicáveis: {contagem['inaplicável']}",
        f"- adiadas: {contagem['adiada']}",
        f"- não decidíveis offline: {contagem['não decidível offline']}",
        "",
        "Decisão registrada: para o não optante (opSimpNac = 1) o totTrib vai em `vTotTrib` ou",
        "`pTotTrib`, nunca `indTotTrib` nem `pTotTribSN`, como diz o texto oficial de E0713 (um",
        "cliente de terceiros envia `indTotTrib` e diverge dele).",
        "",
        "## Anexo I — recepção e DPS",
        "",
        *_tabela(anexo),
        "",
        "## Anexo II — pedidos de registro de evento",
        "",
        f"Implementadas: {len(REGRAS_EVENTO)} de {len(eventos)}. O sandbox registra só o "
        "cancelamento (e101101) e, na substituição, o e105102.",
        "",
        *_tabela(linhas_evento),
        "",
    ]
    return "\n".join(partes)


def main(argv: list[str]) -> int:
    destino = Path(argv[0]) if argv else DESTINO
    destino.parent.mkdir(parents=True, exist_ok=True)
    destino.write_text(render(), encoding="utf-8")
    print(f"{destino} atualizado")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
