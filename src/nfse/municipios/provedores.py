"""Which provider serves each municipality, in which variant, at which addresses.

The table ships as ``provedores.toml`` beside this module (its header documents the format);
an operator extends or corrects it with a file of the same format named by
``NFSE_MUNICIPIOS_FILE``, loaded by ``carregar`` when the runtime is built. Entries of that
file replace shipped municipalities by IBGE code and add or replace profiles by name.
A municipality in neither file is served by the national standard (profile ``nacional``).

``rota`` is on the path of every POST: it is a dictionary look-up in a table built once and
swapped whole, so readers never see half a table and need no lock.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from nfse.municipios import registry
from nfse.municipios.servicos import FORMATOS

NACIONAL = "nacional"
PROVEDORES = (NACIONAL, "abrasf")
"""Provider implementations a profile may name in ``padrao`` (one sub-package of
``nfse.providers`` each)."""

ARQUIVO = "provedores.toml"

FLAGS_PADRAO: Mapping[str, Any] = MappingProxyType({
    "nfse_habilitada": True,
    "requer_certificado_nfse": True,
    "possui_ambiente_homologacao_nfse": True,
    "possui_cancelamento_nfse": True,
    "endereco_obrigatorio_nfse": False,
    "cpf_cnpj_obrigatorio_nfse": False,
    "codigo_cnae_obrigatorio_nfse": False,
    "item_lista_servico_obrigatorio_nfse": True,
    "codigo_tributario_municipio_obrigatorio_nfse": False,
    "status_nfse": "ativo",
})
"""The SPEC §6 flags of a municipality of the national standard; profiles and municipalities
override them. ``provedor_nfse`` is not among them: it is always the provider of the route."""

_ESCOLHAS: dict[str, tuple[str, ...]] = {
    "padrao": PROVEDORES,
    "versao_soap": ("1.1", "1.2"),
    "emissao": ("GerarNfse", "RecepcionarLoteRpsSincrono", "RecepcionarLoteRps"),
    "assinatura": ("sha1", "sha256"),
    "formato_item_lista": FORMATOS,
    "autenticacao": ("certificado",),
    "codigo_cancelamento": ("1", "2", "4"),
    "status_nfse": ("ativo", "inativo"),
}
_TEXTOS = ("namespace_servico", "xsd_dir")
_TEXTOS_VAZIOS = ("sufixo_requisicao", "prefixo_acao")
_LISTAS = ("codigos_rps_duplicado", "codigos_rps_nao_encontrado", "codigos_nfse_cancelada")
_BOOLEANOS = ("parametros_qualificados",
              *(nome for nome, valor in FLAGS_PADRAO.items() if isinstance(valor, bool)))
_URLS = ("url_producao", "url_homologacao")

CHAVES_PERFIL = (frozenset(_ESCOLHAS) | frozenset(_TEXTOS) | frozenset(_TEXTOS_VAZIOS)
                 | frozenset(_LISTAS) | frozenset(_BOOLEANOS))
CHAVES_MUNICIPIO = (CHAVES_PERFIL - {"padrao"}) | {"perfil", "codigos_tributarios", *_URLS}
CHAVES_OPCOES = CHAVES_PERFIL - {"padrao"} - frozenset(FLAGS_PADRAO)
"""The keys handed to the provider in ``Rota.opcoes``: those its implementation reads
(``nfse.providers.abrasf.variante`` documents them; a key added there is added here too)."""


class ConfiguracaoInvalida(ValueError):
    """A provider file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Rota:
    """How a municipality is served."""

    provedor: str
    """``"nacional"`` or another name of ``PROVEDORES``: the provider implementation."""
    perfil: str
    """The profile (variant of the provider) by name."""
    url_producao: str | None = None
    """The authority's address; None for the national standard (its addresses are settings)."""
    url_homologacao: str | None = None
    opcoes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    """The provider's options (``CHAVES_OPCOES``) of the profile with the municipality's own
    overrides applied, read-only; ``padrao`` and the SPEC §6 flags are not among them
    (``flags`` answers those)."""

    def url(self, ambiente: str) -> str | None:
        """The address for ``"producao"`` or ``"homologacao"``."""
        return self.url_producao if ambiente == "producao" else self.url_homologacao


class _Tabela:
    """Everything ``rota`` and friends answer, built from the files at once."""

    def __init__(self, rotas: dict[str, Rota], flags: dict[str, Mapping[str, Any]],
                 codigos: dict[str, Mapping[str, str]], padrao: Rota,
                 flags_padrao: Mapping[str, Any]):
        self.rotas = rotas
        self.flags = flags
        self.codigos = codigos
        self.padrao = padrao
        self.flags_padrao = flags_padrao


def _erro(origem: str, chave: str, problema: str) -> ConfiguracaoInvalida:
    return ConfiguracaoInvalida(f"{origem}: {chave}: {problema}")


