"""The texts typer writes itself (usage, option panels, the help option, errors of a missing
or invalid option), in Portuguese like the rest of the ``nfse`` command.

typer passes a few texts through ``gettext`` (its panels, ``typer.core``): the stdlib finds no
catalog for them, so the module's ``_`` becomes a lookup in ``TEXTOS``. The click it vendors
(``typer._click``) writes plain English strings: its error messages are rewritten by
``FRASES``, its usage prefix and help option are given in Portuguese."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

TEXTOS = {
    "Options": "Opções",
    "Arguments": "Argumentos",
    "Commands": "Comandos",
    "Error": "Erro",
    "Aborted.": "Interrompido.",
    "Try [blue]'{command_path} {help_option}'[/] for help.":
        "Veja [blue]'{command_path} {help_option}'[/] para ajuda.",
    "Missing command.": "Falta o comando.",
    "No such command {name!r}.": "Comando {name!r} não existe.",
    "[default: {}]": "[padrão: {}]",
    "[env var: {}]": "[variável: {}]",
    "[required]": "[obrigatório]",
    "(deprecated) ": "(obsoleto) ",
    "Install completion for the current shell.": "Instala o autocompletar no shell atual.",
    "Show completion for the current shell, to copy it or customize the installation.":
        "Mostra o autocompletar do shell atual, para copiar ou ajustar a instalação.",
    "Install completion for the specified shell.": "Instala o autocompletar no shell dado.",
    "Show completion for the specified shell, to copy it or customize the installation.":
        "Mostra o autocompletar do shell dado, para copiar ou ajustar a instalação.",
}
CONSTANTES = {"DEPRECATED_STRING": "(deprecated) ", "DEFAULT_STRING": "[default: {}]",
              "ENVVAR_STRING": "[env var: {}]", "REQUIRED_LONG_STRING": "[required]",
              "ARGUMENTS_PANEL_TITLE": "Arguments", "OPTIONS_PANEL_TITLE": "Options",
              "COMMANDS_PANEL_TITLE": "Commands", "ERRORS_PANEL_TITLE": "Error",
              "ABORTED_TEXT": "Aborted.", "RICH_HELP":
              "Try [blue]'{command_path} {help_option}'[/] for help."}
"""typer.rich_utils translates these once, on import."""
FRASES: list[tuple[re.Pattern[str], str]] = [(re.compile(padrao), troca) for padrao, troca in (
    (r"^Missing option", "Falta a opção"),
    (r"^Missing argument", "Falta o argumento"),
    (r"^Missing parameter", "Falta o parâmetro"),
    (r"^Invalid value for (.+?): ", r"Valor inválido para \1: "),
    (r"^Invalid value: ", "Valor inválido: "),
    (r"Value (.+) is not a valid int(eger)?\.", r"\1 não é um inteiro válido."),
    (r"Value (.+) is not a valid float\.", r"\1 não é um número válido."),
    (r"Value (.+) is not a valid (\w+)\.", r"\1 não é um \2 válido."),
    (r"(.+) is not one of (.+)\.", r"\1 não é um de \2."),
    (r"(.+) is not in the range (.+)\.", r"\1 está fora do intervalo \2."),
    (r"^No such option: ", "Opção inexistente: "),
    (r"Did you mean (.+)\?", r"Quis dizer \1?"),
    (r"^Got unexpected extra argument\(s\)", "Argumentos a mais inesperados"),
    (r"(File|Directory|Path) (.+) does not exist\.", r"O caminho \2 não existe."),
    (r"(File|Directory|Path) (.+) is a directory\.", r"\2 é um diretório."),
    (r"(File|Directory|Path) (.+) is a file\.", r"\2 é um arquivo."),
    (r"(File|Directory|Path) (.+) is not readable\.", r"\2 não pode ser lido."),
    (r"requires an argument\.", "exige um valor."),
    (r"Input should be a valid integer.*", "informe um número inteiro"),
    (r"Input should be a valid number.*", "informe um número"),
    (r"Input should be a valid boolean.*", "informe true ou false"),
    (r"Input should be (.*)", r"o valor deve ser \1"),
)]
TIPOS = {"str": "texto", "int": "inteiro", "float": "número", "bool": "sim/não",
         "file": "arquivo", "path": "caminho", "dir": "pasta", "datetime": "data-hora",
         "list": "lista", "range": "intervalo", "choice": "opção"}
"""The type names typer shows beside each option (``<str>``, ``<file>``…)."""
TIPO = re.compile(r"\b(" + "|".join(TIPOS) + r")\b")
USO = (("[OPTIONS]", "[OPÇÕES]"), ("COMMAND", "COMANDO"), ("[ARGS]", "[ARGUMENTOS]"))
AJUDA = "Mostra esta ajuda e sai."


def traduzir(texto: str) -> str:
    return TEXTOS.get(texto, texto)


def frase(texto: str) -> str:
    for padrao, troca in FRASES:
        texto = padrao.sub(troca, texto)
    return texto


def tipo(rotulo: str) -> str:
    """``<int>`` → ``<inteiro>``; choices (``<a|b>``) are values and stay as they are."""
    return TIPO.sub(lambda m: TIPOS[m.group(1)], rotulo)


def _em_portugues(metodo: Callable[[Any], str]) -> Callable[[Any], str]:
    def format_message(self: Any) -> str:
        return frase(metodo(self))

    return format_message


def _typer_gettext() -> None:
    for nome in ("typer.core", "typer.rich_utils"):
        modulo = importlib.import_module(nome)
        modulo._ = traduzir  # type: ignore[attr-defined]
    rich_utils = importlib.import_module("typer.rich_utils")
    for constante, texto in CONSTANTES.items():
        setattr(rich_utils, constante, traduzir(texto))
    core = importlib.import_module("typer.core")
    mostrar = core._TyperParameter.display_type

    def display_type(self: Any, ctx: Any) -> str:
        rotulo = mostrar(self, ctx)
        return rotulo if self.type_descriptor.is_choice else tipo(rotulo)

    core._TyperParameter.display_type = display_type
    completion = importlib.import_module("typer.completion")
    for funcao in (completion._install_completion_placeholder_function,
                   completion._install_completion_no_auto_placeholder_function):
        for opcao in funcao.__defaults__ or ():  # typer reads each option's help from here
            opcao.help = traduzir(opcao.help)


def _click_vendido() -> None:
    excecoes = importlib.import_module("typer._click.exceptions")
    for valor in vars(excecoes).values():
        if isinstance(valor, type) and "format_message" in vars(valor):
            valor.format_message = _em_portugues(vars(valor)["format_message"])

    formatacao = importlib.import_module("typer._click.formatting")
    escrever = formatacao.HelpFormatter.write_usage

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        for ingles, portugues in USO:
            args = args.replace(ingles, portugues)
        escrever(self, prog, args, "Uso: " if prefix is None else prefix)

    formatacao.HelpFormatter.write_usage = write_usage

    decoradores = importlib.import_module("typer._click.decorators")
    original = decoradores.help_option

    def help_option(param_decls: list[str]) -> Callable[[Any], Any]:
        aplicar = original(param_decls)

        def com_ajuda(comando: Any) -> Any:
            comando = aplicar(comando)
            for parametro in comando.params:
                if list(getattr(parametro, "opts", ())) == list(param_decls):
                    parametro.help = AJUDA
            return comando

        return com_ajuda

    decoradores.help_option = help_option


def instalar() -> None:
    _typer_gettext()
    _click_vendido()
