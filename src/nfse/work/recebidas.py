"""The walk of each company's received notes, on a worker thread of its own: claim the walks
that are due with a lease (two workers never walk one company at once), read the ADN's
distribution page after page from the last NSU kept, apply each page in one transaction, and
come back after ``NFSE_RECEBIDAS_INTERVALO`` — or sooner, with backoff, when it could not be
read (unreachable, 429, 5xx).

A company whose municipality's provider lists received notes (``Capability.RECEIVED``: the
ABRASF's ``ConsultarNfseServicoTomado``) also receives the notes its own municipality issues
outside the national system: they are read by issue date, from a day before where the last
walk stopped (the first walk: the last ``DIAS_INICIAIS`` days)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from sqlalchemy import Engine, Row

from nfse.config import Settings
from nfse.fuso import SAO_PAULO
from nfse.municipios.routing import rota
from nfse.providers import registry
from nfse.providers.base import Capability, ReceivedNotes
from nfse.providers.nacional import distribuicao
from nfse.providers.transport import Transport
from nfse.representacao import recebida_json
from nfse.store import empresas, recebidas
from nfse.store.clock import aware, now
from nfse.work.emissor import EmissorFactory
from nfse.work.outbox import Outbox

log = logging.getLogger("nfse.recebidas")
LOTE = 5
PAGINAS = 20
"""Pages one walk reads before it lets the other companies' walks go (and comes back at
once)."""
BACKOFF = 60.0
DIAS_INICIAIS = 31
"""How far back the first walk of a municipal system reads (ABRASF limits a query to a
year)."""


@dataclass(frozen=True)
class Caminhada:
    """How a walk ended: at the end of the distribution, after ``PAGINAS`` pages (more to
    read), or with the ADN's error."""

    fim: bool
    erro: str | None = None


class Recebidas(Outbox[Caminhada]):
    def __init__(self, engine: Engine, settings: Settings, emissores: EmissorFactory,
                 owner: str, base_url: str, transport: Transport | None = None):
        super().__init__(engine, owner)
        self.settings = settings
        self.emissores = emissores
        self.base_url = base_url
        self.transport = transport or Transport()

    def _claim(self) -> list[Row]:
        return recebidas.claim(self.engine, self.owner, LOTE, self.lease)

    def _failure(self, detail: str) -> Caminhada:
        return Caminhada(False, detail)

    def _deliver(self, walk: Row) -> Caminhada:
        with self.engine.connect() as conn:
            empresa = empresas.get_empresa(conn, walk.empresa_id)
        caminhada = self._nacional(walk, empresa)
        provider = rota(empresa.codigo_municipio).provedor
        if caminhada.erro is None and Capability.RECEIVED in registry.capabilities(provider):
            erro = self._municipal(walk, empresa, provider)
            if erro is not None:
                return Caminhada(False, f"prefeitura: {erro}")
        return caminhada

    def _nacional(self, walk: Row, empresa: empresas.Empresa) -> Caminhada:
        emissor = self.emissores.for_empresa(empresa, walk.ambiente)
        adn = self.settings.nacional_adn_url(walk.ambiente)
        nsu = walk.ultimo_nsu
        for _ in range(PAGINAS):
            pagina = distribuicao.consultar(self.transport, adn, emissor, nsu, empresa.documento)
            if pagina.erro or pagina.fim:
                return Caminhada(pagina.fim, pagina.erro or None)
            self._aplicar(walk, empresa.documento, pagina.documentos)
            nsu = pagina.documentos[-1].nsu
        return Caminhada(False)

    def _municipal(self, walk: Row, empresa: empresas.Empresa, nome: str) -> str | None:
        """Read the notes the company's municipal system (its provider ``nome``) issued to
        it since the last walk; the error when the municipality could not be read."""
        emissor = self.emissores.for_empresa(empresa, walk.ambiente, nome,
                                             empresa.codigo_municipio)
        recusa = self.emissores.recusa(emissor, nome, empresa.codigo_municipio)
        if recusa:  # plain http not allowed (docs/http-municipal.md): nothing is sent
            return recusa
        provider = cast(ReceivedNotes, registry.get_provider(nome))
        agora = now()
        hoje = agora.astimezone(SAO_PAULO).date()
        ate = aware(walk.consultado_ate)
        desde = (ate.astimezone(SAO_PAULO).date() - timedelta(days=1) if ate
                 else hoje - timedelta(days=DIAS_INICIAIS))
        for numero in range(1, PAGINAS + 1):
            pagina = provider.received(empresa.cnpj, empresa.cpf, desde, hoje, numero, emissor)
            if pagina.erro:
                return pagina.erro
            novas = [(t.dados, t.xml, 0) for t in pagina.notas
                     if empresa.documento in (t.dados["documento_tomador"],
                                              t.dados["documento_intermediario"])]
            canceladas = [(t.dados["chave"], t.cancelamento) for t in pagina.notas
                          if t.cancelamento is not None]
            with self.engine.begin() as conn:
                recebidas.aplicar(conn, walk.id, self.owner, walk.ultimo_nsu, novas,
                                  canceladas, self._corpo,
                                  consultado_ate=None if pagina.mais else agora)
            if not pagina.mais:
                return None
        return None

    def _aplicar(self, walk: Row, documento: str,
                 documentos: list[distribuicao.Documento]) -> None:
        novas = []
        canceladas = []
        for doc in documentos:
            if doc.tipo == "NFSE":
                dados = distribuicao.ler_nfse(doc.xml)
                if dados and documento in (dados["documento_tomador"],
                                           dados["documento_intermediario"]):
                    novas.append((dados, doc.xml, doc.nsu))
            elif distribuicao.cancela(doc):
                canceladas.append((doc.chave, doc.xml))
        with self.engine.begin() as conn:
            mudancas = recebidas.aplicar(conn, walk.id, self.owner, documentos[-1].nsu, novas,
                                         canceladas, self._corpo)
        for mudanca in mudancas:
            log.info("nota recebida %s: %s (versao %s)", mudanca.chave, mudanca.status,
                     mudanca.versao, extra={"empresa": walk.empresa_id,
                                            "ambiente": walk.ambiente})

    def _corpo(self, mudanca: recebidas.Mudanca) -> str:
        return json.dumps(recebida_json(mudanca.chave, mudanca.versao, mudanca.status,
                                        mudanca.dados, self.base_url), ensure_ascii=False)

    def _record(self, walk: Row, caminhada: Caminhada) -> None:
        if caminhada.erro is None:
            depois = self.settings.recebidas_intervalo if caminhada.fim else 0.0
            recebidas.agendar(self.engine, walk.id, self.owner, depois, None, 0)
            return
        tentativas = walk.attempts + 1
        depois = min(BACKOFF * 2 ** (tentativas - 1), self.settings.recebidas_intervalo)
        log.warning("notas recebidas: %s", caminhada.erro,
                    extra={"empresa": walk.empresa_id, "ambiente": walk.ambiente})
        recebidas.agendar(self.engine, walk.id, self.owner, depois, caminhada.erro, tentativas)
