"""The eGoverneISS provider (Osasco/SP, ``EissnfeWebServices/NotaFiscalEletronica.svc``):
emission of one note at a time (``RTC_EmitirNFE``, answered with the note's number),
reconciliation by the RPS (``RTC_ConsultarNFE`` by ``NumeroReciboUnico``) and cancellation
(``Cancelar``), each a SOAP 1.1 call of WCF DataContract objects. The company is known by its
access key (``ChaveAutenticacao``), issued by the Prefeitura; the gateway keeps it as
``senha_responsavel`` of ``/v2/empresas`` (``login_responsavel`` is not used). No client
certificate and no signature.

A lost emission answer is reconciled by the RPS number: the note found is the note; an answer
that lists none (and says no error) lets the RPS be sent again; any other answer leaves the
note in processing, saying so, and the RPS is not sent twice. docs/egoverneiss.md.

``Outcome`` fields: ``numero`` eGoverneISS's ``Numero``, ``codigo_verificacao`` its
``Autenticador`` (``CodigoAutenticidade`` in a query), ``xml`` the ``NotaFiscal_RTC`` sent
with the ``NotaFiscalGerada`` answered."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from lxml import etree

from nfse.model.errors import Problema
from nfse.model.nota import Nota
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
from nfse.providers.egoverneiss import documentos, respostas
from nfse.providers.egoverneiss.documentos import DocumentoInvalido
from nfse.providers.transport import Transport

if TYPE_CHECKING:
    from nfse.config import Settings
    from nfse.municipios.provedores import Rota

NOME = "prefeitura (eGoverneISS)"
CHAVE_OCULTA = "********"
"""What stands for the company's key in the requests kept and in a dry run: the key is a
secret, and eGoverneISS carries it in the body."""


def _oculta(pedido: bytes, chave: str) -> bytes:
    """``pedido`` as kept: the company's key replaced by ``CHAVE_OCULTA``."""
    return pedido.replace(escape(chave).encode("utf-8"), CHAVE_OCULTA.encode())


def _sem_chave() -> Erro:
    return credenciais_ausentes(
        "O eGoverneISS autentica a empresa pela chave de acesso emitida pela prefeitura, e a "
        "empresa não a tem cadastrada", "a chave de acesso (ChaveAutenticacao) em "
        "senha_responsavel")


def _chave_recusada(status: int) -> str:
    return credenciais_recusadas(
        f"A prefeitura (eGoverneISS) recusou a chave de acesso da empresa (HTTP {status})",
        "da credencial da empresa", "senha_responsavel (a chave de acesso, ChaveAutenticacao)")