def _ler(texto: str, origem: str) -> dict[str, Any]:
    try:
        return tomllib.loads(texto)
    except tomllib.TOMLDecodeError as exc:
        raise ConfiguracaoInvalida(f"{origem}: TOML inválido: {exc}") from exc


def _ler_arquivo(caminho: Path) -> dict[str, Any]:
    try:
        texto = caminho.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfiguracaoInvalida(f"{caminho}: o arquivo não está em UTF-8") from exc
    except OSError as exc:
        raise ConfiguracaoInvalida(
            f"{caminho}: não foi possível ler o arquivo ({exc.strerror or exc})") from exc
    return _ler(texto, str(caminho))


def _tabelas(valor: Any, origem: str, chave: str) -> dict[str, dict[str, Any]]:
    """``valor`` as a table of tables (``[perfis.X]``, ``[municipios."N"]``)."""
    if not isinstance(valor, dict):
        raise _erro(origem, chave, "deve ser uma tabela")
    for nome, item in valor.items():
        if not isinstance(item, dict):
            raise _erro(origem, f"{chave}.{_nome(nome)}", "deve ser uma tabela")
    return valor


def _nome(nome: str) -> str:
    return nome if nome.replace("_", "").replace("-", "").isalnum() else f'"{nome}"'


def _validar_chaves(tabela: dict[str, Any], permitidas: frozenset[str], origem: str,
                    chave: str) -> None:
    for nome, valor in tabela.items():
        onde = f"{chave}.{nome}"
        if nome not in permitidas:
            raise _erro(origem, onde, "chave desconhecida (as chaves aceitas estão descritas "
                                      "no cabeçalho de provedores.toml)")
        if nome in _ESCOLHAS:
            if valor not in _ESCOLHAS[nome]:
                opcoes = ", ".join(f'"{o}"' for o in _ESCOLHAS[nome])
                raise _erro(origem, onde, f"valor {valor!r} inválido; use um de: {opcoes}")
        elif nome in _BOOLEANOS:
            if not isinstance(valor, bool):
                raise _erro(origem, onde, "deve ser true ou false")
        elif nome in _TEXTOS:
            if not isinstance(valor, str) or not valor.strip():
                raise _erro(origem, onde, "deve ser um texto não vazio")
        elif nome in _TEXTOS_VAZIOS:
            if not isinstance(valor, str):
                raise _erro(origem, onde, "deve ser um texto (pode ser vazio)")
        elif nome in _LISTAS:
            if not isinstance(valor, list) or not all(
                    isinstance(v, str) and v.strip() for v in valor):
                raise _erro(origem, onde, 'deve ser uma lista de códigos, como ["E10"]')
        elif nome in _URLS:
            if not isinstance(valor, str) or not valor.startswith(("https://", "http://")):
                raise _erro(origem, onde, "deve ser um endereço http:// ou https://")
        elif nome == "perfil":
            if not isinstance(valor, str) or not valor:
                raise _erro(origem, onde, "deve ser o nome de um perfil")
        elif nome == "codigos_tributarios":
            _validar_codigos(valor, origem, onde)


def _validar_codigos(valor: Any, origem: str, chave: str) -> None:
    if not isinstance(valor, dict):
        raise _erro(origem, chave, 'deve ser uma tabela {"código" = "descrição"}')
    for codigo, descricao in valor.items():
        if not codigo.strip() or not isinstance(descricao, str) or not descricao.strip():
            raise _erro(origem, f'{chave}."{codigo}"',
                        "cada código precisa de uma descrição em texto não vazia")


