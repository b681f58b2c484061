"""The ABRASF 2.0x provider (layout 2.04, 2.03, 2.02 or 2.00 per municipality): emission
(GerarNfse, RecepcionarLoteRpsSincrono, or SubstituirNfse when the note replaces another),
reconciliation (ConsultarNfsePorRps) and cancellation (CancelarNfse, reconciled with
ConsultarNfsePorFaixa) over SOAP, one endpoint per municipality (``Emissor.base_url``), the
variant from ``Emissor.opcoes``.

What the ``Outcome`` fields mean here: ``numero`` is the NFS-e number, ``codigo_verificacao``
the municipality's verification code, ``chave_acesso`` is None (ABRASF has no access key: a
note is named by its number, which is also what ``Substituicao.chave`` must hold) except for
EloTech, whose notes carry an ``InfNfse/ChaveAcesso`` that their cancellation repeats,
``data_emissao`` the NFS-e's DataEmissao (Brasília time when the answer gives no offset),
``xml`` the ``CompNfse`` (for a cancellation: the ``NfseCancelamento``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from lxml import etree

from nfse.model.errors import Problema
from nfse.model.nota import Nota
from nfse.providers import lote
from nfse.providers.abrasf import (
    centi,
    consultas,
    credenciais,
    elotech,
    envelope,
    iibrasil,
    megasoft,
    namespaces,
    pedidos,
    respostas,
    rest,
    soap,
    tomadas,
)
from nfse.providers.abrasf.consultas import Sent
from nfse.providers.abrasf.esquema import EsquemaAusente
from nfse.providers.abrasf.pedidos import DocumentoInvalido
from nfse.providers.abrasf.variante import (
    Variante,
    VarianteInvalida,
    normalizar_codigo,
    variante_de,
)
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
from nfse.providers.transport import NotSent, Refused, Transport, Unknown

if TYPE_CHECKING:
    from nfse.config import Settings
    from nfse.municipios.provedores import Rota

GERAR = "GerarNfse"
LOTE = "RecepcionarLoteRpsSincrono"
LOTE_ASSINCRONO = "RecepcionarLoteRps"
CONSULTAR_LOTE = "ConsultarLoteRps"
LOTE_PROCESSADO, LOTE_COM_ERRO = "4", "3"
SUBSTITUIR = "SubstituirNfse"
CONSULTAR_RPS = "ConsultarNfsePorRps"
CONSULTAR_FAIXA = "ConsultarNfsePorFaixa"
CONSULTAR_TOMADO = "ConsultarNfseServicoTomado"
CANCELAR = "CancelarNfse"


def _codes(erros: list[Erro]) -> set[str]:
    return {normalizar_codigo(e.codigo) for e in erros}


class AbrasfProvider:
    name = "abrasf"

    @staticmethod
    def usa_credenciais(opcoes: Mapping[str, Any]) -> bool:
        """The company's portal user and password reach ``Emissor`` only for the systems
        whose profile sets ``credencial`` (``nfse.providers.abrasf.credenciais``), takes
        them in the body (``credenciais_no_corpo``: Fiorilli) or in its own layout's
        requerente (EloTech) or in the JSON of each call (Centi) or digests it into each
        request's Integridade (iiBrasil)."""
        return (bool(opcoes.get("credencial")) or bool(opcoes.get("credenciais_no_corpo"))
                or opcoes.get("leiaute_proprio") in ("elotech", "centi", "iibrasil"))

    capabilities = frozenset({Capability.EMIT, Capability.QUERY, Capability.CANCEL,
                              Capability.SUBSTITUTE, Capability.LOT, Capability.RECEIVED,
                              Capability.DRY_RUN})
    document_field = "rps_xml"
    """GerarNfseEnvio, a lot or SubstituirNfseEnvio."""

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or Transport()

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        """The municipality's server; in homologação, ``NFSE_ABRASF_URL_HOMOLOGACAO`` when
        set (every ABRASF municipality's test address at once: the sandbox)."""
        return address_from_route(self.name, rota, ambiente, settings)

    def validate(self, nota: Nota) -> list[Problema]:
        return pedidos.problemas(nota)

    def _send(self, operacao: str, dados: bytes, emissor: Emissor, variante: Variante,
              name: str) -> Sent | Outcome:
        """POST one operation: the answer, what it carries (the answer document, a Fault, or
        None when unreadable) and the exchange; or the Outcome of a transport failure
        (RETRY when nothing reached the authority, UNKNOWN when it may have)."""
        falta = credenciais.faltando(emissor, variante)
        if falta is not None:
            return Outcome(Result.REJECTED, erros=(falta,))
        url = credenciais.endereco(emissor, variante)
        if variante.leiaute_proprio == "elotech":
            request, headers = elotech.envelope(dados)
        elif rest.usa(variante):
            chave = rest.token(emissor, variante, self.transport, name)
            if isinstance(chave, Outcome):
                return chave
            url, request, headers = rest.pedido(dados, emissor, variante, chave)
        elif variante.leiaute_proprio == "centi":
            if not (emissor.login and emissor.senha):
                return Outcome(Result.REJECTED, erros=(centi.AUSENTES,))
            request, headers = centi.pedido(dados, emissor)
            url = centi.endereco(operacao, emissor.base_url)
        else:
            dados = namespaces.traduzir(dados, emissor, variante)
            try:
                request, headers = envelope.pedido(operacao, dados, variante, emissor)
            except envelope.CredenciaisAusentes:
                return Outcome(Result.REJECTED, erros=(envelope.CredenciaisAusentes.erro,))
        try:
            answer = self.transport.request("POST", url, emissor.a1,
                                            emissor.ca_file, emissor.timeout,
                                            content=request, headers=headers,
                                            proxy=emissor.proxy)
        except Refused as exc:  # Centi's 403 is about the company's user, not the A1
            if exc.answer is None or variante.leiaute_proprio != "centi":
                return falha_de_envio(exc, name, request, "Prefeitura inacessível",
                                      "Sem resposta da prefeitura")
            answer = exc.answer
        except (NotSent, Unknown) as exc:
            return falha_de_envio(exc, name, request, "Prefeitura inacessível",
                                  "Sem resposta da prefeitura")
        if variante.leiaute_proprio == "centi":
            recusa = centi.recusa(answer.status, Exchange(name, request, answer.body))
            if recusa is not None:
                return recusa
        return answer, soap.resposta(answer.body, operacao), Exchange(name, request, answer.body)

    # -- emission ------------------------------------------------------------------------------

    @staticmethod
    def _documento(nota: Nota, rps: Rps, emissor: Emissor,
                   variante: Variante) -> tuple[str, bytes]:
        """(operation, signed and schema-checked request document) of an emission: a
        substitution, a lot or a single RPS; ``DocumentoInvalido`` when there is none."""
        if variante.leiaute_proprio == "elotech":
            if nota.substituicao is not None:
                raise DocumentoInvalido([Erro(
                    "operacao_indisponivel", "A substituição de NFS-e não está disponível "
                    "para o leiaute EloTech neste gateway",
                    "Cancele a nota e emita outra")])
            return LOTE, elotech.lote_rps(nota, rps, emissor, variante)
        if variante.leiaute_proprio == "megasoft":
            if nota.substituicao is not None:
                raise DocumentoInvalido([Erro(
                    "operacao_indisponivel", "A substituição de NFS-e não está disponível "
                    "para o leiaute MegaSoft", "Emita a nota nova no portal da prefeitura")])
            return GERAR, megasoft.gerar_nfse(nota, rps, emissor, variante)
        if variante.leiaute_proprio == "centi":
            if nota.substituicao is not None:
                raise DocumentoInvalido([Erro(
                    "operacao_indisponivel", "A substituição de NFS-e não está disponível "
                    "no web service da Centi", "Cancele a nota e emita outra")])
            return GERAR, centi.gerar_nfse(nota, rps, emissor, variante)
        if variante.leiaute_proprio == "iibrasil":
            if nota.substituicao is not None:
                raise DocumentoInvalido([Erro(
                    "operacao_indisponivel", "A substituição de NFS-e não está disponível "
                    "para o leiaute iiBrasil neste gateway", "Cancele a nota e emita outra")])
            return GERAR, iibrasil.gerar_nfse(nota, rps, emissor, variante)
        if nota.substituicao is not None:
            if not nota.substituicao.chave:
                raise DocumentoInvalido([Erro(
                    "requisicao_invalida", "Número da NFS-e substituída desconhecido")])
            return SUBSTITUIR, pedidos.substituir_nfse(nota, rps, nota.substituicao.chave,
                                                          emissor, variante)
        if variante.emissao == LOTE:
            return LOTE, pedidos.lote_rps(nota, rps, emissor, variante)
        if variante.emissao == LOTE_ASSINCRONO:
            return LOTE_ASSINCRONO, pedidos.lote_rps(nota, rps, emissor, variante,
                                                        "EnviarLoteRpsEnvio")
        return GERAR, pedidos.gerar_nfse(nota, rps, emissor, variante)

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        """The request document ``emit`` would send (signed, schema-checked), or why none."""
        try:
            variante = variante_de(emissor.opcoes)
            return DryRun(namespaces.traduzir(self._documento(nota, rps, emissor, variante)[1],
                                              emissor, variante))
        except DocumentoInvalido as exc:
            return DryRun(None, exc.erros)

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """Raises ``VarianteInvalida`` (or ``EsquemaAusente``) on a bad municipality
        configuration: nothing is sent, the worker logs it and tries again later (the note
        is not the client's fault)."""
        variante = variante_de(emissor.opcoes)
        substituida = nota.substituicao.chave if nota.substituicao is not None else None
        try:
            operacao, dados = self._documento(nota, rps, emissor, variante)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send(operacao, dados, emissor, variante, "emissao")
        if isinstance(sent, Outcome):
            return sent
        answer, parsed, exchange = sent
        exchanges = (exchange,)
        if isinstance(parsed, soap.Falha):
            return consultas.falha(parsed, exchanges)
        if parsed is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Resposta ilegível da prefeitura (HTTP {answer.status})")
        protocolo = respostas.texto(parsed, "Protocolo") if operacao == LOTE_ASSINCRONO \
            else None
        if protocolo:
            return self._resultado_do_lote(nota, rps, protocolo, emissor, variante, exchanges)
        return self._resultado(parsed, rps, substituida, variante, exchanges, answer.status)

    def _resultado(self, parsed: etree._Element, rps: Rps, substituida: str | None,
                   variante: Variante, exchanges: tuple[Exchange, ...], status: int) -> Outcome:
        """What an answer with the note or with messages means."""
        info = iibrasil.informacoes(parsed) if variante.leiaute_proprio == "iibrasil" else None
        if info is not None:
            return iibrasil.autorizada(info, exchanges)
        comp = respostas.comp_nfse(parsed, rps, "NfseSubstituidora" if substituida else None)
        if comp is not None:
            return self._authorized(comp, parsed, exchanges, substituida, variante)
        return consultas.sem_nota(parsed, variante, exchanges, status)

    def _resultado_do_lote(self, nota: Nota, rps: Rps, protocolo: str, emissor: Emissor,
                           variante: Variante, exchanges: tuple[Exchange, ...]) -> Outcome:
        """An asynchronous lot was received: ask for its result a few times. Processed →
        the note or the messages; still waiting → UNKNOWN, and the worker's reconciliation
        query finds the note once the municipality has processed the lot."""
        dados = pedidos.consultar_lote(nota, protocolo, variante)
        trocas = list(exchanges)

        def perguntar(breve: Emissor) -> tuple[tuple[etree._Element, int] | None, bool]:
            sent = self._send(CONSULTAR_LOTE, dados, breve, variante, "consulta_lote")
            trocas.extend(sent.exchanges if isinstance(sent, Outcome) else (sent[2],))
            if isinstance(sent, Outcome) or not isinstance(sent[1], etree._Element):
                return None, False
            answer, parsed, _ = sent
            return (parsed, answer.status), respostas.texto(parsed, "Situacao") in (
                LOTE_PROCESSADO, LOTE_COM_ERRO)

        processado = lote.aguardar(perguntar, emissor)
        exchanges = tuple(trocas)
        if processado is not None and respostas.texto(processado[0], "Situacao") in (
                LOTE_PROCESSADO, LOTE_COM_ERRO):
            parsed, status = processado
            return self._resultado(parsed, rps, None, variante, exchanges, status)
        return Outcome(Result.UNKNOWN, exchanges=exchanges,
                       mensagem=f"Lote recebido pela prefeitura (protocolo {protocolo}) e "
                                "ainda não processado; a nota será consultada pelo RPS")

    def _authorized(self, comp: etree._Element, answer: etree._Element,
                    exchanges: tuple[Exchange, ...], substituida: str | None = None,
                    variante: Variante | None = None) -> Outcome:
        nota = respostas.nfse(comp)
        avisos = []
        if substituida:
            avisos.append(f"NFS-e {nota.numero} substitui a NFS-e {substituida}")
        if nota.cancelada:
            avisos.append("A NFS-e consta como cancelada na prefeitura")
        if nota.substituida_por:
            avisos.append(f"A NFS-e consta como substituída pela NFS-e {nota.substituida_por}")
        avisos += [f"Alerta {a.codigo}: {a.mensagem}" for a in respostas.alertas(answer)]
        return Outcome(Result.AUTHORIZED, numero=nota.numero,
                       codigo_verificacao=nota.codigo_verificacao,
                       chave_acesso=centi.chave_acesso(comp)
                       if variante is not None and variante.leiaute_proprio == "centi"
                       else elotech.chave_acesso(comp),
                       data_emissao=nota.data_emissao, xml=nota.xml,
                       mensagem="; ".join(avisos) or None, exchanges=exchanges)

    # -- reconciliation ------------------------------------------------------------------------

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """ConsultarNfsePorRps: AUTHORIZED with the note (also when it has since been
        cancelled or substituted: ``mensagem`` says so), NOT_FOUND when every message is a
        not-found code of the variant, UNKNOWN otherwise."""
        variante = variante_de(emissor.opcoes)
        try:
            dados = self._consulta_rps(nota, rps, emissor, variante)
        except DocumentoInvalido as exc:
            return Outcome(Result.UNKNOWN, erros=exc.erros,
                           mensagem="Consulta do RPS fora do leiaute")
        sent = self._send(CONSULTAR_RPS, dados, emissor, variante, "consulta_rps")
        if variante.leiaute_proprio == "iibrasil":
            return consultas.consulta_rps(
                sent, rps, variante, lambda parsed, _rps: iibrasil.informacoes(parsed),
                lambda info, _answer, exchanges: iibrasil.autorizada(info, exchanges))
        return consultas.consulta_rps(
            sent, rps, variante, respostas.comp_nfse,
            lambda comp, answer, exchanges: self._authorized(comp, answer, exchanges,
                                                             variante=variante))

    @staticmethod
    def _consulta_rps(nota: Nota, rps: Rps, emissor: Emissor, variante: Variante) -> bytes:
        if variante.leiaute_proprio == "elotech":
            return elotech.consultar_nfse_rps(nota, rps, emissor, variante)
        if variante.leiaute_proprio == "megasoft":
            return megasoft.consultar_nfse_rps(nota, rps, variante)
        if variante.leiaute_proprio == "centi":
            return centi.consultar_nfse_rps(nota, rps, variante)
        if variante.leiaute_proprio == "iibrasil":
            return iibrasil.consultar_nfse_rps(nota, rps, emissor)
        return pedidos.consultar_nfse_rps(nota, rps, variante)

    # -- received notes ------------------------------------------------------------------------

    def received(self, cnpj: str | None, cpf: str | None, inicio: date, fim: date, pagina: int,
                 emissor: Emissor) -> tomadas.PaginaTomadas:
        """ConsultarNfseServicoTomado: one page of the notes issued to the company as tomador
        in the period. A not-found answer is an empty last page."""
        variante = variante_de(emissor.opcoes)
        if variante.leiaute_proprio == "centi":
            return tomadas.PaginaTomadas(erro=centi.SEM_TOMADAS)
        if variante.leiaute_proprio == "iibrasil":
            return tomadas.PaginaTomadas(erro=iibrasil.SEM_TOMADAS)
        try:
            dados = pedidos.consultar_servico_tomado(cnpj, cpf, inicio, fim, pagina, variante)
        except DocumentoInvalido as exc:
            return tomadas.PaginaTomadas(erro="; ".join(e.mensagem for e in exc.erros))
        sent = self._send(CONSULTAR_TOMADO, dados, emissor, variante, "consulta_tomadas")
        if isinstance(sent, Outcome):
            return tomadas.PaginaTomadas(erro=sent.mensagem or "prefeitura inacessível")
        answer, parsed, _ = sent
        if isinstance(parsed, soap.Falha):
            return tomadas.PaginaTomadas(erro=f"Falha SOAP ({parsed.codigo}): {parsed.mensagem}")
        if parsed is None:
            return tomadas.PaginaTomadas(erro=f"Resposta ilegível (HTTP {answer.status})")
        comps = [comp for comp in parsed.iter("{*}CompNfse")]
        if not comps:
            erros = respostas.erros(parsed)
            if {normalizar_codigo(e.codigo) for e in erros} <= {"E78", "E89", "E4"}:
                return tomadas.PaginaTomadas()
            return tomadas.PaginaTomadas(erro="; ".join(f"{e.codigo}: {e.mensagem}"
                                                       for e in erros))
        lidas = [nota for nota in map(tomadas.ler, comps) if nota is not None]
        return tomadas.PaginaTomadas(lidas, mais=len(comps) >= 50)

    # -- cancellation --------------------------------------------------------------------------

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome:
        """CancelarNfse of NFS-e ``numero`` (``chave_acesso`` only for EloTech: ABRASF names notes
        by number). The justification has no place in the 2.04 request: the coded reason
        is the variant's ``codigo_cancelamento`` (default 1, erro na emissão)."""
        try:
            variante = variante_de(emissor.opcoes)
            if variante.leiaute_proprio == "megasoft":
                raise megasoft.sem_cancelamento()
            if variante.leiaute_proprio == "elotech":
                dados = elotech.cancelar_nfse(nota, numero, chave_acesso, emissor, variante)
            elif variante.leiaute_proprio == "centi":
                dados = centi.cancelar_nfse(nota, numero, chave_acesso, justificativa, emissor,
                                            variante)
            elif variante.leiaute_proprio == "iibrasil":
                dados = iibrasil.cancelar_nfse(nota, numero, chave_acesso, emissor, variante)
            else:
                dados = pedidos.cancelar_nfse(nota, numero, emissor, variante)
        except (VarianteInvalida, EsquemaAusente) as exc:
            return Outcome(Result.REJECTED, erros=(Erro(
                "configuracao_invalida", f"Configuração do município inválida: {exc}",
                "Erro de configuração do gateway; informe o suporte"),))
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send(CANCELAR, dados, emissor, variante, "cancelamento")
        if isinstance(sent, Outcome):
            if sent.result == Result.UNKNOWN:  # the request may have arrived: ask
                return self._cancelamento_registrado(nota, numero, emissor, variante, sent)
            return sent
        answer, parsed, exchange = sent
        exchanges = (exchange,)
        if isinstance(parsed, soap.Falha):
            falha = consultas.falha(parsed, exchanges)
            if falha.result == Result.REJECTED:
                return falha
            return self._cancelamento_registrado(nota, numero, emissor, variante, falha)
        if parsed is None:
            return self._cancelamento_registrado(nota, numero, emissor, variante, Outcome(
                Result.UNKNOWN, exchanges=exchanges,
                mensagem=f"Resposta ilegível da prefeitura (HTTP {answer.status})"))
        confirmacao = respostas.cancelamento(parsed)
        if confirmacao is None and variante.leiaute_proprio == "centi":
            confirmacao = centi.cancelada(parsed)
        if confirmacao is not None:
            return Outcome(Result.AUTHORIZED, numero=numero,
                           xml=respostas.documento(confirmacao), exchanges=exchanges)
        erros = tuple(respostas.erros(parsed))
        if _codes(list(erros)) & variante.codigos_nfse_cancelada:
            # already cancelled (an earlier attempt whose answer was lost, or the portal):
            # fetch the confirmation; the authority's word suffices without it
            return self._cancelamento_registrado(nota, numero, emissor, variante, Outcome(
                Result.AUTHORIZED, numero=numero, erros=erros, exchanges=exchanges,
                mensagem="A prefeitura informa que a NFS-e já estava cancelada"))
        if not erros:
            return self._cancelamento_registrado(nota, numero, emissor, variante, Outcome(
                Result.UNKNOWN, exchanges=exchanges,
                mensagem="A prefeitura respondeu sem confirmação nem mensagens"))
        return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)

    def _cancelamento_registrado(self, nota: Nota, numero: str, emissor: Emissor,
                                 variante: Variante, otherwise: Outcome) -> Outcome:
        """Reconcile a cancellation whose outcome is not known: the note as the authority
        holds it now (ConsultarNfsePorFaixa of its number); AUTHORIZED with its
        ``NfseCancelamento`` when it has one, else ``otherwise``. A system without the range
        query (``conciliacao_cancelamento = "CancelarNfse"``) is asked the cancellation once
        more instead. EloTech's range query is not built: its cancellations are reconciled
        by asking again (E79, already cancelled); Centi has none either, and a repeated
        cancellation answers the cancelled note: the client's next DELETE reconciles it.
        iiBrasil's likewise (its own request, asked again by the client's next DELETE)."""
        if variante.leiaute_proprio in ("elotech", "centi", "iibrasil"):
            return otherwise
        if variante.corpo.conciliacao_cancelamento == CANCELAR:
            return self._cancelar_de_novo(nota, numero, emissor, variante, otherwise)
        try:
            dados = pedidos.consultar_nfse_faixa(nota, numero, variante)
        except DocumentoInvalido:
            return otherwise
        sent = self._send(CONSULTAR_FAIXA, dados, emissor, variante, "consulta_nfse")
        if isinstance(sent, Outcome):
            return otherwise
        _, parsed, exchange = sent
        exchanges = otherwise.exchanges + (exchange,)
        found = respostas.cancelamento(parsed, numero) \
            if isinstance(parsed, etree._Element) else None
        if found is None:
            return Outcome(otherwise.result, numero=otherwise.numero, erros=otherwise.erros,
                           mensagem=otherwise.mensagem, exchanges=exchanges)
        return Outcome(Result.AUTHORIZED, numero=numero, xml=respostas.documento(found),
                       exchanges=exchanges)

    def _cancelar_de_novo(self, nota: Nota, numero: str, emissor: Emissor,
                          variante: Variante, otherwise: Outcome) -> Outcome:
        """Reconcile a cancellation by sending it again: cancelling twice is harmless, the
        confirmation or the "already cancelled" answer (``codigos_nfse_cancelada``) says the
        note is cancelled; anything else leaves ``otherwise``."""
        if otherwise.result == Result.AUTHORIZED:
            return otherwise
        try:
            dados = pedidos.cancelar_nfse(nota, numero, emissor, variante)
        except DocumentoInvalido:
            return otherwise
        sent = self._send(CANCELAR, dados, emissor, variante, "cancelamento")
        if isinstance(sent, Outcome):
            return otherwise
        _, parsed, exchange = sent
        exchanges = otherwise.exchanges + (exchange,)
        if isinstance(parsed, etree._Element):
            confirmacao = respostas.cancelamento(parsed)
            if confirmacao is not None:
                return Outcome(Result.AUTHORIZED, numero=numero,
                               xml=respostas.documento(confirmacao), exchanges=exchanges)
            erros = tuple(respostas.erros(parsed))
            if _codes(list(erros)) & variante.codigos_nfse_cancelada:
                return Outcome(Result.AUTHORIZED, numero=numero, erros=erros,
                               exchanges=exchanges,
                               mensagem="A prefeitura informa que a NFS-e já estava cancelada")
        return Outcome(otherwise.result, numero=otherwise.numero, erros=otherwise.erros,
                       mensagem=otherwise.mensagem, exchanges=exchanges)
