"""The Conam provider (etransparencia.com.br, GeneXus SOAP ``aws_nfe.aspx``): emission by
the asynchronous lot (PROCESSARPS → protocol → CONSULTAPROTOCOLO until processed →
CONSULTANOTASPROTOCOLO, inside ``emit`` as the ABRASF 1.0 provider does with its lot) and
cancellation (CANCELANOTAELETRONICA). The company authenticates by its user and contributor
code at the Prefeitura (``login_responsavel``/``senha_responsavel`` of ``/v2/empresas`` →
``CodigoUsuario``/``CodigoContribuinte``); no client certificate.

Conam finds notes only by the lot's protocol, never by the RPS. A lot received whose answer
was read but is still unprocessed after the waits of ``providers.lote`` is asked again by the
protocol this process remembers (``query``); a PROCESSARPS whose answer was lost carries a
protocol nobody read: the note waits until the processing deadline saying so, and the RPS is
never sent twice. docs/conam.md.

``Outcome`` fields: ``numero`` Conam's ``NumNf``, ``codigo_verificacao`` its ``CodVernf``,
``chave_acesso`` the note's identification for its cancellation
(``documentos.Identificacao``), ``xml`` the ``Reg20`` with the issued ``Reg20Item``."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from lxml import etree

from nfse.model.errors import Problema
from nfse.model.nota import Nota
from nfse.providers import lote
from nfse.providers.abrasf import consultas
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
    credenciais_ausentes,
    falha_de_envio,
)
from nfse.providers.conam import documentos, respostas, soap
from nfse.providers.conam.documentos import DocumentoInvalido, Identificacao
from nfse.providers.transport import NotSent, Transport, Unknown

if TYPE_CHECKING:
    from nfse.config import Settings
    from nfse.municipios.provedores import Rota

Lido = tuple[etree._Element | None, Exchange]
"""An answer's output document (None: unreadable) and the exchange."""
PROTOCOLOS_LEMBRADOS = 10_000
OCULTA = "********"
"""The contributor code as a dry run shows it."""
SEM_ESPERA = (0.0,)
"""The reconciliation asks the lot once: the worker's backoff was the wait."""
SEM_CONSULTA_POR_RPS = (
    "A Conam só consulta notas pelo protocolo do lote, e a resposta que o trazia se perdeu: a "
    "nota não pode ser conciliada pelo RPS e não será enviada de novo; confira no portal da "
    "prefeitura (etransparencia) se o RPS {rps} virou NFS-e antes de emitir outra")


def _sem_credenciais() -> Erro:
    return credenciais_ausentes(
        "A Conam autentica a empresa pelo código de usuário e pelo código de contribuinte "
        "fornecidos pela prefeitura, e a empresa não os tem cadastrados",
        "o código de usuário em login_responsavel e o código de contribuinte em "
        "senha_responsavel")


