"""The CTA 2.00 provider (Itaboraí/RJ, Vassouras/RJ: ``https://prefeiturade<cidade>.online/
wsnfse/``): emission of one RPS (``RpsNfse``, answered with the note) and cancellation
(``CancelaNfse``), each an XML document POSTed as a multipart file. The company proves itself
by a security key hashed with its CNPJ and the time (``ChaveSeguranca``) from its access key
at CTA, kept as ``senha_responsavel`` of ``/v2/empresas``; no client certificate.

CTA has no query at all (ACBr: ``ConsultaLote`` and ``ConsultaNFSe`` false). A lost emission
answer cannot be reconciled: the note waits in processing, saying so, until the processing
deadline, and the RPS is never sent twice. docs/cta.md.

``Outcome`` fields: ``numero`` CTA's ``NumeroNFSe``, ``codigo_verificacao`` its
``CodigoVerificacao``, ``xml`` the ``NfseCta`` kept (``respostas.documento_da_nota``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

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
from nfse.providers.cta import documentos, respostas
from nfse.providers.transport import Transport

if TYPE_CHECKING:
    from nfse.config import Settings
    from nfse.municipios.provedores import Rota

NOME = "prefeitura (CTA)"
SEM_CONSULTA = (
    "A CTA não tem consulta de notas (nem por RPS, nem por lote, nem por número): a nota não "
    "pode ser conciliada e o RPS {rps} não será enviado de novo; confira no portal da "
    "prefeitura se ele virou NFS-e antes de emitir outra")


def _sem_chave() -> Erro:
    return credenciais_ausentes(
        "A CTA autentica a empresa por uma chave de segurança calculada com a chave de acesso "
        "fornecida pela prefeitura, e a empresa não a tem cadastrada",
        "a chave de acesso da CTA em senha_responsavel")


class CtaProvider:
    name = "cta"
    capabilities = frozenset({Capability.EMIT, Capability.QUERY, Capability.CANCEL,
                              Capability.DRY_RUN})
    document_field = "rps_xml"
    """The ``RpsNfse`` sent."""
    usa_credenciais = True
    """The company's access key at CTA is ``Emissor.senha``."""

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or Transport()

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        """The city's ``wsnfse/``; in homologação ``NFSE_CTA_URL_HOMOLOGACAO`` when set."""
        return address_from_route(self.name, rota, ambiente, settings)

    def validate(self, nota: Nota) -> list[Problema]:
        return documentos.problemas(nota)

    def _post(self, documento: bytes, arquivo: str, nome: str, resultado: str,
              emissor: Emissor) -> tuple[respostas.Lida, Exchange, int] | Outcome:
        corpo, tipo = documentos.multipart(documento, arquivo)
        answer = enviar(self.transport, "POST", emissor.base_url, emissor, corpo,
                        {"Content-Type": tipo, "Accept": "text/xml"}, nome, "CTA", documento)
        if isinstance(answer, Outcome):
            return answer
        exchange = Exchange(nome, documento, answer.body)
        if answer.status in RECUSA_DE_CREDENCIAIS:
            return Outcome(Result.RETRY, failure_of=Party.COMPANY, exchanges=(exchange,),
                           mensagem=credenciais_recusadas(
                               f"A {NOME} recusou a chave de segurança da empresa (HTTP "
                               f"{answer.status})", "da credencial da empresa",
                               "senha_responsavel (a chave de acesso da CTA)"))
        return respostas.ler(answer.body, resultado), exchange, answer.status

    def _documento(self, nota: Nota, rps: Rps, chave: str, emissor: Emissor
                   ) -> etree._Element:
        return documentos.emissao(nota, rps, chave, emissor.ambiente == "producao",
                                  optante_simples(nota, emissor), documentos.agora())

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        """The ``RpsNfse`` ``emit`` would send (its security key from the registered access
        key; the key itself never travels)."""
        if not emissor.senha:
            return DryRun(None, (_sem_chave(),))
        try:
            return DryRun(documentos.bytes_(self._documento(nota, rps, emissor.senha,
                                                            emissor)))
        except DocumentoInvalido as exc:
            return DryRun(None, exc.erros)

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        if not emissor.senha:
            return Outcome(Result.REJECTED, erros=(_sem_chave(),))
        try:
            documento = self._documento(nota, rps, emissor.senha, emissor)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._post(documentos.bytes_(documento), f"{rps.numero}-env-lot.xml",
                          "emissao", "Informacoes", emissor)
        if isinstance(sent, Outcome):
            if sent.result == Result.UNKNOWN:
                return Outcome(Result.UNKNOWN, exchanges=sent.exchanges,
                               mensagem=f"{sent.mensagem}. " + SEM_CONSULTA.format(
                                   rps=rps.numero))
            return sent
        lida, exchange, status = sent
        exchanges = (exchange,)
        emitidas = respostas.notas(lida.raiz) if lida.raiz is not None else []
        nossa = next((n for n in emitidas if n.numero_rps in ("", str(rps.numero))), None)
        if nossa is not None:
            enviado = documento.find("ListaRps/Rps")
            return Outcome(Result.AUTHORIZED, numero=nossa.numero,
                           codigo_verificacao=nossa.codigo_verificacao,
                           xml=respostas.documento_da_nota(enviado, nossa),
                           exchanges=exchanges)
        if lida.erros and status < 500:
            return Outcome(Result.REJECTED, erros=lida.erros, exchanges=exchanges)
        return Outcome(Result.UNKNOWN, exchanges=exchanges,
                       mensagem=f"A {NOME} respondeu sem a NFS-e do RPS (HTTP {status}). "
                       + SEM_CONSULTA.format(rps=rps.numero))

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """CTA has no query: UNKNOWN, so the RPS is never sent twice."""
        return Outcome(Result.UNKNOWN, mensagem=SEM_CONSULTA.format(rps=rps.numero))

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome:
        """``CancelaNfse`` of NFS-e ``numero`` with the justification."""
        if not emissor.senha:
            return Outcome(Result.REJECTED, erros=(_sem_chave(),))
        try:
            documento = documentos.cancelamento(nota, numero, justificativa, emissor.senha,
                                                emissor.ambiente == "producao",
                                                documentos.agora())
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._post(documentos.bytes_(documento), f"{numero}-ped-can.xml",
                          "cancelamento", "GerarNfseResposta", emissor)
        if isinstance(sent, Outcome):
            return sent
        lida, exchange, status = sent
        exchanges = (exchange,)
        if lida.erros and status < 500:
            return Outcome(Result.REJECTED, erros=lida.erros, exchanges=exchanges)
        if lida.raiz is None or not respostas.texto(lida.raiz, "numero_nfse"):
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"A {NOME} respondeu ao cancelamento sem a nota (HTTP "
                           f"{status})")
        return Outcome(Result.AUTHORIZED, numero=numero, xml=exchange.response,
                       exchanges=exchanges)
