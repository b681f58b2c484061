"""The NFS-e Paulistana provider (São Paulo, IBGE 3550308): emission (EnvioRPS),
reconciliation (ConsultaNFe by the RPS key), cancellation (CancelamentoNFe, reconciled with
ConsultaNFe by the note's number) and the company's received notes (ConsultaNFeRecebidas),
over SOAP 1.2 with the A1 as TLS client certificate.

Each note goes in the layout its data asks for (``pedidos.leiaute``: 2 with the IBS/CBS
group, else 1), with the same ``VersaoSchema``; every later call about it (queries,
cancellation) uses the same layout. Layout 2 goes to the layout-2 service
(``nfews.prefeitura.sp.gov.br/lotenfe.asmx``) when the route names the Prefeitura's layout-1
address; received notes are read in layout 2.

Homologação: São Paulo has no test environment. A homologação note sent to the Prefeitura's
own address (``nfe.prefeitura.sp.gov.br``, ``nfews.prefeitura.sp.gov.br``) goes through
``TesteEnvioLoteRPS``, which runs every check of a real emission and issues nothing: the note
ends refused with ``homologacao_sem_emissao`` when the Prefeitura accepted it, or with the
Prefeitura's errors. Homologação sent anywhere else (the sandbox, configured by
``NFSE_PAULISTANA_URL_HOMOLOGACAO``) runs the full cycle.

``Outcome`` fields: ``numero`` the NFS-e number, ``codigo_verificacao`` its 8-character
code, ``chave_acesso`` None, ``xml`` the ``NFe`` element as ConsultaNFe answers it (the
``RetornoEnvioRPS`` when that query fails)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from lxml import etree

from nfse.model.errors import Problema
from nfse.model.nota import Nota
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
from nfse.providers.paulistana import pedidos, recebidas, respostas, soap
from nfse.providers.paulistana.pedidos import DocumentoInvalido
from nfse.providers.transport import Answer, NotSent, Transport, Unknown

if TYPE_CHECKING:
    from nfse.config import Settings
    from nfse.municipios.provedores import Rota

ENVIO = "EnvioRPS"
TESTE = "TesteEnvioLoteRPS"
CONSULTA = "ConsultaNFe"
CANCELAMENTO = "CancelamentoNFe"
RECEBIDAS = "ConsultaNFeRecebidas"
TIMEOUT_LEITURA = 5.0
"""Seconds for reading back a note just issued (ConsultaNFe by its number)."""
HOSTS_PREFEITURA = frozenset({"nfe.prefeitura.sp.gov.br", "nfews.prefeitura.sp.gov.br"})
URL_V1 = "https://nfe.prefeitura.sp.gov.br/ws/lotenfe.asmx"
URL_V2 = "https://nfews.prefeitura.sp.gov.br/lotenfe.asmx"
"""The layout-2 service (manual v3.3.4, changelog 3.3.4; the WSDL's address)."""

Sent = tuple[Answer, etree._Element | soap.Falha | None, Exchange]


def _erro_falha(falha: soap.Falha) -> Erro:
    return Erro(f"soap:{falha.codigo}", falha.mensagem or "Falha SOAP sem descrição",
                "A Prefeitura de São Paulo recusou a mensagem SOAP")


def homologacao_na_prefeitura(emissor: Emissor) -> bool:
    """A homologação note addressed to the Prefeitura itself: only the Teste operation."""
    return (emissor.ambiente == "homologacao"
            and (urlsplit(emissor.base_url).hostname or "") in HOSTS_PREFEITURA)


def url(emissor: Emissor, versao: int) -> str:
    """Where a call of layout ``versao`` goes: the emissor's address, but the layout-2 service
    for layout 2 when that address is the Prefeitura's layout-1 one."""
    if versao == 2 and emissor.base_url.rstrip("/").lower() == URL_V1:
        return URL_V2
    return emissor.base_url


class PaulistanaProvider:
    name = "paulistana"
    capabilities = frozenset({Capability.EMIT, Capability.QUERY, Capability.CANCEL,
                              Capability.DRY_RUN, Capability.RECEIVED})
    document_field = "rps_xml"
    """PedidoEnvioRPS (or PedidoEnvioLoteRPS of the Teste operation)."""

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or Transport()

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        """The Prefeitura's address; in homologação, ``NFSE_PAULISTANA_URL_HOMOLOGACAO``
        when set (the sandbox)."""
        return address_from_route(self.name, rota, ambiente, settings)

    def validate(self, nota: Nota) -> list[Problema]:
        return pedidos.problemas(nota)

    def _send(self, operacao: str, dados: bytes, emissor: Emissor, name: str,
              versao: int) -> Sent | Outcome:
        request, headers = soap.envelope(operacao, versao, dados)
        try:
            answer = self.transport.request("POST", url(emissor, versao), emissor.a1,
                                            emissor.ca_file, emissor.timeout,
                                            content=request, headers=headers,
                                            proxy=emissor.proxy)
        except (NotSent, Unknown) as exc:  # a refused certificate is the company's failure
            return falha_de_envio(exc, name, request, "Prefeitura de São Paulo inacessível",
                                  "Sem resposta da Prefeitura de São Paulo")
        return answer, soap.resposta(answer.body), Exchange(name, request, answer.body)

    # -- emission ------------------------------------------------------------------------------

    def _documento(self, nota: Nota, rps: Rps, emissor: Emissor) -> tuple[str, bytes]:
        if nota.substituicao is not None or nota.numero_rps_substituido:
            raise DocumentoInvalido([Erro(
                "substituicao_nao_suportada", "A substituição de NFS-e não está disponível "
                "para São Paulo neste gateway", "Cancele a nota e emita outra")])
        if homologacao_na_prefeitura(emissor):
            return TESTE, pedidos.envio_lote([(nota, rps)], emissor)
        return ENVIO, pedidos.envio_rps(nota, rps, emissor)

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        try:
            return DryRun(self._documento(nota, rps, emissor)[1])
        except DocumentoInvalido as exc:
            return DryRun(None, exc.erros)

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        try:
            operacao, dados = self._documento(nota, rps, emissor)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send(operacao, dados, emissor, "emissao", pedidos.leiaute(nota))
        if isinstance(sent, Outcome):
            return sent
        answer, parsed, exchange = sent
        exchanges = (exchange,)
        if isinstance(parsed, soap.Falha):
            if parsed.do_cliente:
                return Outcome(Result.REJECTED, erros=(_erro_falha(parsed),),
                               exchanges=exchanges)
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Falha SOAP da Prefeitura ({parsed.codigo}): "
                                    f"{parsed.mensagem}")
        ok = respostas.sucesso(parsed) if parsed is not None else None
        if ok is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Resposta ilegível da Prefeitura (HTTP {answer.status})")
        assert parsed is not None
        erros = tuple(respostas.erros(parsed))
        if operacao == TESTE:
            if ok and not erros:
                erros = (Erro("homologacao_sem_emissao",
                              "São Paulo não tem ambiente de homologação: a Prefeitura validou "
                              "o RPS (TesteEnvioLoteRPS) e nenhuma NFS-e foi emitida",
                              "Emita com o token de produção para obter a NFS-e"),)
            return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)
        chave = respostas.chave_emitida(parsed) if ok else None
        if chave is None:
            if erros:
                return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem="A Prefeitura respondeu sem NFS-e e sem erros; "
                                    "consultando o RPS")
        numero, codigo = chave
        avisos = [f"Alerta {a.codigo}: {a.mensagem}" for a in respostas.alertas(parsed)]
        # a short call: the note is issued already, and the attempt must stay within the
        # worker's lease; without the NFe the answer itself is kept
        nfe, mais = self._nfe(nota, numero, replace(emissor, timeout=min(
            emissor.timeout, TIMEOUT_LEITURA)))
        return Outcome(Result.AUTHORIZED, numero=numero,
                       codigo_verificacao=codigo or (nfe.codigo_verificacao if nfe else None),
                       data_emissao=nfe.data_emissao if nfe else None,
                       xml=nfe.xml if nfe else respostas.documento(parsed),
                       mensagem="; ".join(avisos) or None, exchanges=exchanges + mais)

    def _nfe(self, nota: Nota, numero: str, emissor: Emissor
             ) -> tuple[respostas.NFe | None, tuple[Exchange, ...]]:
        """The note as ConsultaNFe answers it (by its number), or None."""
        try:
            dados = pedidos.consulta_nfe(nota, numero, emissor)
        except DocumentoInvalido:
            return None, ()
        sent = self._send(CONSULTA, dados, emissor, "consulta_nfse", pedidos.leiaute(nota))
        if isinstance(sent, Outcome):
            return None, sent.exchanges
        _, parsed, exchange = sent
        if not isinstance(parsed, etree._Element):
            return None, (exchange,)
        return respostas.nfe_numero(parsed, numero), (exchange,)

    # -- reconciliation ------------------------------------------------------------------------

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """ConsultaNFe by the RPS key: AUTHORIZED with the note (``mensagem`` says when it is
        cancelled), NOT_FOUND when the Prefeitura answers with success and no note, UNKNOWN
        otherwise."""
        if homologacao_na_prefeitura(emissor):  # the Teste operation never issues anything
            return Outcome(Result.NOT_FOUND)
        try:
            dados = pedidos.consulta_rps(nota, rps, emissor)
        except DocumentoInvalido as exc:
            return Outcome(Result.UNKNOWN, erros=exc.erros, mensagem="Consulta fora do leiaute")
        sent = self._send(CONSULTA, dados, emissor, "consulta_rps", pedidos.leiaute(nota))
        if isinstance(sent, Outcome):
            return Outcome(Result.UNKNOWN, mensagem=sent.mensagem, exchanges=sent.exchanges)
        answer, parsed, exchange = sent
        exchanges = (exchange,)
        if not isinstance(parsed, etree._Element) or respostas.sucesso(parsed) is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Consulta do RPS sem resposta útil (HTTP {answer.status})")
        nfe = respostas.nfe_do_rps(parsed, rps)
        if nfe is not None:
            return Outcome(Result.AUTHORIZED, numero=nfe.numero,
                           codigo_verificacao=nfe.codigo_verificacao,
                           data_emissao=nfe.data_emissao, xml=nfe.xml, exchanges=exchanges,
                           mensagem="A NFS-e consta como cancelada na Prefeitura"
                           if nfe.cancelada else None)
        erros = tuple(respostas.erros(parsed))
        if respostas.sucesso(parsed) and not erros:
            return Outcome(Result.NOT_FOUND, exchanges=exchanges)
        return Outcome(Result.UNKNOWN, erros=erros, exchanges=exchanges,
                       mensagem="A consulta do RPS não disse se a NFS-e existe")

    # -- cancellation --------------------------------------------------------------------------

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome:
        """CancelamentoNFe of NFS-e ``numero`` (the layout has no place for the
        justification). Any answer but a plain success is checked with ConsultaNFe: a note
        the Prefeitura holds as cancelled is cancelled, whatever the first answer was."""
        try:
            dados = pedidos.cancelamento(nota, numero, emissor)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send(CANCELAMENTO, dados, emissor, "cancelamento", pedidos.leiaute(nota))
        if isinstance(sent, Outcome):
            return self._cancelada(nota, numero, emissor, sent)
        answer, parsed, exchange = sent
        exchanges = (exchange,)
        if isinstance(parsed, soap.Falha):
            if parsed.do_cliente:
                return Outcome(Result.REJECTED, erros=(_erro_falha(parsed),),
                               exchanges=exchanges)
            return self._cancelada(nota, numero, emissor, Outcome(
                Result.UNKNOWN, exchanges=exchanges, mensagem=parsed.mensagem))
        ok = respostas.sucesso(parsed) if parsed is not None else None
        if ok is None:
            return self._cancelada(nota, numero, emissor, Outcome(
                Result.UNKNOWN, exchanges=exchanges,
                mensagem=f"Resposta ilegível da Prefeitura (HTTP {answer.status})"))
        assert parsed is not None
        erros = tuple(respostas.erros(parsed))
        if ok and not erros:
            return Outcome(Result.AUTHORIZED, numero=numero,
                           xml=respostas.documento(parsed), exchanges=exchanges)
        return self._cancelada(nota, numero, emissor, Outcome(
            Result.REJECTED if erros else Result.UNKNOWN, erros=erros, exchanges=exchanges))

    def _cancelada(self, nota: Nota, numero: str, emissor: Emissor,
                   otherwise: Outcome) -> Outcome:
        """AUTHORIZED when ConsultaNFe shows the note cancelled, else ``otherwise`` (with
        the query's exchange)."""
        nfe, mais = self._nfe(nota, numero, emissor)
        if nfe is not None and nfe.cancelada:
            return Outcome(Result.AUTHORIZED, numero=numero, xml=nfe.xml,
                           exchanges=otherwise.exchanges + mais,
                           mensagem="A Prefeitura informa a NFS-e cancelada")
        return Outcome(otherwise.result, erros=otherwise.erros, mensagem=otherwise.mensagem,
                       exchanges=otherwise.exchanges + mais)

    # -- received notes ------------------------------------------------------------------------

    def received(self, cnpj: str | None, cpf: str | None, inicio: date, fim: date, pagina: int,
                 emissor: Emissor) -> recebidas.PaginaRecebidas:
        """Page ``pagina`` (of 50) of the notes São Paulo prestadores issued to the company
        from ``inicio`` to ``fim`` (ConsultaNFeRecebidas, layout 2). The Prefeitura answers
        at most 31 days (error 1403): a longer period is read from ``fim`` back 31 days.
        Homologação at the Prefeitura reads nothing (its notes would be produção's)."""
        if homologacao_na_prefeitura(emissor):
            return recebidas.PaginaRecebidas()
        inicio = max(inicio, fim - timedelta(days=recebidas.DIAS_POR_CONSULTA - 1))
        try:
            dados = pedidos.consulta_recebidas(cnpj, cpf, inicio, fim, pagina, emissor)
        except DocumentoInvalido as exc:
            return recebidas.PaginaRecebidas(erro="; ".join(e.mensagem for e in exc.erros))
        sent = self._send(RECEBIDAS, dados, emissor, "consulta_recebidas", 2)
        if isinstance(sent, Outcome):
            return recebidas.PaginaRecebidas(erro=sent.mensagem or "Prefeitura inacessível")
        answer, parsed, _exchange = sent
        if isinstance(parsed, soap.Falha):
            return recebidas.PaginaRecebidas(
                erro=f"Falha SOAP ({parsed.codigo}): {parsed.mensagem}")
        if parsed is None or respostas.sucesso(parsed) is None:
            return recebidas.PaginaRecebidas(erro=f"Resposta ilegível (HTTP {answer.status})")
        erros = respostas.erros(parsed)
        if not respostas.sucesso(parsed) or erros:
            return recebidas.PaginaRecebidas(erro="; ".join(f"{e.codigo}: {e.mensagem}"
                                                            for e in erros) or "Sem sucesso")
        return recebidas.PaginaRecebidas(
            recebidas.pagina(parsed), mais=len(parsed.findall("NFe")) >= recebidas.POR_PAGINA)
