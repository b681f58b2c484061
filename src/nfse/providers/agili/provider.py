"""The Agili provider (Agili's own layout, ``https://<host>/api/<Operação>``): each operation an
XML document (``nfse_v_1.00.xsd``) POSTed as ``application/xml`` to its own address —
``GerarNfse`` (synchronous emission of one RPS), ``ConsultarNfseRps``, ``CancelarNfse`` —
beside the address the registry gives (ACBr ``ACBrNFSeXServicos.ini``, [Agili]: ``.../api/
EnviarLoteRps``). No SOAP and no client certificate: the company is named in the document by
its ``ChaveDigital``, the 32-character key the Prefeitura issues, kept as
``senha_responsavel`` of ``/v2/empresas`` (``login_responsavel`` is not used). One Agili
service answers many cities: each request names the city by ``UnidadeGestora``, the
Prefeitura's CNPJ, which the registry gives as the municipality's ``unidade_gestora``.

A lost emission answer is reconciled by ``ConsultarNfseRps``: the note found, or NOT_FOUND
only when Agili answers with codes the profile lists in ``codigos_rps_nao_encontrado`` (none
published: until a city confirms its code the note waits, UNKNOWN, and the RPS is never sent
twice). docs/agili.md.

``Outcome`` fields: ``numero`` Agili's ``Numero``, ``codigo_verificacao`` its
``CodigoAutenticidade``, ``xml`` the ``Nfse`` it answers."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from nfse.model.errors import Problema
from nfse.model.nota import Nota
from nfse.providers.agili import documentos, respostas
from nfse.providers.agili.documentos import DocumentoInvalido
from nfse.providers.base import (
    RECUSA_DE_CREDENCIAIS,
    Address,
    Capability,
    DryRun,
    Emissor,
    Exchange,
    Outcome,
    Party,
    Result,
    Rps,
    address_from_route,
    credenciais_ausentes,
    credenciais_recusadas,
    falha_de_envio,
)
from nfse.providers.transport import NotSent, Refused, Transport, Unknown

if TYPE_CHECKING:
    from lxml import etree

    from nfse.config import Settings
    from nfse.municipios.provedores import Rota

OPERACOES = {"emissao": "GerarNfse", "consulta_rps": "ConsultarNfseRps",
             "cancelamento": "CancelarNfse"}
"""The last segment of each operation's address."""
AUTORIDADE = "prefeitura (Agili)"

Sent = tuple["etree._Element", Exchange]


def endereco(base_url: str, operacao: str) -> str:
    """The address of ``operacao`` beside the registry's (``.../api/EnviarLoteRps``)."""
    return base_url.rstrip("/").rsplit("/", 1)[0] + "/" + OPERACOES[operacao]


def _chave_recusada(status: int) -> str:
    return credenciais_recusadas(
        f"A {AUTORIDADE} recusou a chave digital da empresa (HTTP {status})",
        "da credencial da empresa", "senha_responsavel (a chave digital) e o CNPJ do prestador")


def _sem_chave() -> Outcome:
    return Outcome(Result.REJECTED, erros=(credenciais_ausentes(
        "A Agili identifica a empresa pela chave digital emitida pela prefeitura, e a empresa "
        "não a tem cadastrada", "a chave digital em senha_responsavel"),))


def _codigos(emissor: Emissor, opcao: str) -> frozenset[str]:
    return frozenset(emissor.opcoes.get(opcao, ()))


