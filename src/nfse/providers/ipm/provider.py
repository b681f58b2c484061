"""The IPM provider (Atende.Net, IPM's own layout 1.01): emission, reconciliation by RPS and
cancellation, each an XML document POSTed as a multipart file to the city's
``https://<cidade>.atende.net/?pg=rest&service=WNERestServiceNFSe`` with HTTP Basic
authentication by the company's user and password at the Prefeitura's portal
(``login_responsavel``/``senha_responsavel`` of ``/v2/empresas``), not by the certificate.

Homologação: IPM has no separate test server for a city; a document with ``nfse_teste`` 1 is
checked and nothing is issued (IPM answers "NFS-e válida para emissão" as an error). A
homologação note sent to IPM itself (a ``*.atende.net`` address) is such a test and ends
refused with ``homologacao_sem_emissao`` when IPM accepted it; homologação sent anywhere else
(the sandbox, ``NFSE_IPM_URL_HOMOLOGACAO``) runs the whole cycle.

``Outcome`` fields: ``numero`` the NFS-e number, ``codigo_verificacao`` IPM's
``cod_verificador_autenticidade``, ``chave_acesso`` None, ``xml`` the ``<nfse>`` sent with
IPM's identification added to its ``nf`` (``respostas.documento_da_nota``)."""

from __future__ import annotations

import base64
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

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
from nfse.providers.ipm import documentos, respostas
from nfse.providers.ipm.documentos import DocumentoInvalido
from nfse.providers.transport import Answer, Transport
from nfse.xml import seguro

if TYPE_CHECKING:
    from nfse.config import Settings
    from nfse.municipios.provedores import Rota

HOST_IPM = ".atende.net"
"""HTTP statuses by which IPM refuses the portal user and password (which IPM uses is not
published; it asks for no client certificate, so a 403 cannot be about one)."""
SERIE_PADRAO = "1"
"""The NFS-e series a cancellation names: the cancellation contract carries the note's number
only (docs/ipm.md)."""

Sent = tuple[Answer, etree._Element | None, Exchange]


def teste_na_ipm(emissor: Emissor) -> bool:
    """A homologação note addressed to IPM itself: only validated (``nfse_teste``)."""
    host = urlsplit(emissor.base_url).hostname or ""
    return emissor.ambiente == "homologacao" and (host.endswith(HOST_IPM)
                                                  or host == HOST_IPM[1:])


def multipart(documento: bytes) -> tuple[bytes, str]:
    """The body with ``documento`` as the one file part (``xml``, ``nfse.xml``), and its
    Content-Type."""
    fronteira = f"----nfse{secrets.token_hex(12)}"
    corpo = (f"--{fronteira}\r\nContent-Disposition: form-data; name=\"xml\"; "
             f"filename=\"nfse.xml\"\r\nContent-Type: text/xml; charset="
             f"{documentos.ENCODING}\r\n\r\n").encode() + documento + \
        f"\r\n--{fronteira}--\r\n".encode()
    return corpo, f"multipart/form-data; boundary={fronteira}"


def _sem_credenciais() -> Erro:
    return credenciais_ausentes(
        "A IPM autentica a empresa pelo usuário e senha do portal da prefeitura (Atende.Net), "
        "e a empresa não os tem cadastrados", "login_responsavel e senha_responsavel")


def _recusadas(status: int) -> str:
    return credenciais_recusadas(
        f"A prefeitura (IPM) recusou o usuário e a senha da empresa (HTTP {status})",
        "das credenciais da empresa",
        "login_responsavel e senha_responsavel (o usuário do portal Atende.Net)")


