"""The provider registry: shipped providers, plug-ins installed as distributions (entry
points) and classes registered at run time, each checked for what every provider must
declare; a profile may name any of them and no other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nfse.municipios import routing
from nfse.providers import registry
from nfse.providers.base import Capability
from tests.ficticio.provider import NOME, FicticioProvider

PERFIL = f'[perfis.ficticio]\npadrao = "{NOME}"\n'


@pytest.fixture
def instalado(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The Sistema Fictício installed as a distribution of its own, as a third party would
    ship it: only its metadata names the provider."""
    info = tmp_path / "nfse_ficticio-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nfse-ficticio\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[nfse.providers]\n{NOME} = tests.ficticio.provider:FicticioProvider\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.rescan()
    yield
    registry.unregister(NOME)
    monkeypatch.undo()
    registry.rescan()


def test_shipped_providers_declare_what_they_can_do() -> None:
    assert {"nacional", "abrasf", "paulistana"} <= set(registry.names())
    assert Capability.EVENTS in registry.capabilities("nacional")
    assert Capability.RECEIVED in registry.capabilities("abrasf")
    assert Capability.SUBSTITUTE not in registry.capabilities("paulistana")
    assert registry.get_provider("abrasf") is registry.get_provider("abrasf")


def test_an_installed_plugin_is_found_by_its_entry_point(instalado: None) -> None:
    assert NOME in registry.names()
    assert registry.provider_class(NOME) is FicticioProvider
    assert registry.capabilities(NOME) == FicticioProvider.capabilities
    assert registry.get_provider(NOME).name == NOME


def test_an_unknown_provider_can_do_nothing_and_cannot_be_built() -> None:
    assert registry.capabilities("inexistente") == frozenset()
    with pytest.raises(KeyError, match="provedor desconhecido: inexistente"):
        registry.get_provider("inexistente")


def test_a_provider_without_query_is_refused() -> None:
    class SemConsulta(FicticioProvider):
        capabilities = frozenset({Capability.EMIT, Capability.CANCEL})

    with pytest.raises(TypeError, match="query"):
        registry.register(SemConsulta)
    assert NOME not in registry.names()


def test_a_profile_names_a_provider_only_once_it_is_registered(tmp_path: Path) -> None:
    arquivo = tmp_path / "provedores.toml"
    arquivo.write_text(PERFIL, encoding="utf-8")
    with pytest.raises(routing.ConfiguracaoInvalida, match='"nacional", "abrasf"'):
        routing.carregar(arquivo)
    registry.register(FicticioProvider)
    try:
        routing.carregar(arquivo)
    finally:
        routing.carregar(None)
        registry.unregister(NOME)


def test_a_lot_profile_needs_a_provider_that_takes_lots(tmp_path: Path) -> None:
    arquivo = tmp_path / "provedores.toml"
    arquivo.write_text('[perfis.sp_lote]\npadrao = "paulistana"\n'
                       'emissao = "RecepcionarLoteRps"\n', encoding="utf-8")
    with pytest.raises(routing.ConfiguracaoInvalida,
                       match='perfis.sp_lote.emissao: o provedor "paulistana" não recebe lotes'):
        routing.carregar(arquivo)
    arquivo.write_text('[perfis.abrasf_lote]\npadrao = "abrasf"\n'
                       'emissao = "RecepcionarLoteRps"\n', encoding="utf-8")
    try:
        routing.carregar(arquivo)
    finally:
        routing.carregar(None)