class AgiliProvider:
    name = "agili"
    capabilities = frozenset({Capability.EMIT, Capability.QUERY, Capability.CANCEL,
                              Capability.DRY_RUN})
    document_field = "rps_xml"
    """The ``GerarNfseEnvio`` of the emission."""
    usa_credenciais = True
    """The company's digital key (``Emissor.senha``) goes in every request."""

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or Transport()

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        """The municipality's address; in homologação ``NFSE_AGILI_URL_HOMOLOGACAO`` when set
        (the sandbox): Agili publishes no homologação of its own."""
        return address_from_route(self.name, rota, ambiente, settings)

    def validate(self, nota: Nota) -> list[Problema]:
        return documentos.problemas(nota)

    def _send(self, documento: bytes, emissor: Emissor, operacao: str) -> Sent | Outcome:
        """POST ``documento``; the kept exchange hides the digital key."""
        guardado = documento.replace((emissor.senha or "").strip().encode() or b"\0",
                                     b"*" * documentos.TAMANHO_CHAVE)
        try:
            answer = self.transport.request(
                "POST", endereco(emissor.base_url, operacao), emissor.a1, emissor.ca_file,
                emissor.timeout, content=documento, proxy=emissor.proxy,
                headers={"Content-Type": "application/xml; charset=UTF-8", "Accept": "*/*"})
        except Refused as exc:
            if exc.answer is None:
                return falha_de_envio(exc, operacao, guardado, "", "")
            answer = exc.answer
        except (NotSent, Unknown) as exc:
            return falha_de_envio(exc, operacao, guardado, "Prefeitura (Agili) inacessível",
                                  "Sem resposta da prefeitura (Agili)")
        exchange = Exchange(operacao, guardado, answer.body)
        if answer.status in RECUSA_DE_CREDENCIAIS:
            return Outcome(Result.RETRY, failure_of=Party.COMPANY, exchanges=(exchange,),
                           mensagem=_chave_recusada(answer.status))
        root = respostas.ler(answer.body)
        if root is None:
            return Outcome(Result.UNKNOWN, exchanges=(exchange,),
                           mensagem=f"Resposta ilegível da {AUTORIDADE} (HTTP {answer.status})")
        return root, exchange

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        try:
            return DryRun(documentos.emissao(nota, rps, emissor.senha, emissor.opcoes))
        except DocumentoInvalido as exc:
            return DryRun(None, exc.erros)

    def _autorizada(self, root: etree._Element, exchanges: tuple[Exchange, ...]
                    ) -> Outcome | None:
        nfse = respostas.nfse(root)
        if nfse is None:
            return None
        return Outcome(Result.AUTHORIZED, numero=nfse.numero,
                       codigo_verificacao=nfse.codigo_autenticidade,
                       data_emissao=nfse.data_emissao, xml=nfse.xml, exchanges=exchanges)

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        if not emissor.senha:
            return _sem_chave()
        try:
            documento = documentos.emissao(nota, rps, emissor.senha, emissor.opcoes)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send(documento, emissor, "emissao")
        if isinstance(sent, Outcome):
            return sent
        root, exchange = sent
        autorizada = self._autorizada(root, (exchange,))
        if autorizada is not None:
            return autorizada
        erros = tuple(respostas.erros(root))
        duplicado = _codigos(emissor, "codigos_rps_duplicado")
        if erros and all(e.codigo in duplicado for e in erros):
            consulta = self.query(nota, rps, emissor)
            return replace(consulta, exchanges=(exchange, *consulta.exchanges))
        if erros:
            return Outcome(Result.REJECTED, erros=erros, exchanges=(exchange,))
        return Outcome(Result.UNKNOWN, exchanges=(exchange,),
                       mensagem=f"A {AUTORIDADE} respondeu sem NFS-e e sem erros")

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """``ConsultarNfseRps``: AUTHORIZED with the note; NOT_FOUND when Agili answers only
        with codes of ``codigos_rps_nao_encontrado``; UNKNOWN otherwise (the RPS is then
        never sent again)."""
        if not emissor.senha:
            return Outcome(Result.UNKNOWN, erros=_sem_chave().erros,
                           mensagem="Sem a chave digital a consulta do RPS não pode ser feita")
        try:
            documento = documentos.consulta_rps(nota, rps, emissor.senha, emissor.opcoes)
        except DocumentoInvalido as exc:
            return Outcome(Result.UNKNOWN, erros=exc.erros,
                           mensagem="A consulta do RPS não pôde ser montada")
        sent = self._send(documento, emissor, "consulta_rps")
        if isinstance(sent, Outcome):
            return Outcome(Result.UNKNOWN, mensagem=sent.mensagem, erros=sent.erros,
                           exchanges=sent.exchanges, failure_of=sent.failure_of)
        root, exchange = sent
        autorizada = self._autorizada(root, (exchange,))
        if autorizada is not None:
            return autorizada
        erros = tuple(respostas.erros(root))
        if erros and all(e.codigo in _codigos(emissor, "codigos_rps_nao_encontrado")
                         for e in erros):
            return Outcome(Result.NOT_FOUND, exchanges=(exchange,))
        return Outcome(Result.UNKNOWN, erros=erros, exchanges=(exchange,),
                       mensagem="A consulta do RPS na Agili não disse se a NFS-e existe; o RPS "
                                "não é reenviado (confira no portal da prefeitura)")

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome:
        """``CancelarNfse`` of NFS-e ``numero`` with the profile's ``codigo_cancelamento``
        (``1`` when unset) and the justification."""
        if not emissor.senha:
            return _sem_chave()
        try:
            documento = documentos.cancelamento(nota, numero, justificativa, emissor.senha,
                                                emissor.opcoes)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send(documento, emissor, "cancelamento")
        if isinstance(sent, Outcome):
            return sent
        root, exchange = sent
        erros = tuple(respostas.erros(root))
        ja_cancelada = _codigos(emissor, "codigos_nfse_cancelada")
        if erros and not all(e.codigo in ja_cancelada for e in erros):
            return Outcome(Result.REJECTED, erros=erros, exchanges=(exchange,))
        if erros or respostas.cancelamento_aceito(root):
            return Outcome(Result.AUTHORIZED, numero=numero, xml=exchange.response,
                           exchanges=(exchange,))
        return Outcome(Result.UNKNOWN, exchanges=(exchange,),
                       mensagem=f"A {AUTORIDADE} não confirmou o cancelamento")
