"""The SigISS provider (``<cidade>.sigiss.com.br/<cidade>/ws/sigiss_ws.php``, SOAP rpc in
``urn:sigiss_ws``): emission of one note at a time (``GerarNota``, answered with the note's
number), query of a note by its number (``ConsultarNotaPrestador``) and cancellation
(``CancelarNota``, in the shape of the city's version, ``versao_sigiss``). The company is
known by its ``ccm`` (inscrição municipal), CNPJ and its password at SigISS, kept as
``senha_responsavel`` of ``/v2/empresas``; no client certificate and no signature.

SigISS has no query by RPS. A lost emission answer is reconciled by the note numbers that
follow the last one this process saw for the company (``query``): a note there whose RPS is
ours is the note; anything else leaves the note in processing, saying so, until the
processing deadline. The RPS is never sent twice. docs/sigiss.md.

``Outcome`` fields: ``numero`` SigISS's ``Nota``, ``codigo_verificacao`` its
``autenticidade``, ``xml`` the ``DescricaoRps`` sent (without the password) with the
``RetornoNota``."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from lxml import etree

from nfse.model.digitos import so_digitos
from nfse.model.errors import Problema
from nfse.model.nota import Nota
from nfse.providers.abrasf.pedidos import DocumentoInvalido, optante_simples
from nfse.providers.base import (
    RECUSA_DE_CREDENCIAIS,
    Address,
    Capability,
    DryRun,
    Emissor,
    Erro,
    Exchange,
    Outcome,
    Party,
    Result,
    Rps,
    address_from_route,
    credenciais_ausentes,
    credenciais_recusadas,
    enviar,
)
from nfse.providers.lote import breve
from nfse.providers.sigiss import documentos, respostas
from nfse.providers.transport import Transport

if TYPE_CHECKING:
    from nfse.config import Settings
    from nfse.municipios.provedores import Rota

NOME = "prefeitura (SigISS)"
SENHA_OCULTA = "********"
"""What stands for the company's password in the requests kept and in a dry run."""
JANELA = 5
"""How many note numbers after the last one known a reconciliation asks."""
NUMEROS_LEMBRADOS = 10_000
SEM_CONSULTA_POR_RPS = (
    "O SigISS não consulta notas pelo RPS, só pelo número da NFS-e{detalhe}: a nota não pode "
    "ser conciliada e o RPS {rps} não será enviado de novo; confira no portal da prefeitura "
    "(SigISS) se ele virou NFS-e antes de emitir outra")


def _sem_senha() -> Erro:
    return credenciais_ausentes(
        "O SigISS autentica a empresa pela inscrição municipal, pelo CNPJ e pela senha do "
        "webservice da prefeitura, e a empresa não tem a senha cadastrada",
        "a senha da empresa no SigISS em senha_responsavel")


def _senha_recusada(status: int) -> str:
    return credenciais_recusadas(
        f"A prefeitura (SigISS) recusou a senha da empresa (HTTP {status})",
        "da credencial da empresa", "senha_responsavel (a senha do webservice do SigISS)")


def _versao(emissor: Emissor) -> str:
    return str(emissor.opcoes.get("versao_sigiss") or documentos.VERSOES[0])


