"""The Giap provider (Giap's own REST layout, ``.../ords/<cidade>/ws/nfe/emitir_nfe``):
emission and cancellation, each an XML document POSTed to the operation's address with the
header ``Authorization: <inscrição municipal>-<chave de autorização>``. The key is the
company's, issued by the Prefeitura; the gateway keeps it as ``senha_responsavel`` of
``/v2/empresas`` (``login_responsavel`` is not used). No client certificate.

Addresses (ACBr ``ACBrNFSeXServicos.ini``, seções [3503208], [3510609], [3513009],
[3515004]): emission at the municipality's address (``emitir_nfe``; in homologação
``simula_nfe``), query at ``consulta_nota`` and cancellation at ``cancelar_nota`` beside it.

Giap finds a note by its verification code, never by the RPS: a lost emission answer cannot
be reconciled (``query`` says UNKNOWN and the note waits until the processing deadline; the
RPS is never sent twice). docs/giap.md.

``Outcome`` fields: ``numero`` Giap's ``numeroNota``, ``codigo_verificacao`` its
``codigoVerificacao``, ``xml`` the ``notaFiscal`` sent with those filled in."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
from nfse.providers.giap import documentos, respostas
from nfse.providers.giap.documentos import DocumentoInvalido
from nfse.providers.transport import Answer, Transport

if TYPE_CHECKING:
    from nfse.config import Settings
    from nfse.municipios.provedores import Rota

OPERACOES = {"emissao": None, "consulta": "consulta_nota", "cancelamento": "cancelar_nota"}
"""The last segment of each operation's address (None: the municipality's own)."""
MOTIVO_CANCELAMENTO = "1"
"""``codigoMotivo`` of every cancellation: Giap's table of reasons is not published and ACBr
leaves the code to its user (docs/giap.md)."""

Sent = tuple[Answer, etree._Element | None, Exchange]


def endereco(base_url: str, operacao: str) -> str:
    """The address of ``operacao`` beside the emission's."""
    segmento = OPERACOES[operacao]
    if segmento is None:
        return base_url
    return base_url.rsplit("/", 1)[0] + "/" + segmento


def _sem_chave() -> Erro:
    return credenciais_ausentes(
        "A Giap autentica a empresa pela chave de autorização emitida pela prefeitura, e a "
        "empresa não a tem cadastrada", "a chave de autorização em senha_responsavel")


def _chave_recusada(status: int) -> str:
    """Giap's statuses for a refused key are not published (``RECUSA_DE_CREDENCIAIS``)."""
    return credenciais_recusadas(
        f"A prefeitura (Giap) recusou a chave de autorização da empresa (HTTP {status})",
        "da credencial da empresa",
        "senha_responsavel (a chave de autorização) e a inscrição municipal do prestador")


class GiapProvider:
    name = "giap"
    capabilities = frozenset({Capability.EMIT, Capability.QUERY, Capability.CANCEL,
                              Capability.DRY_RUN})
    document_field = "rps_xml"
    """The ``<nfe>`` document of the emission."""
    usa_credenciais = True
    """The authority authenticates the company by its authorisation key (``Emissor.senha``)."""

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or Transport()

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        """The municipality's emission address; in homologação ``NFSE_GIAP_URL_HOMOLOGACAO``
        when set (the sandbox)."""
        return address_from_route(self.name, rota, ambiente, settings)

    def validate(self, nota: Nota) -> list[Problema]:
        return documentos.problemas(nota)

    def _send(self, documento: bytes, nota: Nota, emissor: Emissor, operacao: str
              ) -> Sent | Outcome:
        if not emissor.senha:
            return Outcome(Result.REJECTED, erros=(_sem_chave(),))
        inscricao = "".join(c for c in nota.prestador.inscricao_municipal if c.isdigit())
        headers = {"Content-Type": "text/xml; charset=UTF-8", "Accept": "*/*",
                   "Authorization": f"{inscricao}-{emissor.senha}"}
        answer = enviar(self.transport, "POST", endereco(emissor.base_url, operacao), emissor,
                        documento, headers, operacao, "Giap")
        if isinstance(answer, Outcome):
            return answer
        exchange = Exchange(operacao, documento, answer.body)
        if answer.status in RECUSA_DE_CREDENCIAIS:
            return Outcome(Result.RETRY, failure_of=Party.COMPANY, exchanges=(exchange,),
                           mensagem=_chave_recusada(answer.status))
        return answer, respostas.ler(answer.body), exchange

    @staticmethod
    def _recusa_em_texto(answer: Answer, exchanges: tuple[Exchange, ...]) -> Outcome:
        """A text answer: ACBr reads it as Giap's refusal; an empty one or a server error
        says nothing."""
        mensagem = respostas.texto(answer.body)
        if answer.status < 500 and mensagem and not mensagem.startswith("<"):
            return Outcome(Result.REJECTED, exchanges=exchanges,
                           erros=(Erro(str(answer.status), mensagem[:1000]),))
        return Outcome(Result.UNKNOWN, exchanges=exchanges,
                       mensagem=f"Resposta ilegível da prefeitura (Giap, HTTP {answer.status})")

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        try:
            return DryRun(documentos.emissao(nota, rps))
        except DocumentoInvalido as exc:
            return DryRun(None, exc.erros)

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        try:
            documento = documentos.emissao(nota, rps)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send(documento, nota, emissor, "emissao")
        if isinstance(sent, Outcome):
            return sent
        answer, root, exchange = sent
        exchanges = (exchange,)
        if root is None:
            return self._recusa_em_texto(answer, exchanges)
        erros = tuple(respostas.erros(root))
        if erros:
            return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)
        emitida = respostas.emitida(root)
        if emitida is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem="A prefeitura (Giap) respondeu sem NFS-e e sem erros")
        return Outcome(Result.AUTHORIZED, numero=emitida.numero,
                       codigo_verificacao=emitida.codigo_verificacao,
                       xml=respostas.documento_da_nota(documento, emitida),
                       exchanges=exchanges)

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """Giap has no query by RPS (its ``consulta_nota`` asks the verification code, which
        only the lost answer carried): UNKNOWN, so the RPS is never sent twice."""
        return Outcome(Result.UNKNOWN, mensagem="A Giap só consulta uma NFS-e pelo código de "
                       "verificação, que a resposta perdida trazia: a nota não pode ser "
                       "conciliada pelo RPS; confira no portal da prefeitura")

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome:
        """``cancelaNota`` of NFS-e ``numero`` (Giap names notes by number; the layout has a
        reason code and no place for the justification)."""
        try:
            documento = documentos.cancelamento(numero, MOTIVO_CANCELAMENTO)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send(documento, nota, emissor, "cancelamento")
        if isinstance(sent, Outcome):
            return sent
        answer, root, exchange = sent
        exchanges = (exchange,)
        if root is None:
            return self._recusa_em_texto(answer, exchanges)
        erros = tuple(respostas.erros(root))
        if erros:
            return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)
        cancelada = respostas.emitida(root)
        if cancelada is not None and cancelada.status == respostas.SUCESSO:
            return Outcome(Result.AUTHORIZED, numero=numero, xml=answer.body,
                           exchanges=exchanges)
        return Outcome(Result.UNKNOWN, exchanges=exchanges,
                       mensagem="A prefeitura (Giap) não confirmou o cancelamento")
