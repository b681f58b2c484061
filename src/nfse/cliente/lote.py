"""Issuing a file of notes through the client (``nfse emitir``): CSV rows of the flat
``/v2/nfsen`` fields, or JSON Lines of Focus notes for ``/v2/nfse``.

Each row's ref is derived from the file's name and the row's number (or taken from a ``ref``
column), so running the same file again sends nothing twice: a row already accepted answers
with its note's state. Every row is first posted, then waited for, so that no row's wait holds
back another's acceptance. A bad row is reported with its number and fields; it never stops the
others."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from nfse.cliente.cliente import Cliente
from nfse.cliente.respostas import ErroApi, Nota

REJEITADA = "rejeitada"
"""A row the API refused at POST (its fields are in ``erros``): nothing was issued."""
FALHA = "falha"
"""A row whose fate is unknown: the server could not be reached, or did not answer in time."""

MODELO_CSV = {
    "ref": "",
    "data_emissao": "2026-11-20T10:00:00-03:00",
    "codigo_municipio_emissora": "3304557",
    "cnpj_prestador": "11222333000181",
    "inscricao_municipal_prestador": "12345",
    "codigo_opcao_simples_nacional": "1",
    "cnpj_tomador": "07504505000132",
    "cpf_tomador": "",
    "razao_social_tomador": "Acras Tecnologia da Informação LTDA",
    "email_tomador": "contato@example.com",
    "codigo_municipio_tomador": "4106902",
    "cep_tomador": "80045165",
    "logradouro_tomador": "Rua Dias da Rocha Filho",
    "numero_tomador": "999",
    "bairro_tomador": "Alto da XV",
    "codigo_municipio_prestacao": "3304557",
    "codigo_tributacao_nacional_iss": "010701",
    "descricao_servico": "Desenvolvimento de sistemas sob encomenda",
    "valor_servico": "100.00",
    "tributacao_iss": "1",
    "tipo_retencao_iss": "1",
}
"""The template ``nfse emitir --modelo`` prints: one column per flat field, an example row."""

COLUNAS_RESULTADO = ["linha", "ref", "status", "numero", "url_danfse", "erros"]


@dataclass(frozen=True)
class Linha:
    numero: int
    """The row as a spreadsheet numbers it (the header is row 1), or the line of a JSONL file."""
    ref: str
    corpo: dict[str, Any] | None
    problema: str = ""


@dataclass
class Resultado:
    linha: int
    ref: str
    status: str
    numero: str = ""
    url_danfse: str = ""
    erros: str = ""

    def como_dict(self) -> dict[str, Any]:
        return {coluna: getattr(self, coluna) for coluna in COLUNAS_RESULTADO}


def prefixo_de(arquivo: Path) -> str:
    """The refs' prefix: the file's name without extension, in the characters a ref allows."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", arquivo.stem).strip("-")[:40] or "lote"


def modelo_de(arquivo: Path) -> str:
    """``nfsen`` (flat fields) for CSV, ``nfse`` (Focus notes) for JSON Lines."""
    return "nfse" if arquivo.suffix.lower() in {".jsonl", ".ndjson", ".json"} else "nfsen"


def _ref(corpo: dict[str, Any], prefixo: str, numero: int) -> str:
    propria = corpo.pop("ref", None)
    return str(propria).strip() if propria not in (None, "") else f"{prefixo}-{numero}"


def _ler_csv(arquivo: Path, prefixo: str) -> list[Linha]:
    texto = arquivo.read_text(encoding="utf-8-sig")
    cabecalho = texto.split("\n", 1)[0]
    separador = ";" if cabecalho.count(";") > cabecalho.count(",") else ","
    linhas = []
    for numero, registro in enumerate(csv.DictReader(texto.splitlines(), delimiter=separador),
                                      start=2):
        corpo = {chave.strip(): valor.strip() for chave, valor in registro.items()
                 if chave and isinstance(valor, str) and valor.strip()}
        if None in registro:
            linhas.append(Linha(numero, f"{prefixo}-{numero}", None,
                                "Linha com mais colunas que o cabeçalho"))
            continue
        linhas.append(Linha(numero, _ref(corpo, prefixo, numero), corpo))
    return linhas