class SigissProvider:
    name = "sigiss"
    capabilities = frozenset({Capability.EMIT, Capability.QUERY, Capability.CANCEL,
                              Capability.DRY_RUN})
    document_field = "rps_xml"
    """The ``GerarNota`` request."""
    usa_credenciais = True
    """The company's password at SigISS is ``Emissor.senha``."""

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or Transport()
        self._ultimas: OrderedDict[tuple[str, str, str], int] = OrderedDict()
        self._lock = threading.Lock()

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        """The city's ``sigiss_ws.php``; in homologação ``NFSE_SIGISS_URL_HOMOLOGACAO`` when
        set (the sandbox)."""
        return address_from_route(self.name, rota, ambiente, settings)

    def validate(self, nota: Nota) -> list[Problema]:
        return documentos.problemas(nota)

    # -- the last note number seen per company ------------------------------------------------

    @staticmethod
    def _chave(nota: Nota, emissor: Emissor) -> tuple[str, str, str]:
        return emissor.base_url, nota.prestador.documento, nota.prestador.inscricao_municipal

    def _lembrar(self, nota: Nota, emissor: Emissor, numero: str) -> None:
        if not so_digitos(numero):
            return
        chave = self._chave(nota, emissor)
        with self._lock:
            self._ultimas[chave] = max(int(numero), self._ultimas.get(chave, 0))
            self._ultimas.move_to_end(chave)
            while len(self._ultimas) > NUMEROS_LEMBRADOS:
                self._ultimas.popitem(last=False)

    def _ultima(self, nota: Nota, emissor: Emissor) -> int | None:
        with self._lock:
            return self._ultimas.get(self._chave(nota, emissor))

    # -- the wire -----------------------------------------------------------------------------

    def _call(self, pedido: bytes, operacao: str, nome: str, emissor: Emissor
              ) -> tuple[etree._Element | None, Exchange] | Outcome:
        """POST one operation: its ``<operacao>Response`` (None: unreadable or a Fault) and
        the exchange kept without the password; an Outcome when no answer can be read."""
        guardado = pedido.replace(escape(emissor.senha or "").encode("utf-8"),
                                  SENHA_OCULTA.encode()) if emissor.senha else pedido
        answer = enviar(self.transport, "POST", emissor.base_url, emissor, pedido,
                        documentos.cabecalhos(operacao), nome, "SigISS", guardado)
        if isinstance(answer, Outcome):
            return answer
        exchange = Exchange(nome, guardado, answer.body)
        if answer.status in RECUSA_DE_CREDENCIAIS:
            return Outcome(Result.RETRY, failure_of=Party.COMPANY, exchanges=(exchange,),
                           mensagem=_senha_recusada(answer.status))
        return respostas.resposta(answer.body, operacao), exchange

    @staticmethod
    def _ilegivel(exchange: Exchange) -> str:
        falha = respostas.falha(exchange.response)
        return f"Falha SOAP da {NOME}: {falha}" if falha else f"Resposta ilegível da {NOME}"

    # -- emission -----------------------------------------------------------------------------

    def _descricao(self, nota: Nota, rps: Rps, senha: str, emissor: Emissor) -> etree._Element:
        return documentos.descricao_rps(nota, rps, senha, optante_simples(nota, emissor))

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        """The ``GerarNota`` request, the company's password hidden (``SENHA_OCULTA``)."""
        try:
            return DryRun(documentos.emissao(self._descricao(nota, rps, SENHA_OCULTA,
                                                             emissor)))
        except DocumentoInvalido as exc:
            return DryRun(None, exc.erros)

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        if not emissor.senha:
            return Outcome(Result.REJECTED, erros=(_sem_senha(),))
        try:
            enviada = self._descricao(nota, rps, emissor.senha, emissor)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._call(documentos.emissao(enviada), documentos.EMISSAO, "emissao", emissor)
        if isinstance(sent, Outcome):
            return sent
        response, exchange = sent
        exchanges = (exchange,)
        if response is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=self._ilegivel(exchange))
        emitida = respostas.retorno(response)
        if emitida is not None and emitida.numero:
            self._lembrar(nota, emissor, emitida.numero)
            return Outcome(Result.AUTHORIZED, numero=emitida.numero,
                           codigo_verificacao=emitida.codigo_verificacao,
                           xml=respostas.documento_da_nota(enviada, emitida),
                           mensagem="; ".join(respostas.avisos(response)) or None,
                           exchanges=exchanges)
        erros = tuple(respostas.erros(response))
        if erros:
            return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)
        return Outcome(Result.UNKNOWN, exchanges=exchanges,
                       mensagem=f"A {NOME} respondeu sem NFS-e e sem erros")

    # -- reconciliation -----------------------------------------------------------------------

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """The note of ``rps`` among the numbers after the last one this process saw for the
        company (``JANELA`` of them, stopping at the first SigISS does not show):
        AUTHORIZED when one carries our RPS; UNKNOWN otherwise, never NOT_FOUND — SigISS
        has no query by RPS, and a note not seen is no proof the RPS was not issued."""
        ultima = self._ultima(nota, emissor)
        if not emissor.senha or ultima is None:
            detalhe = (", e a empresa não tem a senha cadastrada" if not emissor.senha else
                       ", e este processo não conhece a última nota da empresa")
            return Outcome(Result.UNKNOWN, failure_of=Party.COMPANY if not emissor.senha
                           else None, mensagem=SEM_CONSULTA_POR_RPS.format(
                               detalhe=detalhe, rps=rps.numero))
        trocas: list[Exchange] = []
        curto = breve(emissor)
        for numero in range(ultima + 1, ultima + 1 + JANELA):
            sent = self._call(documentos.consulta(nota, numero, emissor.senha),
                              documentos.CONSULTA, "consulta", curto)
            if isinstance(sent, Outcome):
                return Outcome(Result.UNKNOWN, exchanges=(*trocas, *sent.exchanges),
                               failure_of=sent.failure_of, mensagem=sent.mensagem)
            response, exchange = sent
            trocas.append(exchange)
            encontrada = respostas.dados_nota(response) if response is not None else None
            if encontrada is None:
                break
            self._lembrar(nota, emissor, encontrada.numero)
            if _do_rps(encontrada, rps):
                return self._conciliada(nota, rps, encontrada, tuple(trocas), emissor)
        return Outcome(Result.UNKNOWN, exchanges=tuple(trocas),
                       mensagem=SEM_CONSULTA_POR_RPS.format(
                           detalhe=f" (as notas depois da {ultima} não trazem o RPS)",
                           rps=rps.numero))

    def _conciliada(self, nota: Nota, rps: Rps, achada: respostas.NotaSigiss,
                    exchanges: tuple[Exchange, ...], emissor: Emissor) -> Outcome:
        enviada = self._descricao(nota, rps, "", emissor)
        return Outcome(Result.AUTHORIZED, numero=achada.numero,
                       codigo_verificacao=achada.codigo_verificacao,
                       xml=respostas.documento_da_nota(enviada, achada),
                       mensagem="A NFS-e consta como cancelada na prefeitura"
                       if achada.cancelada else None, exchanges=exchanges)

    # -- cancellation -------------------------------------------------------------------------

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome:
        """``CancelarNota`` of NFS-e ``numero`` with the justification as ``xMotivo``."""
        if not emissor.senha:
            return Outcome(Result.REJECTED, erros=(_sem_senha(),))
        try:
            pedido = documentos.cancelamento(nota, numero, justificativa, emissor.senha,
                                             _versao(emissor))
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._call(pedido, documentos.CANCELAMENTO, "cancelamento", emissor)
        if isinstance(sent, Outcome):
            return sent
        response, exchange = sent
        exchanges = (exchange,)
        if response is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=self._ilegivel(exchange))
        erros = tuple(respostas.erros(response))
        if erros:
            return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)
        if respostas.retorno(response) is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"A {NOME} respondeu ao cancelamento sem resultado")
        return Outcome(Result.AUTHORIZED, numero=numero, xml=exchange.response,
                       exchanges=exchanges)


def _do_rps(nota: respostas.NotaSigiss, rps: Rps) -> bool:
    """Whether a note found carries ``rps`` (its series, when SigISS says one)."""
    if not so_digitos(nota.numero_rps) or int(nota.numero_rps) != rps.numero:
        return False
    return not nota.serie_rps or nota.serie_rps == rps.serie
