"""``nfse emitir`` in a terminal: a progress bar with the count of each status while the file
is sent, then a summary table."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nfse.cliente.cliente import Cliente
from nfse.cliente.lote import Lote, Resultado, contagem, gravar, ler, modelo_de


def _resumo(contas: Counter[str]) -> str:
    return "  ".join(f"{status}: {n}" for status, n in sorted(contas.items())) or "enviando"


def emitir_arquivo(arquivo: Path, cliente: Cliente, saida: Path, concorrencia: int,
                   esperar: bool, prazo: float, prefixo: str | None,
                   console: Console) -> Counter[str]:
    """Sends every row of ``arquivo``, writes ``saida`` (one result per row) and answers the
    count of each status."""
    linhas = ler(arquivo, prefixo)
    contas: Counter[str] = Counter()
    trava = threading.Lock()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as barra:
        tarefa = barra.add_task("enviando", total=len(linhas))

        def concluiu(resultado: Resultado) -> None:
            with trava:
                contas[resultado.status] += 1
                barra.update(tarefa, advance=1, description=_resumo(contas))

        resultados = Lote(cliente, modelo_de(arquivo), concorrencia, esperar, prazo,
                          concluiu).rodar(linhas)
    gravar(resultados, saida)
    tabela = Table(title=f"{arquivo.name}: {len(resultados)} linhas")
    tabela.add_column("status")
    tabela.add_column("notas", justify="right")
    finais = contagem(resultados)
    for status, n in sorted(finais.items()):
        tabela.add_row(status, str(n))
    console.print(tabela)
    for resultado in resultados:
        if resultado.status in {"rejeitada", "falha", "erro_autorizacao"}:
            console.print(f"linha {resultado.linha} ({resultado.ref}): {resultado.erros}")
    console.print(f"Resultados em {saida}")
    return finais
