"""Builds the ``Emissor`` (who emits, where, with which certificate) for a company and
environment, caching the decrypted A1: parsing a PKCS#12 costs more than a signature."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine

from nfse.certs.a1 import A1
from nfse.certs.secrets import SecretBox
from nfse.config import Settings
from nfse.municipios.routing import (
    NACIONAL,
    desvio_de_homologacao,
    nao_atendido_por,
    recusa_do_endereco,
    rota,
)
from nfse.notify.webhook import publico
from nfse.providers.base import Emissor
from nfse.providers.registry import get_provider
from nfse.store import empresas


class EmissorFactory:
    def __init__(self, engine: Engine, settings: Settings, box: SecretBox):
        self._engine = engine
        self._settings = settings
        self._box = box
        self.box = box
        """Also opens the other secrets the worker needs (a company's SMTP password)."""
        self._a1: dict[int, tuple[datetime | None, A1]] = {}
        """Per company: (the expiry of the certificate it had when opened, its A1)."""
        self._opening: dict[int, threading.Lock] = {}
        self._lock = threading.Lock()

    def _load_a1(self, empresa: empresas.Empresa) -> A1:
        """The company's A1, opened once per certificate: a renewed one (another expiry on
        the company, read again every few seconds) is opened on first use, so notes are
        never signed with the certificate it replaced. The threads that want it together
        wait for the first one's opening."""
        versao = empresa.certificado_valido_ate
        cached = self._a1.get(empresa.id)
        if cached is not None and cached[0] == versao:
            return cached[1]
        with self._lock:
            opening = self._opening.setdefault(empresa.id, threading.Lock())
        with opening:
            cached = self._a1.get(empresa.id)
            if cached is None or cached[0] != versao:
                with self._engine.connect() as conn:
                    cached = self._a1[empresa.id] = (
                        versao, empresas.load_a1(conn, self._box, empresa.id))
        return cached[1]

    def endereco(self, ambiente: str, provider: str, codigo_municipio: str
                 ) -> tuple[str, str | None, Mapping[str, Any]]:
        """(address, trust store, variant options) of the authority of ``provider`` that
        serves ``codigo_municipio`` in ``ambiente`` (the provider says where it answers)."""
        caminho = rota(codigo_municipio)
        url, ca_file = get_provider(provider).address(caminho, ambiente, self._settings)
        return url, ca_file, caminho.opcoes

    def recusa(self, emissor: Emissor, provider: str, codigo_municipio: str) -> str | None:
        """Why nothing may be sent to ``emissor.base_url`` (the refusal, naming the
        municipality), checked before each send (the
        POST checked it too, but the operator may have changed the settings since): plain
        http without the opt-in or to an address the shipped registry does not hold
        (``recusa_do_endereco``), or a registry's plain http address whose name resolves to
        a loopback, private or otherwise internal address (the SSRF guard of the webhooks;
        without TLS no certificate check stops a hijacked name). The operator's homologação
        address (a sandbox) is not resolved: it is the operator's own."""
        caminho = rota(codigo_municipio)
        url = emissor.base_url
        recusa = recusa_do_endereco(url, caminho, emissor.ambiente, self._settings)
        if recusa is None and url.startswith("http://") \
                and url != desvio_de_homologacao(caminho, emissor.ambiente, self._settings):
            interno = _interno(url)
            if interno is not None:
                recusa = (f"o endereço {url} do sistema {caminho.sistema or caminho.perfil} "
                          f"aponta para o endereço interno {interno}; nada foi enviado")
        return None if recusa is None else nao_atendido_por(codigo_municipio, recusa)

    def autoridade(self, ambiente: str, codigo_municipio: str) -> str:
        """The name of the circuit (``work.breaker``) of the authority that serves the
        municipality through its provider: provider and address."""
        provider = rota(codigo_municipio).provedor
        return chave_autoridade(provider, self.endereco(ambiente, provider, codigo_municipio)[0])

    def for_empresa(self, empresa: empresas.Empresa, ambiente: str, provider: str = NACIONAL,
                    codigo_municipio: str = "") -> Emissor:
        """The emitter towards the authority of ``provider`` for ``codigo_municipio`` (the
        prestador's; the national standard's addresses need none)."""
        base_url, ca_file, opcoes = self.endereco(ambiente, provider, codigo_municipio)
        login = senha = None
        usa_credenciais = getattr(get_provider(provider), "usa_credenciais", False)
        if callable(usa_credenciais):  # the provider decides by the profile's options
            usa_credenciais = usa_credenciais(opcoes or {})
        if usa_credenciais:
            with self._engine.connect() as conn:  # read each time: a PUT may change them
                login, senha = empresas.credenciais_prefeitura(conn, self._box, empresa.id)
        endereco = None
        usa_endereco = getattr(get_provider(provider), "usa_endereco", None)
        if callable(usa_endereco) and usa_endereco(opcoes or {}):
            endereco = empresa.endereco
        return Emissor(
            a1=self._load_a1(empresa),
            ambiente=ambiente,
            base_url=base_url,
            ca_file=ca_file,
            razao_social=empresa.nome,
            regime_tributario=empresa.regime_tributario,
            timeout=self._settings.authority_timeout,
            parametros_url=self._settings.nacional_parametros_url(ambiente),
            proxy=self._settings.proxies.get(provider),
            opcoes=opcoes,
            login=login,
            senha=senha,
            endereco=endereco,
        )


def _interno(url: str) -> str | None:
    """The first address ``url``'s host resolves to that is not public; None when all are
    (or the name does not resolve: the transport then reports the authority unreachable)."""
    partes = urlsplit(url)
    try:
        infos = socket.getaddrinfo(partes.hostname or "", partes.port or 80,
                                   type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None
    for info in infos:
        endereco = str(info[4][0]).split("%")[0]
        if not publico(ipaddress.ip_address(endereco)):
            return endereco
    return None


def chave_autoridade(provider: str, base_url: str) -> str:
    return f"{provider} {base_url}"
