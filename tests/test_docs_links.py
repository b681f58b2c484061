"""README and docs/ point only at documents inside the repository (issue 23.5), and every
``nfse`` command is in the README's Commands table."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from nfse.cli import app

RAIZ = Path(__file__).resolve().parents[1]
DOCUMENTOS = [RAIZ / "README.md", *sorted((RAIZ / "docs").glob("*.md"))]


def test_links_resolve_inside_the_repository() -> None:
    vistos = 0
    for documento in DOCUMENTOS:
        texto = documento.read_text()
        assert "ARCHITECTURE.md" not in texto and "SPEC §" not in texto, documento
        for alvo in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", texto):
            if re.match(r"[a-z]+://", alvo):
                continue
            assert (documento.parent / alvo).resolve().exists(), (documento.name, alvo)
            vistos += 1
    assert vistos >= 6
    assert (RAIZ / "LICENSE").read_text().lstrip().startswith(
        "GNU AFFERO GENERAL PUBLIC LICENSE")


def test_every_command_is_in_the_readme() -> None:
    readme = RAIZ / "README.md"
    comandos = readme.read_text().split("## Commands", 1)[1].split("\n## ", 1)[0]

    def folhas(grupo: object, prefixo: str) -> list[str]:
        filhos = getattr(grupo, "commands", None)
        if not filhos:
            return [prefixo]
        return [nome for chave, filho in filhos.items()
                for nome in folhas(filho, f"{prefixo} {chave}")]

    todos = folhas(get_command(app), "nfse")
    assert len(todos) >= 11
    faltando = [c for c in todos if f"`{c}" not in comandos]
    assert not faltando, faltando


def test_the_commands_the_docs_show_exist() -> None:
    """A guide that names a command the CLI does not have leaves its reader stuck."""
    grupos = get_command(app).commands
    citados = 0
    for documento in DOCUMENTOS:
        for comando, sub in re.findall(r"(?:^|`|bin/|exec |&& |=\S+ )nfse ([a-z]+)(?: ([a-z]+))?",
                                       documento.read_text(), re.M):
            assert comando in grupos, (documento.name, comando)
            filhos = getattr(grupos[comando], "commands", None)
            if filhos and sub:
                assert sub in filhos, (documento.name, comando, sub)
            citados += 1
    assert citados >= 20