class EgoverneissProvider:
    name = "egoverneiss"
    capabilities = frozenset({Capability.EMIT, Capability.QUERY, Capability.CANCEL,
                              Capability.DRY_RUN})
    document_field = "rps_xml"
    """The ``RTC_EmitirNFE`` request."""
    usa_credenciais = True
    """The authority knows the company by its access key (``Emissor.senha``)."""

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or Transport()

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        """Osasco's service; in homologação ``NFSE_EGOVERNEISS_URL_HOMOLOGACAO`` when set."""
        return address_from_route(self.name, rota, ambiente, settings)

    def validate(self, nota: Nota) -> list[Problema]:
        return documentos.problemas(nota)

    def _call(self, pedido: bytes, operacao: str, emissor: Emissor
              ) -> tuple[etree._Element | respostas.Falha | None, Exchange, int] | Outcome:
        """Send ``pedido``: the answer's result (or Fault, or None), the exchange and the
        HTTP status; an Outcome when there is no answer to read."""
        guardado = _oculta(pedido, emissor.senha or "")
        answer = enviar(self.transport, "POST", emissor.base_url, emissor, pedido,
                        documentos.cabecalhos(operacao), operacao, "eGoverneISS", guardado)
        if isinstance(answer, Outcome):
            return answer
        exchange = Exchange(operacao, guardado, answer.body)
        if answer.status in RECUSA_DE_CREDENCIAIS:
            return Outcome(Result.RETRY, failure_of=Party.COMPANY, exchanges=(exchange,),
                           mensagem=_chave_recusada(answer.status))
        return respostas.resultado(answer.body, operacao), exchange, answer.status

    @staticmethod
    def _sem_resultado(lido: respostas.Falha | None, status: int,
                       exchanges: tuple[Exchange, ...], recusavel: bool) -> Outcome:
        """An answer without a result: a Fault by which WCF refused the message itself is a
        rejection when ``recusavel``; anything else may have run."""
        if isinstance(lido, respostas.Falha):
            if lido.do_cliente and recusavel:
                return Outcome(Result.REJECTED, exchanges=exchanges,
                               erros=(Erro(respostas.CODIGO, lido.mensagem or lido.codigo),))
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Falha SOAP da {NOME}: {lido.mensagem or lido.codigo}")
        return Outcome(Result.UNKNOWN, exchanges=exchanges,
                       mensagem=f"Resposta ilegível da {NOME} (HTTP {status})")

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        """The ``RTC_EmitirNFE`` request, the company's key hidden (``CHAVE_OCULTA``)."""
        try:
            return DryRun(documentos.emissao(documentos.nota_fiscal(
                nota, rps, CHAVE_OCULTA, emissor.ambiente != "producao")))
        except DocumentoInvalido as exc:
            return DryRun(None, exc.erros)

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        if not emissor.senha:
            return Outcome(Result.REJECTED, erros=(_sem_chave(),))
        homologacao = emissor.ambiente != "producao"
        try:
            enviada = documentos.nota_fiscal(nota, rps, emissor.senha, homologacao)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        pedido = documentos.emissao(enviada)
        sent = self._call(pedido, documentos.EMISSAO, emissor)
        if isinstance(sent, Outcome):
            return sent
        lido, exchange, status = sent
        exchanges = (exchange,)
        if not isinstance(lido, etree._Element):
            return self._sem_resultado(lido, status, exchanges, recusavel=True)
        erros = tuple(respostas.erros(lido))
        if erros:
            return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)
        nota_gerada = respostas.gerada(lido)
        if nota_gerada is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"A {NOME} respondeu sem NFS-e e sem erros")
        return Outcome(Result.AUTHORIZED, numero=nota_gerada.numero,
                       codigo_verificacao=nota_gerada.codigo_verificacao,
                       xml=respostas.documento_da_nota(enviada, nota_gerada),
                       exchanges=exchanges)

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """``RTC_ConsultarNFE`` by the RPS number: AUTHORIZED with the note found, NOT_FOUND
        only when eGoverneISS answers without error and lists no note; UNKNOWN otherwise (the
        note waits and the RPS is not sent again)."""
        if not emissor.senha:
            return Outcome(Result.UNKNOWN, failure_of=Party.COMPANY,
                           mensagem="Sem a chave de acesso da empresa (senha_responsavel) a "
                           "nota não pode ser conciliada pelo RPS; cadastre-a em PUT "
                           "/v2/empresas/ID")
        pedido = documentos.consulta(rps, emissor.senha)
        sent = self._call(pedido, documentos.CONSULTA, emissor)
        if isinstance(sent, Outcome):
            return sent
        lido, exchange, status = sent
        exchanges = (exchange,)
        if not isinstance(lido, etree._Element):
            return self._sem_resultado(lido, status, exchanges, recusavel=False)
        erros = tuple(respostas.erros(lido))
        if erros:
            return Outcome(Result.UNKNOWN, erros=erros, exchanges=exchanges,
                           mensagem=f"A {NOME} não confirmou se o RPS {rps.numero} virou nota "
                           f"({erros[0].mensagem}): a nota segue em processamento e o RPS não "
                           "é reenviado; confira no portal da prefeitura")
        notas = [n for n in respostas.consultadas(lido)
                 if respostas.mesmo_recibo(n.numero_recibo, rps.numero)]
        if not notas:
            return Outcome(Result.NOT_FOUND, exchanges=exchanges)
        achada = notas[0]
        try:
            enviada = documentos.nota_fiscal(nota, rps, emissor.senha,
                                             emissor.ambiente != "producao")
        except DocumentoInvalido:
            enviada = None
        return Outcome(Result.AUTHORIZED, numero=achada.numero,
                       codigo_verificacao=achada.codigo_verificacao,
                       xml=(respostas.documento_da_nota(enviada, achada)
                            if enviada is not None else exchange.response),
                       exchanges=exchanges)

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome:
        """``Cancelar`` of NFS-e ``numero`` with the justification as its ``Motivo``."""
        if not emissor.senha:
            return Outcome(Result.REJECTED, erros=(_sem_chave(),))
        try:
            pedido = documentos.cancelamento(numero, justificativa, emissor.senha,
                                             emissor.ambiente != "producao")
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._call(pedido, documentos.CANCELAMENTO, emissor)
        if isinstance(sent, Outcome):
            return sent
        lido, exchange, status = sent
        exchanges = (exchange,)
        if not isinstance(lido, etree._Element):
            return self._sem_resultado(lido, status, exchanges, recusavel=True)
        erros = tuple(respostas.erros(lido))
        if erros:
            return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)
        return Outcome(Result.AUTHORIZED, numero=numero, xml=exchange.response,
                       exchanges=exchanges)
