"""The Equiplano provider (e-NFS, ``https://www.esnfs.com.br:8444/enfsws/services/Enfs``;
homologação ``:9443/homologacaows/services/Enfs``): SOAP 1.1 with each document signed by the
company's A1 (also the TLS client certificate). Emission is an asynchronous lot of one RPS:
``esRecepcionarLoteRps`` answers a protocol; the lot's situation
(``esConsultarSituacaoLoteRps``) is asked a few times and, once processed, its result
(``esConsultarLoteRps``). A lot still unprocessed, or an answer lost, goes to the worker's
reconciliation: ``esConsultarNfsePorRps``, whose "not found" is trusted only for codes the
profile lists in ``codigos_rps_nao_encontrado`` (none published: until a city confirms its
code the note waits, UNKNOWN, and the RPS is never sent twice). Cancellation:
``esCancelarNfse`` with the justification. docs/equiplano.md.

``Outcome`` fields: ``numero`` Equiplano's ``nrNfs``/``nrNfse``, ``codigo_verificacao`` its
``cdAutenticacao``, ``xml`` a ``compNfse`` with the answer's ``nfse`` and the ``rps`` sent."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from lxml import etree

from nfse.model.errors import Problema
from nfse.model.nota import Nota
from nfse.providers.abrasf.soap import Falha
from nfse.providers.base import (
    Address,
    Capability,
    DryRun,
    Emissor,
    Erro,
    Exchange,
    Outcome,
    Result,
    Rps,
    address_from_route,
    falha_de_envio,
)
from nfse.providers.equiplano import documentos, respostas, soap
from nfse.providers.equiplano.documentos import DocumentoInvalido
from nfse.providers.transport import NotSent, Transport, Unknown

if TYPE_CHECKING:
    from nfse.config import Settings
    from nfse.municipios.provedores import Rota

CONSULTAS_DO_LOTE = (0.2, 0.5, 1.0)
"""Seconds before each question about the lot's situation; a lot still unprocessed after
them is left to the reconciliation query by the RPS."""
TIMEOUT_CONSULTA_LOTE = 10.0
AUTORIDADE = "prefeitura (Equiplano)"

Sent = tuple[etree._Element, Exchange]


def _codigos(emissor: Emissor, opcao: str) -> frozenset[str]:
    return frozenset(emissor.opcoes.get(opcao, ()))


class EquiplanoProvider:
    name = "equiplano"
    capabilities = frozenset({Capability.EMIT, Capability.QUERY, Capability.CANCEL,
                              Capability.DRY_RUN})
    document_field = "rps_xml"
    """The signed ``enviarLoteRpsEnvio`` of the emission."""

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or Transport()

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        """The municipality's address (enderecos.csv); in homologação
        ``NFSE_EQUIPLANO_URL_HOMOLOGACAO`` when set (the sandbox)."""
        return address_from_route(self.name, rota, ambiente, settings)

    def validate(self, nota: Nota) -> list[Problema]:
        return documentos.problemas(nota)

    def _send(self, operacao: str, documento: bytes, emissor: Emissor) -> Sent | Outcome:
        corpo, headers = soap.envelope(operacao, documento, documentos.VERSAO_XML)
        try:
            answer = self.transport.request("POST", emissor.base_url, emissor.a1,
                                            emissor.ca_file, emissor.timeout, content=corpo,
                                            headers=headers, proxy=emissor.proxy)
        except (NotSent, Unknown) as exc:  # Refused (the certificate) is a NotSent
            return falha_de_envio(exc, operacao, corpo, "Prefeitura (Equiplano) inacessível",
                                  "Sem resposta da prefeitura (Equiplano)")
        exchange = Exchange(operacao, corpo, answer.body)
        parsed = soap.documento(answer.body, operacao)
        if isinstance(parsed, Falha):
            if parsed.do_cliente:
                return Outcome(Result.REJECTED, exchanges=(exchange,), erros=(Erro(
                    f"soap_{parsed.codigo}", parsed.mensagem or "Pedido recusado pela "
                    f"{AUTORIDADE}"),))
            return Outcome(Result.UNKNOWN, exchanges=(exchange,),
                           mensagem=f"Falha da {AUTORIDADE}: {parsed.mensagem}")
        if parsed is None:
            return Outcome(Result.UNKNOWN, exchanges=(exchange,),
                           mensagem=f"Resposta ilegível da {AUTORIDADE} (HTTP {answer.status})")
        return parsed, exchange

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        try:
            return DryRun(documentos.lote(nota, rps, emissor.a1, emissor.opcoes))
        except DocumentoInvalido as exc:
            return DryRun(None, exc.erros)

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        try:
            documento = documentos.lote(nota, rps, emissor.a1, emissor.opcoes)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send("emissao", documento, emissor)
        if isinstance(sent, Outcome):
            return sent
        root, exchange = sent
        erros = tuple(respostas.erros(root))
        if erros:
            return self._recusa(erros, nota, rps, emissor, (exchange,))
        protocolo = respostas.texto(root, "protocolo/nrProtocolo")
        if not protocolo:
            return Outcome(Result.UNKNOWN, exchanges=(exchange,),
                           mensagem=f"A {AUTORIDADE} respondeu sem protocolo e sem erros")
        return self._lote(nota, rps, protocolo, emissor, (exchange,))

    def _lote(self, nota: Nota, rps: Rps, protocolo: str, emissor: Emissor,
              exchanges: tuple[Exchange, ...]) -> Outcome:
        """The lot was received: ask its situation until it is processed, then its result."""
        breve = replace(emissor, timeout=min(emissor.timeout, TIMEOUT_CONSULTA_LOTE))
        try:
            situacao_dados = documentos.consulta_lote(nota, protocolo, emissor.a1,
                                                      emissor.opcoes, situacao=True)
            resultado_dados = documentos.consulta_lote(nota, protocolo, emissor.a1,
                                                       emissor.opcoes, situacao=False)
        except DocumentoInvalido:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Protocolo {protocolo[:60]!r} fora do leiaute; a nota "
                                    "será consultada pelo RPS")
        situacao = ""
        for espera in CONSULTAS_DO_LOTE:
            time.sleep(espera)
            sent = self._send("situacao_lote", situacao_dados, breve)
            if isinstance(sent, Outcome):
                exchanges += sent.exchanges
                continue
            exchanges += (sent[1],)
            situacao = respostas.texto(sent[0], "stLote")
            if situacao in respostas.PROCESSADO:
                break
        else:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Lote recebido pela {AUTORIDADE} (protocolo {protocolo}) "
                                    "e ainda não processado; a nota será consultada pelo RPS")
        sent = self._send("consulta_lote", resultado_dados, breve)
        if isinstance(sent, Outcome):
            return Outcome(Result.UNKNOWN, exchanges=exchanges + sent.exchanges,
                           mensagem=f"Lote {protocolo} processado, resultado sem resposta "
                                    "útil; a nota será consultada pelo RPS")
        root, exchange = sent
        exchanges += (exchange,)
        emitida = respostas.do_lote(root, documentos.rps_element(nota, rps))
        if emitida is not None:
            return self._autorizada(emitida, exchanges)
        erros = tuple(respostas.erros(root))
        if erros:
            return self._recusa(erros, nota, rps, emissor, exchanges)
        return Outcome(Result.UNKNOWN, exchanges=exchanges,
                       mensagem=f"Lote {protocolo} processado sem NFS-e e sem erros; a nota "
                                "será consultada pelo RPS")

    def _recusa(self, erros: tuple[Erro, ...], nota: Nota, rps: Rps, emissor: Emissor,
                exchanges: tuple[Exchange, ...]) -> Outcome:
        """The lot refused: REJECTED, unless every code says the RPS was already converted
        (``codigos_rps_duplicado``): then the note is the one the RPS query finds."""
        if all(e.codigo in _codigos(emissor, "codigos_rps_duplicado") for e in erros):
            consulta = self.query(nota, rps, emissor)
            return replace(consulta, exchanges=exchanges + consulta.exchanges)
        return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)

    @staticmethod
    def _autorizada(emitida: respostas.NfseEquiplano, exchanges: tuple[Exchange, ...]
                    ) -> Outcome:
        return Outcome(Result.AUTHORIZED, numero=emitida.numero,
                       codigo_verificacao=emitida.codigo_autenticacao,
                       data_emissao=emitida.data_emissao, xml=emitida.xml, exchanges=exchanges)

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """``esConsultarNfsePorRps``: AUTHORIZED with the note; NOT_FOUND when Equiplano
        answers only with codes of ``codigos_rps_nao_encontrado``; UNKNOWN otherwise."""
        try:
            documento = documentos.consulta_rps(nota, rps, emissor.a1, emissor.opcoes)
        except DocumentoInvalido as exc:
            return Outcome(Result.UNKNOWN, erros=exc.erros,
                           mensagem="A consulta do RPS não pôde ser montada")
        sent = self._send("consulta_rps", documento, emissor)
        if isinstance(sent, Outcome):
            return replace(sent, result=Result.UNKNOWN)
        root, exchange = sent
        emitida = respostas.do_rps(root, documentos.rps_element(nota, rps))
        if emitida is not None:
            return self._autorizada(emitida, (exchange,))
        erros = tuple(respostas.erros(root))
        if erros and all(e.codigo in _codigos(emissor, "codigos_rps_nao_encontrado")
                         for e in erros):
            return Outcome(Result.NOT_FOUND, exchanges=(exchange,))
        return Outcome(Result.UNKNOWN, erros=erros, exchanges=(exchange,),
                       mensagem="A consulta do RPS na Equiplano não disse se a NFS-e existe; o "
                                "RPS não é reenviado (confira no portal da prefeitura)")

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome:
        """``esCancelarNfse`` of NFS-e ``numero`` with the justification."""
        try:
            documento = documentos.cancelamento(nota, numero, justificativa, emissor.a1,
                                                emissor.opcoes)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send("cancelamento", documento, emissor)
        if isinstance(sent, Outcome):
            return sent
        root, exchange = sent
        erros = tuple(respostas.erros(root))
        if erros and not all(e.codigo in _codigos(emissor, "codigos_nfse_cancelada")
                             for e in erros):
            return Outcome(Result.REJECTED, erros=erros, exchanges=(exchange,))
        if erros or respostas.texto(root, "sucesso") == "true":
            return Outcome(Result.AUTHORIZED, numero=numero, xml=exchange.response,
                           exchanges=(exchange,))
        return Outcome(Result.UNKNOWN, exchanges=(exchange,),
                       mensagem=f"A {AUTORIDADE} não confirmou o cancelamento")
