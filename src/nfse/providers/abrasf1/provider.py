"""The ABRASF 1.0 provider (``abrasf_v1``): emission by the asynchronous lot
(RecepcionarLoteRps → protocol → ConsultarSituacaoLoteRps until processed →
ConsultarLoteRps), reconciliation (ConsultarNfsePorRps) and cancellation (CancelarNfse,
reconciled with ConsultarNfse by number) over SOAP, one endpoint per system
(``Emissor.base_url``), in Ginfes' dialect; the options of the municipality registry
(``Emissor.opcoes``) are read as the ``abrasf`` provider reads them (``variante_de``):
signature algorithm, item format, cancellation code, the codes of duplicate, not found and
already cancelled.

``Outcome`` fields as for ``abrasf``: ``numero`` the NFS-e number, ``codigo_verificacao``,
``chave_acesso`` None, ``xml`` the ``CompNfse`` (for a cancellation: its ``Cancelamento`` or
``NfseCancelamento``)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from lxml import etree

from nfse.model.errors import Problema
from nfse.model.nota import Nota
from nfse.providers import lote
from nfse.providers.abrasf import consultas
from nfse.providers.abrasf import respostas as abrasf_respostas
from nfse.providers.abrasf import soap as abrasf_soap
from nfse.providers.abrasf.consultas import Sent
from nfse.providers.abrasf.variante import Variante, VarianteInvalida
from nfse.providers.abrasf1 import pedidos, respostas, soap
from nfse.providers.abrasf1.dialeto import dialeto_de
from nfse.providers.abrasf1.dialeto import variante as variante_de
from nfse.providers.abrasf1.pedidos import DocumentoInvalido
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
from nfse.providers.transport import NotSent, Transport, Unknown

if TYPE_CHECKING:
    from nfse.config import Settings
    from nfse.municipios.provedores import Rota

LOTE = "RecepcionarLoteRps"
SITUACAO = "ConsultarSituacaoLoteRps"
CONSULTAR_LOTE = "ConsultarLoteRps"
CONSULTAR_RPS = "ConsultarNfsePorRps"
CONSULTAR_NFSE = "ConsultarNfse"
CANCELAR = "CancelarNfse"
PROCESSADO = (respostas.SITUACAO_COM_ERRO, respostas.SITUACAO_PROCESSADO)


def _configuracao(exc: Exception) -> Outcome:
    return Outcome(Result.REJECTED, erros=(Erro(
        "configuracao_invalida", f"Configuração do município inválida: {exc}",
        "Erro de configuração do gateway; informe o suporte"),))


class Abrasf1Provider:
    name = "abrasf_v1"
    capabilities = frozenset({Capability.EMIT, Capability.QUERY, Capability.CANCEL,
                              Capability.LOT, Capability.DRY_RUN})
    document_field = "rps_xml"
    """The signed EnviarLoteRpsEnvio."""

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or Transport()

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        """The system's server; in homologação, ``NFSE_ABRASF_V1_URL_HOMOLOGACAO`` when set
        (the sandbox)."""
        return address_from_route(self.name, rota, ambiente, settings)

    def validate(self, nota: Nota) -> list[Problema]:
        return pedidos.problemas(nota)

    def _send(self, operacao: str, dados: bytes, emissor: Emissor, nome: str) -> Sent | Outcome:
        """POST one operation: the answer, what it carries (document, Fault or None) and the
        exchange; or the Outcome of a transport failure."""
        dialeto = dialeto_de(emissor.opcoes)
        request, headers = soap.envelope(operacao, pedidos.CABECALHO, dados,
                                         soap.namespace_servico(emissor.base_url,
                                                                emissor.opcoes,
                                                                emissor.ambiente),
                                         dialeto)
        try:
            answer = self.transport.request("POST", soap.endereco(emissor.base_url, operacao,
                                                                  dialeto), emissor.a1,
                                            emissor.ca_file, emissor.timeout,
                                            content=request, headers=headers,
                                            proxy=emissor.proxy)
        except (NotSent, Unknown) as exc:
            return falha_de_envio(exc, nome, request, "Prefeitura inacessível",
                                  "Sem resposta da prefeitura")
        parsed = abrasf_soap.resposta(answer.body, soap.operacao_ws(operacao, dialeto))
        if isinstance(parsed, etree._Element):
            parsed = soap.documento(parsed)
        return answer, parsed, Exchange(nome, request, answer.body)

    # -- emission ------------------------------------------------------------------------------

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        try:
            return DryRun(pedidos.lote_rps(nota, rps, emissor, variante_de(emissor.opcoes)))
        except DocumentoInvalido as exc:
            return DryRun(None, exc.erros)

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """The lot, then its situation a few times; ``VarianteInvalida`` propagates (a bad
        municipality configuration: nothing is sent, the worker tries again later)."""
        variante = variante_de(emissor.opcoes)
        try:
            dados = pedidos.lote_rps(nota, rps, emissor, variante)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send(LOTE, dados, emissor, "emissao")
        if isinstance(sent, Outcome):
            return sent
        answer, parsed, exchange = sent
        exchanges = (exchange,)
        if isinstance(parsed, abrasf_soap.Falha):
            return consultas.falha(parsed, exchanges)
        if parsed is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Resposta ilegível da prefeitura (HTTP {answer.status})")
        protocolo = abrasf_respostas.texto(parsed, "Protocolo")
        if protocolo:
            return self._lote(nota, rps, protocolo, emissor, variante, exchanges)
        return consultas.sem_nota(parsed, variante, exchanges, answer.status)

    def _lote(self, nota: Nota, rps: Rps, protocolo: str, emissor: Emissor,
              variante: Variante, exchanges: tuple[Exchange, ...]) -> Outcome:
        """The lot was received: ask its situation until it is processed, then its result.
        Still waiting after ``lote.ESPERAS`` → UNKNOWN, and the worker's reconciliation
        query finds the note once the municipality has processed the lot."""
        try:
            situacao_dados = pedidos.consultar_situacao(nota, protocolo, emissor, variante)
            resultado_dados = pedidos.consultar_lote(nota, protocolo, emissor, variante)
        except DocumentoInvalido:  # a protocol the schema cannot carry: ask by the RPS
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Protocolo {protocolo[:60]!r} fora do leiaute; a nota "
                                    "será consultada pelo RPS")
        trocas = list(exchanges)
        vista: list[str | None] = [None]  # the last situation read; a failed question keeps it

        def perguntar(breve: Emissor) -> tuple[str | None, bool]:
            sent = self._send(SITUACAO, situacao_dados, breve, "consulta_situacao_lote")
            if isinstance(sent, Outcome):
                trocas.extend(sent.exchanges)
            else:
                _, parsed, exchange = sent
                trocas.append(exchange)
                if isinstance(parsed, etree._Element):
                    vista[0] = abrasf_respostas.texto(parsed, "Situacao")
            return vista[0], vista[0] in PROCESSADO

        situacao = lote.aguardar(perguntar, emissor)
        exchanges = tuple(trocas)
        if situacao not in PROCESSADO:
            estado = {respostas.SITUACAO_NAO_RECEBIDO: "ainda não recebido",
                      respostas.SITUACAO_NAO_PROCESSADO: "ainda não processado"}.get(
                          situacao or "", "sem situação conhecida")
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Lote recebido pela prefeitura (protocolo {protocolo}) e "
                                    f"{estado}; a nota será consultada pelo RPS")
        sent = self._send(CONSULTAR_LOTE, resultado_dados, lote.breve(emissor), "consulta_lote")
        if isinstance(sent, Outcome):
            return Outcome(Result.UNKNOWN, exchanges=exchanges + sent.exchanges,
                           mensagem=f"Lote {protocolo} processado, resultado ilegível; a nota "
                                    "será consultada pelo RPS")
        answer, parsed, exchange = sent
        exchanges += (exchange,)
        if not isinstance(parsed, etree._Element):
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Lote {protocolo} processado, resultado ilegível "
                                    f"(HTTP {answer.status}); a nota será consultada pelo RPS")
        comp = respostas.comp_nfse(parsed, rps)
        if comp is not None:
            return self._autorizada(comp, parsed, exchanges)
        return consultas.sem_nota(parsed, variante, exchanges, answer.status)

    @staticmethod
    def _autorizada(comp: etree._Element, answer: etree._Element,
                    exchanges: tuple[Exchange, ...]) -> Outcome:
        nota = abrasf_respostas.nfse(comp)
        avisos = []
        if nota.cancelada:
            avisos.append("A NFS-e consta como cancelada na prefeitura")
        if nota.substituida_por:
            avisos.append(f"A NFS-e consta como substituída pela NFS-e {nota.substituida_por}")
        avisos += [f"Alerta {a.codigo}: {a.mensagem}" for a in abrasf_respostas.alertas(answer)]
        return Outcome(Result.AUTHORIZED, numero=nota.numero,
                       codigo_verificacao=nota.codigo_verificacao, chave_acesso=None,
                       data_emissao=nota.data_emissao, xml=nota.xml,
                       mensagem="; ".join(avisos) or None, exchanges=exchanges)

    # -- reconciliation ------------------------------------------------------------------------

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """ConsultarNfsePorRps: AUTHORIZED with the note, NOT_FOUND when every message is a
        not-found code of the variant, UNKNOWN otherwise."""
        variante = variante_de(emissor.opcoes)
        try:
            dados = pedidos.consultar_nfse_rps(nota, rps, emissor, variante)
        except DocumentoInvalido as exc:
            return Outcome(Result.UNKNOWN, erros=exc.erros,
                           mensagem="Consulta do RPS fora do leiaute")
        sent = self._send(CONSULTAR_RPS, dados, emissor, "consulta_rps")
        return consultas.consulta_rps(sent, rps, variante, respostas.comp_nfse,
                                      self._autorizada)

    # -- cancellation --------------------------------------------------------------------------

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome:
        """CancelarNfse (v03, or v02 where the dialect says so) of NFS-e ``numero``; the
        justification has no place in the request (the coded reason of v03 is the variant's
        ``codigo_cancelamento``; v02 has none)."""
        try:
            variante = variante_de(emissor.opcoes)
            cancelamento = dialeto_de(emissor.opcoes).cancelamento
            if cancelamento == "nenhum":
                return Outcome(Result.REJECTED, erros=(Erro(
                    "cancelamento_indisponivel", "O município não cancela NFS-e por web "
                    "service: o cancelamento é pedido à prefeitura por processo "
                    "administrativo", "Cancele a nota no sistema da prefeitura"),))
            montar = pedidos.cancelar_nfse_v02 \
                if cancelamento == "v02" else pedidos.cancelar_nfse
            dados = montar(nota, numero, emissor, variante)
        except VarianteInvalida as exc:
            return _configuracao(exc)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send(CANCELAR, dados, emissor, "cancelamento")
        if isinstance(sent, Outcome):
            if sent.result == Result.UNKNOWN:
                return self._registrado(nota, numero, emissor, variante, sent)
            return sent
        answer, parsed, exchange = sent
        exchanges = (exchange,)
        if isinstance(parsed, abrasf_soap.Falha):
            falha = consultas.falha(parsed, exchanges)
            if falha.result == Result.REJECTED:
                return falha
            return self._registrado(nota, numero, emissor, variante, falha)
        if parsed is None:
            return self._registrado(nota, numero, emissor, variante, Outcome(
                Result.UNKNOWN, exchanges=exchanges,
                mensagem=f"Resposta ilegível da prefeitura (HTTP {answer.status})"))
        confirmacao = respostas.cancelamento(parsed)
        if confirmacao is None:
            confirmacao = respostas.sucesso_v02(parsed)
        if confirmacao is not None:
            return Outcome(Result.AUTHORIZED, numero=numero,
                           xml=abrasf_respostas.documento(confirmacao), exchanges=exchanges)
        erros = tuple(abrasf_respostas.erros(parsed))
        if consultas.codigos(erros) & variante.codigos_nfse_cancelada:
            return self._registrado(nota, numero, emissor, variante, Outcome(
                Result.AUTHORIZED, numero=numero, erros=erros, exchanges=exchanges,
                mensagem="A prefeitura informa que a NFS-e já estava cancelada"))
        if not erros:
            return self._registrado(nota, numero, emissor, variante, Outcome(
                Result.UNKNOWN, exchanges=exchanges,
                mensagem="A prefeitura respondeu sem confirmação nem mensagens"))
        return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)

    def _registrado(self, nota: Nota, numero: str, emissor: Emissor, variante: Variante,
                    otherwise: Outcome) -> Outcome:
        """A cancellation whose outcome is not known: the note as the municipality holds it
        now (ConsultarNfse by number); AUTHORIZED with its ``NfseCancelamento`` when it has
        one, else ``otherwise``."""
        try:
            dados = pedidos.consultar_nfse(nota, numero, emissor, variante)
        except DocumentoInvalido:
            return otherwise
        sent = self._send(CONSULTAR_NFSE, dados, emissor, "consulta_nfse")
        if isinstance(sent, Outcome):
            return otherwise
        _, parsed, exchange = sent
        exchanges = otherwise.exchanges + (exchange,)
        found = respostas.cancelamento(parsed, numero) \
            if isinstance(parsed, etree._Element) else None
        if found is None:
            return replace(otherwise, exchanges=exchanges)
        ja_cancelada = otherwise.result == Result.AUTHORIZED  # the municipality said so
        return Outcome(Result.AUTHORIZED, numero=numero, xml=abrasf_respostas.documento(found),
                       exchanges=exchanges, erros=otherwise.erros if ja_cancelada else (),
                       mensagem=otherwise.mensagem if ja_cancelada else None)