def _documento(doc: dict[str, Any], origem: str
               ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The profiles and municipalities of one file, each checked on its own."""
    for chave in doc:
        if chave not in ("perfis", "municipios"):
            raise _erro(origem, chave, 'chave desconhecida; o arquivo tem só [perfis.NOME] e '
                                       '[municipios."IBGE"]')
    perfis = _tabelas(doc.get("perfis", {}), origem, "perfis")
    municipios = _tabelas(doc.get("municipios", {}), origem, "municipios")
    for nome, perfil in perfis.items():
        chave = f"perfis.{_nome(nome)}"
        _validar_chaves(perfil, CHAVES_PERFIL, origem, chave)
        if "padrao" not in perfil:
            raise _erro(origem, f"{chave}.padrao", "obrigatório (o provedor que atende: "
                                                   + ", ".join(f'"{p}"' for p in PROVEDORES)
                                                   + ")")
    for codigo, municipio in municipios.items():
        chave = f'municipios."{codigo}"'
        if not (len(codigo) == 7 and codigo.isdigit()):
            raise _erro(origem, chave, "o código do município é o código IBGE de 7 dígitos")
        if registry.get(codigo) is None:
            raise _erro(origem, chave, "código IBGE de município inexistente")
        _validar_chaves(municipio, CHAVES_MUNICIPIO, origem, chave)
        if "perfil" not in municipio:
            raise _erro(origem, f"{chave}.perfil", "obrigatório (o nome de um [perfis.NOME])")
    return perfis, municipios


def _montar(fontes: list[tuple[dict[str, Any], str]]) -> _Tabela:
    """The table from the documents in order; later ones replace earlier entries."""
    perfis: dict[str, dict[str, Any]] = {}
    municipios: dict[str, dict[str, Any]] = {}
    origem_perfil: dict[str, str] = {}
    origem_municipio: dict[str, str] = {}
    for doc, origem in fontes:
        novos_perfis, novos_municipios = _documento(doc, origem)
        perfis.update(novos_perfis)
        municipios.update(novos_municipios)
        origem_perfil.update(dict.fromkeys(novos_perfis, origem))
        origem_municipio.update(dict.fromkeys(novos_municipios, origem))

    nacional = perfis.get(NACIONAL)
    if nacional is None or nacional["padrao"] != NACIONAL:
        raise _erro(origem_perfil.get(NACIONAL, fontes[0][1]), "perfis.nacional.padrao",
                    'o perfil "nacional" deve existir com padrao = "nacional"')

    def flags_de(opcoes: Mapping[str, Any], provedor: str) -> Mapping[str, Any]:
        result = {nome: opcoes.get(nome, valor) for nome, valor in FLAGS_PADRAO.items()}
        result["provedor_nfse"] = provedor
        return MappingProxyType(result)

    rotas: dict[str, Rota] = {}
    flags: dict[str, Mapping[str, Any]] = {}
    codigos: dict[str, Mapping[str, str]] = {}
    for codigo, municipio in municipios.items():
        chave = f'municipios."{codigo}"'
        nome_perfil = municipio["perfil"]
        perfil = perfis.get(nome_perfil)
        if perfil is None:
            raise _erro(origem_municipio[codigo], f"{chave}.perfil",
                        f'o perfil "{nome_perfil}" não existe (perfis: '
                        + ", ".join(sorted(perfis)) + ")")
        if perfil["padrao"] != NACIONAL and "url_producao" not in municipio:
            raise _erro(origem_municipio[codigo], f"{chave}.url_producao",
                        f'obrigatório para o perfil "{nome_perfil}"')
        chaves = {**perfil, **{k: v for k, v in municipio.items() if k in CHAVES_PERFIL}}
        rotas[codigo] = Rota(provedor=perfil["padrao"], perfil=nome_perfil,
                             url_producao=municipio.get("url_producao"),
                             url_homologacao=municipio.get("url_homologacao"),
                             opcoes=_opcoes(chaves))
        flags[codigo] = flags_de(chaves, perfil["padrao"])
        codigos[codigo] = MappingProxyType({
            k.strip(): v.strip() for k, v in municipio.get("codigos_tributarios", {}).items()})
    padrao = Rota(provedor=NACIONAL, perfil=NACIONAL, opcoes=_opcoes(nacional))
    return _Tabela(rotas, flags, codigos, padrao, flags_de(nacional, NACIONAL))


def _opcoes(chaves: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType({k: v for k, v in chaves.items() if k in CHAVES_OPCOES})


def _embarcado() -> tuple[dict[str, Any], str]:
    arquivo = resources.files("nfse.municipios") / ARQUIVO
    return _ler(arquivo.read_text(encoding="utf-8"), ARQUIVO), ARQUIVO


_tabela: _Tabela | None = None
_carga = threading.Lock()


def carregar(extra: Path | str | None = None) -> None:
    """(Re)load the table: the shipped file, then ``extra`` (``NFSE_MUNICIPIOS_FILE``) when
    given. Raises ``ConfiguracaoInvalida`` naming the file and the key of the first problem;
    the table in use is kept then."""
    global _tabela
    fontes = [_embarcado()]
    if extra:
        caminho = Path(extra)
        fontes.append((_ler_arquivo(caminho), str(caminho)))
    tabela = _montar(fontes)
    with _carga:
        _tabela = tabela


def _atual() -> _Tabela:
    """The table in use; the shipped file alone until ``carregar`` is called."""
    global _tabela
    tabela = _tabela
    if tabela is None:
        with _carga:
            if _tabela is None:
                _tabela = _montar([_embarcado()])
            tabela = _tabela
    return tabela


def rota(codigo: str) -> Rota:
    """How the municipality with this IBGE code is served (the national standard unless a
    provider file lists it)."""
    tabela = _atual()
    return tabela.rotas.get(str(codigo), tabela.padrao)


def flags(codigo: str) -> dict[str, Any]:
    """The SPEC §6 flags of the municipality, ``provedor_nfse`` and the configured
    ``status_nfse`` included (a fresh dict)."""
    tabela = _atual()
    return dict(tabela.flags.get(str(codigo), tabela.flags_padrao))


def codigos_tributarios(codigo: str) -> dict[str, str]:
    """The municipal service codes configured for the municipality (code → description)."""
    return dict(_atual().codigos.get(str(codigo), {}))


def configurados() -> list[str]:
    """IBGE codes listed in the provider files, in code order."""
    return sorted(_atual().rotas)
