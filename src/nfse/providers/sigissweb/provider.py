"""The SigISSWeb provider (SigISSWeb's own REST layout at ``https://ws<cidade>.sigissweb.com/``):
a session token from ``POST rest/login`` with the company's login and password, then the
emission ``POST rest/nfes`` (the ``<notafiscal>``), the query by RPS
``GET rest/nfes/pegaxml/<rps>/serierps/<série>`` and the cancellation
``GET rest/nfes/cancela/<número>/serie/<série da NFS-e>/motivo/<motivo>``, each with the token
as ``Authorization``. No client certificate. Facts from ACBr's ``SigISSWeb.Provider.pas``
(commit 7be4dac); docs/sigissweb.md.

Credentials: ``login_responsavel`` (digits only; the prestador's CNPJ/CPF when empty) and
``senha_responsavel`` of ``/v2/empresas``. A token is asked for each operation (its lifetime
is not published).

``Outcome`` fields: ``numero`` SigISSWeb's ``numero_nf``, ``codigo_verificacao`` its
``codigo``, ``chave_acesso`` the NFS-e's ``serie`` (the cancellation names the note by
number and series; SigISSWeb has no access key), ``xml`` the ``notafiscal`` it answers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import quote

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
from nfse.providers.sigissweb import documentos, respostas
from nfse.providers.sigissweb.documentos import DocumentoInvalido
from nfse.providers.transport import Answer, Transport

if TYPE_CHECKING:
    from nfse.config import Settings
    from nfse.municipios.provedores import Rota


Sent = tuple[Answer, etree._Element | None, tuple[Exchange, ...]]


def _sem_credenciais() -> Erro:
    return credenciais_ausentes(
        "O SigISSWeb autentica a empresa pelo login e senha do sistema da prefeitura, e a "
        "empresa não tem a senha cadastrada",
        "login_responsavel (o CNPJ/CPF de acesso) e senha_responsavel")


def _login_recusado(detalhe: str) -> str:
    return credenciais_recusadas(
        f"A prefeitura (SigISSWeb) recusou o login da empresa ({detalhe})",
        "das credenciais da empresa", "login_responsavel e senha_responsavel")


def _url(base: str, caminho: str) -> str:
    return base.rstrip("/") + "/" + caminho


class SigisswebProvider:
    name = "sigissweb"
    capabilities = frozenset({Capability.EMIT, Capability.QUERY, Capability.CANCEL,
                              Capability.DRY_RUN})
    document_field = "rps_xml"
    usa_credenciais = True

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or Transport()

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        return address_from_route(self.name, rota, ambiente, settings)

    def validate(self, nota: Nota) -> list[Problema]:
        return documentos.problemas(nota)

    def _request(self, metodo: str, url: str, emissor: Emissor, nome: str, corpo: bytes,
                 headers: dict[str, str]) -> tuple[Answer, Exchange] | Outcome:
        answer = enviar(self.transport, metodo, url, emissor, corpo, headers, nome, "SigISSWeb")
        if isinstance(answer, Outcome):
            return answer
        return answer, Exchange(nome, corpo or url.encode(), answer.body)

    def _token(self, nota: Nota, emissor: Emissor) -> tuple[str, Exchange] | Outcome:
        if not emissor.senha:
            return Outcome(Result.REJECTED, erros=(_sem_credenciais(),))
        login = "".join(c for c in (emissor.login or nota.prestador.documento) if c.isdigit())
        corpo = json.dumps({"login": login, "senha": emissor.senha}).encode()
        # the password stays out of the kept exchange
        enviado = json.dumps({"login": login, "senha": "***"}).encode()
        sent = self._request("POST", _url(emissor.base_url, "rest/login"), emissor, "login",
                             corpo, {"Content-Type": "application/json", "Accept": "*/*"})
        if isinstance(sent, Outcome):
            return sent
        answer, exchange = sent
        exchange = Exchange("login", enviado, answer.body)
        token = respostas.token(answer.body)
        if token:
            return token, exchange
        root = respostas.ler(answer.body)
        erros = respostas.erros(root) if root is not None else []
        detalhe = "; ".join(e.mensagem for e in erros) or f"HTTP {answer.status}"
        if answer.status >= 500 or (root is None and answer.status not in RECUSA_DE_CREDENCIAIS):
            return Outcome(Result.UNKNOWN, exchanges=(exchange,),
                           mensagem=f"Login sem resposta útil da prefeitura (SigISSWeb, HTTP "
                                    f"{answer.status})")
        return Outcome(Result.RETRY, failure_of=Party.COMPANY, exchanges=(exchange,),
                       mensagem=_login_recusado(detalhe))

    def _send(self, metodo: str, caminho: str, corpo: bytes, nota: Nota, emissor: Emissor,
              nome: str) -> Sent | Outcome:
        sessao = self._token(nota, emissor)
        if isinstance(sessao, Outcome):
            return sessao
        token, login = sessao
        headers = {"Authorization": token, "Accept": "*/*"}
        if corpo:
            headers["Content-Type"] = "text/xml"
        sent = self._request(metodo, _url(emissor.base_url, caminho), emissor, nome, corpo,
                             headers)
        if isinstance(sent, Outcome):
            return sent
        answer, exchange = sent
        exchanges = (login, exchange)
        if answer.status in RECUSA_DE_CREDENCIAIS:
            return Outcome(Result.RETRY, failure_of=Party.COMPANY, exchanges=exchanges,
                           mensagem=_login_recusado(f"HTTP {answer.status}"))
        return answer, respostas.ler(answer.body), exchanges

    @staticmethod
    def _sem_xml(answer: Answer, exchanges: tuple[Exchange, ...]) -> Outcome:
        mensagem = respostas.texto(answer.body)
        if answer.status < 500 and mensagem and not mensagem.startswith("<"):
            return Outcome(Result.REJECTED, exchanges=exchanges,
                           erros=(Erro(str(answer.status), mensagem[:1000]),))
        return Outcome(Result.UNKNOWN, exchanges=exchanges, mensagem=f"Resposta ilegível da "
                       f"prefeitura (SigISSWeb, HTTP {answer.status})")

    @staticmethod
    def _autorizada(root: etree._Element, emitida: respostas.NotaSigiss,
                    exchanges: tuple[Exchange, ...]) -> Outcome:
        return Outcome(Result.AUTHORIZED, numero=emitida.numero,
                       codigo_verificacao=emitida.codigo_verificacao,
                       chave_acesso=emitida.serie or None, data_emissao=emitida.data_emissao,
                       xml=etree.tostring(root, xml_declaration=True, encoding="UTF-8"),
                       exchanges=exchanges,
                       mensagem="A NFS-e consta como cancelada na prefeitura"
                       if emitida.cancelada else None)

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        try:
            documento = documentos.emissao(nota, rps)
        except DocumentoInvalido as exc:
            return DryRun(None, exc.erros)
        return DryRun(etree.tostring(etree.fromstring(documento), xml_declaration=True,
                                     encoding="UTF-8"))

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        try:
            documento = documentos.emissao(nota, rps)
        except DocumentoInvalido as exc:
            return Outcome(Result.REJECTED, erros=exc.erros)
        sent = self._send("POST", "rest/nfes", documento, nota, emissor, "emissao")
        if isinstance(sent, Outcome):
            return sent
        answer, root, exchanges = sent
        if root is None:
            return self._sem_xml(answer, exchanges)
        erros = tuple(respostas.erros(root))
        if erros:
            return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)
        emitida = respostas.nota(root)
        if emitida is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges, mensagem="A prefeitura "
                           "(SigISSWeb) respondeu sem NFS-e e sem erros; consultando o RPS")
        return self._autorizada(root, emitida, exchanges)

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """``pegaxml`` of the RPS: AUTHORIZED with the note; NOT_FOUND when SigISSWeb
        answers only with codes the profile lists in ``codigos_rps_nao_encontrado`` (none
        published); UNKNOWN otherwise."""
        caminho = f"rest/nfes/pegaxml/{rps.numero}/serierps/{quote(rps.serie, safe='')}"
        sent = self._send("GET", caminho, b"", nota, emissor, "consulta_rps")
        if isinstance(sent, Outcome):
            return Outcome(Result.UNKNOWN, mensagem=sent.mensagem, erros=sent.erros,
                           exchanges=sent.exchanges, failure_of=sent.failure_of)
        answer, root, exchanges = sent
        if root is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges, mensagem=f"Consulta do RPS "
                           f"sem resposta útil (HTTP {answer.status})")
        emitida = respostas.nota(root)
        if emitida is not None:
            return self._autorizada(root, emitida, exchanges)
        erros = respostas.erros(root)
        nao_encontrado = frozenset(emissor.opcoes.get("codigos_rps_nao_encontrado", ()))
        if erros and all(e.codigo in nao_encontrado for e in erros):
            return Outcome(Result.NOT_FOUND, exchanges=exchanges)
        return Outcome(Result.UNKNOWN, erros=tuple(erros), exchanges=exchanges,
                       mensagem="A consulta do RPS não disse se a NFS-e existe")

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome:
        """``cancela`` of NFS-e ``numero`` of series ``chave_acesso`` (what ``emit`` kept),
        the justification in the path."""
        if not numero.isdigit() or not chave_acesso:
            return Outcome(Result.REJECTED, erros=(Erro(
                "numero_invalido", f"NFS-e sem número ou série conhecidos: {numero}", None),))
        caminho = (f"rest/nfes/cancela/{numero}/serie/{quote(chave_acesso, safe='')}/motivo/"
                   f"{quote(justificativa, safe='')}")
        sent = self._send("GET", caminho, b"", nota, emissor, "cancelamento")
        if isinstance(sent, Outcome):
            return sent
        answer, root, exchanges = sent
        if root is None:
            return self._sem_xml(answer, exchanges)
        erros = tuple(respostas.erros(root))
        if erros:
            return Outcome(Result.REJECTED, erros=erros, exchanges=exchanges)
        if (root.findtext("protocolo") or "").strip():
            return Outcome(Result.AUTHORIZED, numero=numero, xml=answer.body,
                           exchanges=exchanges)
        return Outcome(Result.UNKNOWN, exchanges=exchanges,
                       mensagem="A prefeitura (SigISSWeb) não confirmou o cancelamento")
