"""Providers by name (the names profiles give in ``padrao`` and notes keep).

Three sources, looked up in this order:

- ``register(cls)``: a provider class registered at run time (a test's, an embedding
  application's);
- the providers of this package (``BUILT_IN``), imported on first use;
- the ``nfse.providers`` entry points of the installed distributions, so a third party ships
  a provider as a package of its own: ``[project.entry-points."nfse.providers"]
  meu = "meu_pacote.provider:MeuProvider"``.

A provider class has ``name``, ``capabilities`` (``base.Capability``; emit and query are
required) and ``document_field`` as class attributes, and a constructor without arguments;
it implements ``base.Provider``. Callers ask ``capabilities(name)`` (without building the
provider) and ``get_provider(name)``, never compare names.
"""

from __future__ import annotations

import importlib
import threading
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from nfse.providers.base import REQUIRED, Capability, Provider

GROUP = "nfse.providers"
"""The entry-point group of provider plug-ins."""

BUILT_IN = {
    "nacional": "nfse.providers.nacional.provider:NacionalProvider",
    "abrasf": "nfse.providers.abrasf.provider:AbrasfProvider",
    "abrasf_v1": "nfse.providers.abrasf1.provider:Abrasf1Provider",
    "paulistana": "nfse.providers.paulistana.provider:PaulistanaProvider",
    "ipm": "nfse.providers.ipm.provider:IpmProvider",
    "giap": "nfse.providers.giap.provider:GiapProvider",
    "sigissweb": "nfse.providers.sigissweb.provider:SigisswebProvider",
    "egoverneiss": "nfse.providers.egoverneiss.provider:EgoverneissProvider",
    "conam": "nfse.providers.conam.provider:ConamProvider",
    "agili": "nfse.providers.agili.provider:AgiliProvider",
    "equiplano": "nfse.providers.equiplano.provider:EquiplanoProvider",
    "sigiss": "nfse.providers.sigiss.provider:SigissProvider",
    "cta": "nfse.providers.cta.provider:CtaProvider",
}
"""The providers shipped here, by name: ``module:class``."""


class UnknownProvider(KeyError):
    """No provider of that name is registered, installed or shipped."""


_classes: dict[str, type] = {}
_instances: dict[str, Provider] = {}
_lock = threading.Lock()


def _checked(cls: Any, name: str | None = None) -> type:
    declared = getattr(cls, "name", None)
    if not isinstance(declared, str) or not declared or (name is not None and declared != name):
        raise TypeError(f"{cls!r}: o provedor declara name = {declared!r}, esperado {name!r}")
    missing = REQUIRED - frozenset(getattr(cls, "capabilities", ()))
    if missing:
        raise TypeError(f"provedor {declared}: faltam as capacidades obrigatórias "
                        + ", ".join(sorted(missing)))
    if not isinstance(getattr(cls, "document_field", None), str):
        raise TypeError(f"provedor {declared}: declare document_field (a chave do documento no "
                        "dry run)")
    return cls


def register(cls: type) -> type:
    """Register a provider class under its ``name`` (replacing one of that name; its
    instance is made again on next use). Usable as a class decorator."""
    _checked(cls)
    with _lock:
        _classes[cls.name] = cls  # type: ignore[attr-defined]
        _instances.pop(cls.name, None)  # type: ignore[attr-defined]
    return cls


def unregister(name: str) -> None:
    """Forget a provider ``register`` added (the shipped and installed ones stay)."""
    with _lock:
        _classes.pop(name, None)
        _instances.pop(name, None)


@cache
def _installed() -> dict[str, str]:
    """The installed plug-ins (read once: scanning the distributions costs milliseconds)."""
    return {ep.name: ep.value for ep in entry_points(group=GROUP)}


def rescan() -> None:
    """Read the installed plug-ins again (a distribution installed into a running
    process); the classes already loaded stay."""
    _installed.cache_clear()


def names() -> tuple[str, ...]:
    """Every provider name a profile may give: shipped, installed and registered."""
    with _lock:
        registered = list(_classes)
    return tuple(dict.fromkeys([*BUILT_IN, *_installed(), *registered]))


def _load(target: str, name: str) -> type:
    module, _, attribute = target.partition(":")
    return _checked(getattr(importlib.import_module(module), attribute), name)


def provider_class(name: str) -> type:
    """The class of the provider ``name``; ``UnknownProvider`` if there is none."""
    with _lock:
        cls = _classes.get(name)
    if cls is not None:
        return cls
    target = BUILT_IN.get(name) or _installed().get(name)
    if target is None:
        raise UnknownProvider(f"provedor desconhecido: {name}")
    cls = _load(target, name)
    with _lock:
        return _classes.setdefault(name, cls)


def capabilities(name: str) -> frozenset[Capability]:
    """What the provider ``name`` can do (none when it is unknown: a note of a provider
    since removed is still shown)."""
    try:
        return frozenset(provider_class(name).capabilities)  # type: ignore[attr-defined]
    except UnknownProvider:
        return frozenset()


def get_provider(name: str) -> Provider:
    """One instance per provider and process: it holds the pool of kept-alive connections
    to its authority (a TLS handshake with a client certificate per note would cost more
    than the note)."""
    found = _instances.get(name)
    if found is not None:
        return found
    cls = provider_class(name)
    with _lock:
        found = _instances.get(name)
        if found is None:
            found = _instances[name] = cls()
    return found
