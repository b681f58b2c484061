"""Builds the ``Emissor`` (who emits, where, with which certificate) for a company and
environment, caching the decrypted A1: parsing a PKCS#12 costs more than a signature."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from nfse.certs.a1 import A1
from nfse.certs.secrets import SecretBox
from nfse.config import Settings
from nfse.municipios.routing import NACIONAL, rota
from nfse.providers.base import Emissor
from nfse.store import empresas


class EmissorFactory:
    def __init__(self, engine: Engine, settings: Settings, box: SecretBox):
        self._engine = engine
        self._settings = settings
        self._box = box
        self.box = box
        """Also opens the other secrets the worker needs (a company's SMTP password)."""
        self._a1: dict[int, A1] = {}
        self._lock = threading.Lock()

    def _load_a1(self, empresa_id: int) -> A1:
        with self._lock:
            cached = self._a1.get(empresa_id)
        if cached is not None:
            return cached
        with self._engine.connect() as conn:
            a1 = empresas.load_a1(conn, self._box, empresa_id)
        with self._lock:
            self._a1[empresa_id] = a1
        return a1

    def for_empresa(self, empresa: empresas.Empresa, ambiente: str,
                    codigo_municipio: str | None = None) -> Emissor:
        """The emitter towards the authority of ``codigo_municipio`` (the prestador's;
        None = the national standard's)."""
        settings = self._settings
        caminho = rota(codigo_municipio) if codigo_municipio else None
        opcoes: Mapping[str, Any]
        if caminho is None or caminho.provedor == NACIONAL:
            base_url, ca_file = settings.nacional_url(ambiente), settings.nacional_ca(ambiente)
            opcoes = {}
        elif ambiente == "homologacao" and settings.abrasf_url_homologacao:
            base_url, ca_file = settings.abrasf_url_homologacao, settings.abrasf_ca_file
            opcoes = caminho.opcoes
        else:
            base_url, ca_file = caminho.url(ambiente) or "", None
            opcoes = caminho.opcoes
        return Emissor(
            a1=self._load_a1(empresa.id),
            ambiente=ambiente,
            base_url=base_url,
            ca_file=ca_file,
            razao_social=empresa.nome,
            regime_tributario=empresa.regime_tributario,
            timeout=settings.authority_timeout,
            parametros_url=settings.nacional_parametros_url(ambiente),
            opcoes=opcoes,
        )