class IpmProvider:
    name = "ipm"
    capabilities = frozenset({Capability.EMIT, Capability.QUERY, Capability.CANCEL,
                              Capability.DRY_RUN})
    document_field = "rps_xml"
    """The ``<nfse>`` document of the emission."""
    usa_credenciais = True
    """The authority authenticates the company by its portal user and password
    (``Emissor.login``/``senha``)."""

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or Transport()

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        """The city's Atende.Net address; in homologação, ``NFSE_IPM_URL_HOMOLOGACAO`` when
        set (the sandbox)."""
        return address_from_route(self.name, rota, ambiente, settings)

    def validate(self, nota: Nota) -> list[Problema]:
        return documentos.problemas(nota)

    def _send(self, documento: bytes, emissor: Emissor, nome: str) -> Sent | Outcome:
        if not emissor.login or not emissor.senha:
            return Outcome(Result.REJECTED, erros=(_sem_credenciais(),))
        corpo, tipo = multipart(documento)
        senha = base64.b64encode(f"{emissor.login}:{emissor.senha}".encode()).decode()
        headers = {"Content-Type": tipo, "Authorization": f"Basic {senha}", "Accept": "*/*"}
        # an HTTP 403 is an answer: IPM asks no certificate, so it is about the login
        answer = enviar(self.transport, "POST", emissor.base_url, emissor, corpo, headers, nome,
                        "IPM", documento)
        if isinstance(answer, Outcome):
            return answer
        exchange = Exchange(nome, documento, answer.body)
        if answer.status in RECUSA_DE_CREDENCIAIS:
            return Outcome(Result.RETRY, failure_of=Party.COMPANY, exchanges=(exchange,),
                           mensagem=_recusadas(answer.status))
        return answer, respostas.ler(answer.body), exchange

    # -- emission ------------------------------------------------------------------------------

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        """The emission document, the same elements ``emit`` sends, in UTF-8 (it leaves in
        ISO-8859-1; the dry run's answer is JSON)."""
        try:
            documento = documentos.emissao(nota, rps, emissor, teste_na_ipm(emissor))
        except DocumentoInvalido as exc:
            return DryRun(None, exc.erros)
        return DryRun(etree.tostring(seguro.ler(documento), xml_declaration=True,
                                     encoding="UTF-8"))

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        teste = teste_na_ipm(emissor)
        try:
            documento = documentos.emissao(nota, rps, emissor, teste)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send(documento, emissor, "emissao")
        if isinstance(sent, Outcome):
            return sent
        answer, root, exchange = sent
        exchanges = (exchange,)
        if root is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Resposta ilegível da prefeitura (IPM, HTTP "
                                    f"{answer.status})")
        if teste:
            erros = tuple(respostas.erros(root))
            if respostas.validada_em_teste(root):
                erros = (Erro("homologacao_sem_emissao",
                              "A IPM não tem ambiente de homologação: a prefeitura validou o "
                              "documento (nfse_teste) e nenhuma NFS-e foi emitida",
                              "Emita com o token de produção para obter a NFS-e"),)
            return Outcome(Result.REJECTED if erros else Result.UNKNOWN, erros=erros,
                           exchanges=exchanges)
        return self._resultado(root, documento, exchanges, "A prefeitura (IPM) respondeu sem "
                               "NFS-e e sem erros; consultando o RPS")

    @staticmethod
    def _autorizada(emitida: respostas.NotaIpm, documento: bytes,
                    exchanges: tuple[Exchange, ...]) -> Outcome:
        return Outcome(Result.AUTHORIZED, numero=emitida.numero,
                       codigo_verificacao=emitida.codigo_verificacao,
                       data_emissao=emitida.data_emissao,
                       xml=respostas.documento_da_nota(documento, emitida), exchanges=exchanges,
                       mensagem="A NFS-e consta como cancelada na prefeitura"
                       if emitida.situacao == respostas.CANCELADA else None)

    def _resultado(self, root: etree._Element, documento: bytes,
                   exchanges: tuple[Exchange, ...], sem_nota: str) -> Outcome:
        erros = tuple(respostas.erros(root))
        emitida = respostas.nota(root)
        if emitida is not None and emitida.numero and not erros:
            return self._autorizada(emitida, documento, exchanges)
        if erros:
            return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)
        return Outcome(Result.UNKNOWN, exchanges=exchanges, mensagem=sem_nota)

    # -- reconciliation ------------------------------------------------------------------------

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """``consulta_rps``: AUTHORIZED with the note; NOT_FOUND when IPM answers without a
        note and only with codes the profile lists in ``codigos_rps_nao_encontrado`` (IPM
        publishes none: until an operator names them, an unanswered emission is never sent
        again); UNKNOWN otherwise. The note kept is the emission document of ``rps`` with
        the identification IPM gives."""
        if teste_na_ipm(emissor):  # a nfse_teste document never issues anything
            return Outcome(Result.NOT_FOUND)
        if not emissor.login or not emissor.senha:
            return Outcome(Result.UNKNOWN, erros=(_sem_credenciais(),),
                           mensagem="Consulta do RPS sem as credenciais da empresa")
        try:
            pedido = documentos.consulta_rps(nota, rps)
            documento = documentos.emissao(nota, rps, emissor, False)
        except DocumentoInvalido as exc:
            return Outcome(Result.UNKNOWN, erros=exc.erros, mensagem="Consulta fora do leiaute")
        sent = self._send(pedido, emissor, "consulta_rps")
        if isinstance(sent, Outcome):
            return Outcome(Result.UNKNOWN, mensagem=sent.mensagem, erros=sent.erros,
                           exchanges=sent.exchanges, failure_of=sent.failure_of)
        answer, root, exchange = sent
        if root is None:
            return Outcome(Result.UNKNOWN, exchanges=(exchange,),
                           mensagem=f"Consulta do RPS sem resposta útil (HTTP {answer.status})")
        emitida = respostas.nota(root)
        if emitida is not None and emitida.numero:  # the note, whatever else is said
            return self._autorizada(emitida, documento, (exchange,))
        erros = respostas.erros(root)
        nao_encontrado = frozenset(emissor.opcoes.get("codigos_rps_nao_encontrado", ()))
        if erros and all(e.codigo in nao_encontrado for e in erros):
            return Outcome(Result.NOT_FOUND, exchanges=(exchange,))
        return Outcome(Result.UNKNOWN, erros=tuple(erros), exchanges=(exchange,),
                       mensagem="A consulta do RPS não disse se a NFS-e existe")

    # -- cancellation --------------------------------------------------------------------------

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome:
        """The cancellation document of NFS-e ``numero`` (``chave_acesso`` is not used: IPM
        names notes by number and series)."""
        try:
            documento = documentos.cancelamento(nota, numero, SERIE_PADRAO, justificativa,
                                                emissor)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send(documento, emissor, "cancelamento")
        if isinstance(sent, Outcome):
            return sent
        answer, root, exchange = sent
        exchanges = (exchange,)
        if root is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Resposta ilegível da prefeitura (IPM, HTTP "
                                    f"{answer.status})")
        erros = tuple(respostas.erros(root))
        sucesso = any(m.codigo == respostas.SUCESSO for m in respostas.mensagens(root))
        if sucesso and not erros:
            return Outcome(Result.AUTHORIZED, numero=numero, xml=answer.body,
                           exchanges=exchanges)
        if erros:
            return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)
        return Outcome(Result.UNKNOWN, exchanges=exchanges,
                       mensagem="A prefeitura (IPM) não confirmou o cancelamento")