class ConamProvider:
    name = "conam"
    capabilities = frozenset({Capability.EMIT, Capability.QUERY, Capability.CANCEL,
                              Capability.LOT, Capability.DRY_RUN})
    document_field = "rps_xml"
    """The ``Sdt_processarpsin`` of the lot."""
    usa_credenciais = True
    """``CodigoUsuario``/``CodigoContribuinte`` are the company's ``Emissor.login``/``senha``."""

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or Transport()
        self._protocolos: OrderedDict[tuple[str, str, str, int], str] = OrderedDict()
        self._lock = threading.Lock()

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        """The municipality's service; in homologação ``NFSE_CONAM_URL_HOMOLOGACAO`` when set
        (the sandbox)."""
        return address_from_route(self.name, rota, ambiente, settings)

    def validate(self, nota: Nota) -> list[Problema]:
        return documentos.problemas(nota)

    # -- protocols of lots still processing -----------------------------------------------------

    @staticmethod
    def _chave(nota: Nota, rps: Rps, emissor: Emissor) -> tuple[str, str, str, int]:
        return emissor.base_url, nota.prestador.documento, rps.serie, rps.numero

    def _lembrar(self, nota: Nota, rps: Rps, emissor: Emissor, protocolo: str) -> None:
        with self._lock:
            self._protocolos[self._chave(nota, rps, emissor)] = protocolo
            while len(self._protocolos) > PROTOCOLOS_LEMBRADOS:
                self._protocolos.popitem(last=False)

    def _esquecer(self, nota: Nota, rps: Rps, emissor: Emissor) -> None:
        with self._lock:
            self._protocolos.pop(self._chave(nota, rps, emissor), None)

    # -- the wire ------------------------------------------------------------------------------

    def _send(self, operacao: str, documento: bytes, emissor: Emissor, nome: str
              ) -> Lido | Outcome:
        """POST one operation: its output document and the exchange; or the Outcome of a
        transport failure or a SOAP Fault."""
        request, headers = soap.envelope(operacao, documento)
        try:
            answer = self.transport.request("POST", soap.endereco(emissor.base_url),
                                            emissor.a1, emissor.ca_file, emissor.timeout,
                                            content=request, headers=headers,
                                            proxy=emissor.proxy)
        except (NotSent, Unknown) as exc:
            return falha_de_envio(exc, nome, request, "Prefeitura (Conam) inacessível",
                                  "Sem resposta da prefeitura (Conam)")
        exchange = Exchange(nome, request, answer.body)
        parsed = soap.resposta(answer.body, operacao)
        if isinstance(parsed, Falha):
            return consultas.falha(parsed, (exchange,))
        return parsed, exchange

    # -- emission ------------------------------------------------------------------------------

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        """The lot ``emit`` would send, with the contributor code (the company's secret)
        masked."""
        if not (emissor.login and emissor.senha):
            return DryRun(None, (_sem_credenciais(),))
        try:
            return DryRun(documentos.processar_rps(nota, rps, replace(emissor,
                                                                      senha=OCULTA)))
        except DocumentoInvalido as exc:
            return DryRun(None, exc.erros)

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        if not (emissor.login and emissor.senha):
            return Outcome(Result.REJECTED, erros=(_sem_credenciais(),))
        try:
            documento = documentos.processar_rps(nota, rps, emissor)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send(soap.PROCESSAR, documento, emissor, "emissao")
        if isinstance(sent, Outcome):
            if sent.result == Result.UNKNOWN:
                return Outcome(Result.UNKNOWN, exchanges=sent.exchanges,
                               failure_of=sent.failure_of,
                               mensagem=f"{sent.mensagem}. "
                                        + SEM_CONSULTA_POR_RPS.format(rps=rps.numero))
            return sent
        parsed, exchange = sent
        exchanges = (exchange,)
        if parsed is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem="Resposta ilegível da prefeitura (Conam) ao lote. "
                                    + SEM_CONSULTA_POR_RPS.format(rps=rps.numero))
        erros = tuple(respostas.erros(parsed))
        protocolo = respostas.texto(parsed, "Protocolo")
        if erros and not protocolo:
            return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)
        if not protocolo:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem="A prefeitura (Conam) respondeu ao lote sem protocolo e "
                                    "sem erros. " + SEM_CONSULTA_POR_RPS.format(rps=rps.numero))
        self._lembrar(nota, rps, emissor, protocolo)
        return self._lote(nota, rps, protocolo, emissor, exchanges, lote.ESPERAS)

    def _lote(self, nota: Nota, rps: Rps, protocolo: str, emissor: Emissor,
              exchanges: tuple[Exchange, ...], esperas: Sequence[float]) -> Outcome:
        """The lot ``protocolo`` was received: its situation after each of ``esperas`` until
        it is processed, then its notes. Still waiting → UNKNOWN, asked again by
        ``query``."""
        trocas = list(exchanges)
        pedido = documentos.consulta_protocolo("Sdt_consultaprotocoloin", protocolo, emissor)

        def situacao(curto: Emissor) -> tuple[etree._Element | None, bool]:
            sent = self._send(soap.SITUACAO, pedido, curto, "consulta_protocolo")
            if isinstance(sent, Outcome):
                trocas.extend(sent.exchanges)
                return None, False
            parsed, exchange = sent
            trocas.append(exchange)
            return parsed, parsed is not None and \
                respostas.texto(parsed, "PrtXSts") in respostas.PROCESSADO

        estado = lote.aguardar(situacao, emissor, esperas)
        codigo = respostas.texto(estado, "PrtXSts") if estado is not None else ""
        if codigo not in respostas.PROCESSADO:
            descricao = respostas.SITUACOES.get(codigo, "sem situação conhecida")
            return Outcome(Result.UNKNOWN, exchanges=tuple(trocas),
                           mensagem=f"Lote recebido pela prefeitura (Conam, protocolo "
                                    f"{protocolo}) e {descricao}; a nota será consultada "
                                    "pelo protocolo")
        pedido = documentos.consulta_protocolo("Sdt_consultanotasprotocoloin", protocolo,
                                               emissor)
        sent = self._send(soap.NOTAS, pedido, lote.breve(emissor), "consulta_notas")
        trocas.extend(sent.exchanges if isinstance(sent, Outcome) else (sent[1],))
        parsed = None if isinstance(sent, Outcome) else sent[0]
        if parsed is None:
            return Outcome(Result.UNKNOWN, exchanges=tuple(trocas),
                           mensagem=f"Lote {protocolo} processado, notas ilegíveis; a nota "
                                    "será consultada pelo protocolo")
        emitida = respostas.nota_do_rps(parsed, rps)
        self._esquecer(nota, rps, emissor)
        if emitida is not None:
            return self._autorizada(emitida, parsed, tuple(trocas))
        erros = tuple(dict.fromkeys([*respostas.erros(estado), *respostas.erros(parsed)]))
        if erros:
            return Outcome(Result.REJECTED, erros=erros, exchanges=tuple(trocas))
        return Outcome(Result.UNKNOWN, exchanges=tuple(trocas),
                       mensagem=f"Lote {protocolo} processado sem a nota do RPS {rps.numero} "
                                "e sem erros. " + SEM_CONSULTA_POR_RPS.format(rps=rps.numero))

    @staticmethod
    def _autorizada(emitida: respostas.NotaConam, answer: etree._Element,
                    exchanges: tuple[Exchange, ...]) -> Outcome:
        avisos = respostas.avisos(answer)
        if emitida.cancelada:
            avisos.append("A NFS-e consta como cancelada na prefeitura")
        identificacao = Identificacao(emitida.serie, emitida.numero, emitida.serie_rps,
                                      emitida.numero_rps)
        return Outcome(Result.AUTHORIZED, numero=emitida.numero,
                       codigo_verificacao=emitida.codigo_verificacao,
                       chave_acesso=identificacao.chave(), data_emissao=emitida.data_emissao,
                       xml=emitida.xml, valores=emitida.valores,
                       mensagem="; ".join(avisos) or None, exchanges=exchanges)

    # -- reconciliation ------------------------------------------------------------------------

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """The lot of ``rps`` by the protocol this process read from PROCESSARPS (asked once,
        no wait): AUTHORIZED with the note; NOT_FOUND when the lot was refused (the worker
        sends the RPS again and records Conam's refusal); UNKNOWN while it is processing, and
        without a protocol: Conam has no query by RPS, and the note is never sent twice."""
        with self._lock:
            protocolo = self._protocolos.get(self._chave(nota, rps, emissor))
        if protocolo is None:
            return Outcome(Result.UNKNOWN,
                           mensagem=SEM_CONSULTA_POR_RPS.format(rps=rps.numero))
        achado = self._lote(nota, rps, protocolo, emissor, (), SEM_ESPERA)
        if achado.result == Result.REJECTED:  # processed, refused: no note has this RPS
            return replace(achado, result=Result.NOT_FOUND,
                           mensagem=f"Lote {protocolo} processado com erro, sem NFS-e do RPS "
                                    f"{rps.numero}")
        return achado

    # -- cancellation --------------------------------------------------------------------------

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome:
        """CANCELANOTAELETRONICA of the note named by ``chave_acesso`` (its series and
        number and its RPS's, kept at the authorization), with the note's value and the
        justification as the reason. Conam has no query of a note by number: a cancellation
        whose answer was lost is reported so, and may be asked again."""
        if not (emissor.login and emissor.senha):
            return Outcome(Result.REJECTED, erros=(_sem_credenciais(),))
        identificacao = Identificacao.da_chave(chave_acesso)
        if identificacao is None or identificacao.numero_nota != numero:
            return Outcome(Result.REJECTED, erros=(Erro(
                "identificacao_ausente", f"A NFS-e {numero} não tem a identificação que a "
                "Conam pede no cancelamento (séries e números da nota e do RPS)",
                "Cancele a nota no portal da prefeitura"),))
        documento = documentos.cancelamento(identificacao, nota.servico.valor_servicos,
                                            justificativa, emissor)
        sent = self._send(soap.CANCELAR, documento, emissor, "cancelamento")
        if isinstance(sent, Outcome):
            return sent
        parsed, exchange = sent
        exchanges = (exchange,)
        if parsed is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem="Resposta ilegível da prefeitura (Conam) ao cancelamento")
        erros = tuple(respostas.erros(parsed))
        if erros:
            return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)
        return Outcome(Result.AUTHORIZED, numero=numero,
                       xml=etree.tostring(parsed, xml_declaration=True, encoding="UTF-8"),
                       exchanges=exchanges)