def _ler_jsonl(arquivo: Path, prefixo: str) -> list[Linha]:
    linhas = []
    for numero, texto in enumerate(arquivo.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not texto.strip():
            continue
        try:
            corpo = json.loads(texto)
        except ValueError as exc:
            linhas.append(Linha(numero, f"{prefixo}-{numero}", None, f"JSON inválido: {exc}"))
            continue
        if not isinstance(corpo, dict):
            linhas.append(Linha(numero, f"{prefixo}-{numero}", None,
                                "A linha deve ser um objeto JSON (uma nota)"))
            continue
        linhas.append(Linha(numero, _ref(corpo, prefixo, numero), corpo))
    return linhas


def ler(arquivo: Path, prefixo: str | None = None) -> list[Linha]:
    prefixo = prefixo or prefixo_de(arquivo)
    if modelo_de(arquivo) == "nfse":
        return _ler_jsonl(arquivo, prefixo)
    return _ler_csv(arquivo, prefixo)


def _de_nota(linha: Linha, nota: Nota) -> Resultado:
    erros = "; ".join(f"{e.codigo}: {e.mensagem}".strip(": ") for e in nota.erros)
    return Resultado(linha.numero, linha.ref, nota.status, nota.numero or "",
                     nota.url_danfse or "", erros)


def _de_erro(linha: Linha, exc: Exception) -> Resultado:
    if isinstance(exc, ErroApi) and 400 <= exc.status_http < 500:
        erros = "; ".join(e.mensagem for e in exc.erros) or exc.mensagem
        return Resultado(linha.numero, linha.ref, REJEITADA, erros=erros)
    return Resultado(linha.numero, linha.ref, FALHA, erros=str(exc))


class Lote:
    """Sends ``linhas`` with at most ``concorrencia`` requests at once; ``ao_concluir`` is
    called (from the sending threads) with each row's final result."""

    def __init__(self, cliente: Cliente, modelo: str, concorrencia: int = 8,
                 esperar: bool = True, prazo: float = 600.0,
                 ao_concluir: Callable[[Resultado], None] = lambda _: None):
        self.cliente = cliente
        self.modelo = modelo
        self.concorrencia = max(1, concorrencia)
        self.esperar = esperar
        self.prazo = prazo
        self.ao_concluir = ao_concluir

    def _postar(self, linha: Linha) -> Resultado:
        if linha.corpo is None:
            return Resultado(linha.numero, linha.ref, REJEITADA, erros=linha.problema)
        try:
            return _de_nota(linha, self.cliente.emitir(linha.ref, linha.corpo, self.modelo))
        except (ErroApi, httpx.TransportError) as exc:
            return _de_erro(linha, exc)

    def _aguardar(self, linha: Linha, postado: Resultado) -> Resultado:
        if not self.esperar or postado.status in {REJEITADA, FALHA}:
            return postado
        try:
            nota = self.cliente.esperar(linha.ref, self.prazo, self.modelo)
        except TimeoutError as exc:
            return Resultado(linha.numero, linha.ref, postado.status, erros=str(exc))
        except (ErroApi, httpx.TransportError) as exc:
            return _de_erro(linha, exc)
        return _de_nota(linha, nota)

    def rodar(self, linhas: list[Linha]) -> list[Resultado]:
        with ThreadPoolExecutor(self.concorrencia, thread_name_prefix="nfse-lote") as pool:
            postados = list(pool.map(self._postar, linhas))
            finais = list(pool.map(self._concluir, linhas, postados))
        return finais

    def _concluir(self, linha: Linha, postado: Resultado) -> Resultado:
        final = self._aguardar(linha, postado)
        self.ao_concluir(final)
        return final


def gravar(resultados: list[Resultado], arquivo: Path) -> None:
    with arquivo.open("w", newline="", encoding="utf-8") as saida:
        escritor = csv.DictWriter(saida, fieldnames=COLUNAS_RESULTADO)
        escritor.writeheader()
        escritor.writerows(r.como_dict() for r in resultados)


def contagem(resultados: list[Resultado]) -> Counter[str]:
    return Counter(r.status for r in resultados)
