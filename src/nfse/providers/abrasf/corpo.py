"""Where an ABRASF 2.0x system wants the request document in the SOAP body, and the shape of
its SOAPAction, as profile options (docs/abrasf-layouts.md, "Onde vai o documento"). The
reference WSDL carries two strings, ``nfseCabecMsg`` and ``nfseDadosMsg``; other systems
take the document as elements inside the operation (Fiorilli, DSF), as the body itself
(Tinus), as the one string parameter ``xml`` (Fisco, SigCorp) or as the operation's content,
the document's root replaced by the operation (IPM 2.04).

Keys (default first):

- ``forma_documento``: ``"cabecalho_dados"``, ``"elementos"``, ``"corpo"``,
  ``"parametro_xml"`` or ``"conteudo"`` (the root's children inside the operation, without
  namespace: ACBr ``IPM.Provider.pas``, class 204, ``SeparaDados``) or ``"cabecalho_xml"``
  (the reference WSDL's two strings named ``cabecalho`` and ``xml``: fintelISS,
  ``fintelISS.Provider.pas``) or ``"rest_xml"`` (no SOAP: the document is the body of a POST
  to a path of its own, PublicSoft; ``nfse.providers.abrasf.rest``) or ``"genexus"`` (Coplan
  2.01: ``nfse.providers.genexus``, the header and the document in CDATA inside
  ``<trib:nfse_web_service.<OPERAÇÃO>>``; ``nomes_operacao`` still renames an operation).
- ``envio_teste``: ``false``, or ``true`` where a homologação call starts the operation's
  content with ``<EnvioTeste>1</EnvioTeste>`` (IPM 2.04: validated, not emitted).
- ``forma_acao``: the SOAPAction as a template of ``{prefixo}`` (``prefixo_acao``, else
  ``namespace_servico``), ``{operacao}`` (the system's name of the operation) and
  ``{documento}`` (the request document's root, ``GerarNfseEnvio``); default
  ``"{prefixo}/{operacao}"``; ``""`` sends an empty SOAPAction (DSF).
- ``operacao_minuscula``: ``false``, or ``true`` where the operation's name starts in lower
  case in the body and the action (``gerarNfse``: Fiorilli, Fisco).
- ``documento_sem_namespace``: ``false``, or ``true`` where the document travels without
  the ABRASF namespace (DSF, Fisco). It is signed and schema-checked with the namespace, as the
  schema defines it, and the declaration is dropped only from the bytes sent.
- ``credenciais_no_corpo``: ``false``, or ``true`` where ``<username>`` and ``<password>``
  (the company's login at the municipality) follow the document in the operation (Fiorilli).
- ``conciliacao_cancelamento``: ``"ConsultarNfsePorFaixa"``, or ``"CancelarNfse"`` where the
  system has no range query (Tinus): a cancellation whose answer was lost is sent once more,
  and the system's "already cancelled" answer (``codigos_nfse_cancelada``) confirms it."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FORMAS_DOCUMENTO = ("cabecalho_dados", "elementos", "corpo", "parametro_xml", "conteudo",
                    "cabecalho_xml", "rest_xml", "genexus")
CONCILIACOES_CANCELAMENTO = ("ConsultarNfsePorFaixa", "CancelarNfse")
ACAO_PADRAO = "{prefixo}/{operacao}"
CAMPOS_ACAO = frozenset({"prefixo", "operacao", "documento"})
BOOLEANOS = ("operacao_minuscula", "documento_sem_namespace", "credenciais_no_corpo",
             "envio_teste")
CHAVES = frozenset({"forma_documento", "forma_acao", "conciliacao_cancelamento", *BOOLEANOS})


@dataclass(frozen=True)
class Corpo:
    forma_documento: str = "cabecalho_dados"
    forma_acao: str = ACAO_PADRAO
    operacao_minuscula: bool = False
    documento_sem_namespace: bool = False
    credenciais_no_corpo: bool = False
    conciliacao_cancelamento: str = "ConsultarNfsePorFaixa"
    envio_teste: bool = False

    def operacao(self, nome: str) -> str:
        """The operation's name as the system writes it (``gerarNfse``)."""
        return nome[:1].lower() + nome[1:] if self.operacao_minuscula else nome

    def acao(self, prefixo: str, operacao: str, documento: str) -> str:
        return self.forma_acao.format(prefixo=prefixo.rstrip("/"),
                                      operacao=self.operacao(operacao), documento=documento)


def _campos(modelo: str) -> set[str]:
    return {campo for _, campo, _, _ in string.Formatter().parse(modelo) if campo is not None}


def ler(opcoes: Mapping[str, Any]) -> Corpo:
    """The options of ``CHAVES`` found in ``opcoes``; ``ValueError`` (in Portuguese) for a
    value out of range."""
    forma = opcoes.get("forma_documento", FORMAS_DOCUMENTO[0])
    if forma not in FORMAS_DOCUMENTO:
        raise ValueError(f"opção ABRASF forma_documento={forma!r} desconhecida; aceitos: "
                         + ", ".join(repr(v) for v in FORMAS_DOCUMENTO))
    conciliacao = opcoes.get("conciliacao_cancelamento", CONCILIACOES_CANCELAMENTO[0])
    if conciliacao not in CONCILIACOES_CANCELAMENTO:
        raise ValueError(f"opção ABRASF conciliacao_cancelamento={conciliacao!r} desconhecida;"
                         " aceitos: " + ", ".join(repr(v) for v in CONCILIACOES_CANCELAMENTO))
    acao = opcoes.get("forma_acao", ACAO_PADRAO)
    try:
        valida = isinstance(acao, str) and _campos(acao) <= CAMPOS_ACAO
    except ValueError:
        valida = False
    if not valida:
        raise ValueError(f"opção ABRASF forma_acao={acao!r}: informe um texto com "
                         "{prefixo}, {operacao} ou {documento}")
    booleanos = {}
    for chave in BOOLEANOS:
        valor = opcoes.get(chave, False)
        if not isinstance(valor, bool):
            raise ValueError(f"opção ABRASF {chave}={valor!r}: informe true ou false")
        booleanos[chave] = valor
    return Corpo(forma_documento=forma, forma_acao=acao.strip(),
                 conciliacao_cancelamento=conciliacao, **booleanos)
