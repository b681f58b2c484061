"""What an ABRASF answer means, for the 2.0x provider (``abrasf``) and the 1.0 provider
(``abrasf_v1``) alike: a SOAP Fault, an answer without the note, and the answer of the RPS
query (ConsultarNfsePorRps). Each provider finds the note in its own layout and builds its
own AUTHORIZED outcome; the rest is the same in both versions of the standard."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from lxml import etree

from nfse.providers.abrasf import respostas, soap
from nfse.providers.abrasf.variante import Variante, normalizar_codigo
from nfse.providers.base import Erro, Exchange, Outcome, Result, Rps
from nfse.providers.transport import Answer

Sent = tuple[Answer, etree._Element | soap.Falha | None, Exchange]
"""What a provider's ``_send`` gives back when the request was answered: the answer, what
it carries (the answer document, a Fault, or None when unreadable) and the exchange."""


def codigos(erros: Iterable[Erro]) -> set[str]:
    return {normalizar_codigo(e.codigo) for e in erros}


def falha(falha: soap.Falha, exchanges: tuple[Exchange, ...]) -> Outcome:
    """A SOAP Fault: the client's means refused (REJECTED); the server's may come after the
    municipality acted (UNKNOWN: ask before anything else)."""
    if falha.do_cliente:
        return Outcome(Result.REJECTED, exchanges=exchanges, erros=(Erro(
            f"soap:{falha.codigo}", falha.mensagem or "Falha SOAP sem descrição",
            "A prefeitura recusou a mensagem SOAP"),))
    return Outcome(Result.UNKNOWN, exchanges=exchanges,
                   mensagem=f"Falha SOAP da prefeitura ({falha.codigo}): {falha.mensagem}")


def sem_nota(parsed: etree._Element, variante: Variante, exchanges: tuple[Exchange, ...],
             status: int) -> Outcome:
    """An emission's answer without the note: its messages refuse the note (REJECTED), say
    the RPS was already received (UNKNOWN: the query finds the note), or are missing
    (UNKNOWN)."""
    erros = tuple(respostas.erros(parsed))
    if not erros:
        return Outcome(Result.UNKNOWN, exchanges=exchanges,
                       mensagem="A prefeitura respondeu sem NFS-e e sem mensagens "
                                f"(HTTP {status}); consultando o RPS")
    if codigos(erros) & variante.codigos_rps_duplicado:
        return Outcome(Result.UNKNOWN, exchanges=exchanges, erros=erros,
                       mensagem="O RPS já foi recebido numa tentativa anterior; "
                                "consultando a nota")
    return Outcome(Result.REJECTED, exchanges=exchanges, erros=erros)


def consulta_rps(sent: Sent | Outcome, rps: Rps, variante: Variante,
                 comp_nfse: Callable[[etree._Element, Rps], etree._Element | None],
                 autorizada: Callable[[etree._Element, etree._Element, tuple[Exchange, ...]],
                                      Outcome]) -> Outcome:
    """The answer of ConsultarNfsePorRps: ``autorizada(comp, answer, exchanges)`` when
    ``comp_nfse`` finds the RPS's note in it, NOT_FOUND when every message is a not-found
    code of the variant, UNKNOWN otherwise (also when the query could not be sent)."""
    if isinstance(sent, Outcome):
        return Outcome(Result.UNKNOWN, mensagem=sent.mensagem, exchanges=sent.exchanges,
                       failure_of=sent.failure_of)
    answer, parsed, exchange = sent
    exchanges = (exchange,)
    if isinstance(parsed, soap.Falha):
        return Outcome(Result.UNKNOWN, exchanges=exchanges,
                       mensagem=f"Falha SOAP na consulta do RPS ({parsed.codigo}): "
                                f"{parsed.mensagem}")
    if parsed is None:
        return Outcome(Result.UNKNOWN, exchanges=exchanges,
                       mensagem=f"Consulta do RPS sem resposta útil (HTTP {answer.status})")
    comp = comp_nfse(parsed, rps)
    if comp is not None:
        return autorizada(comp, parsed, exchanges)
    erros = tuple(respostas.erros(parsed))
    encontrados = codigos(erros)
    if encontrados and encontrados <= variante.codigos_rps_nao_encontrado:
        return Outcome(Result.NOT_FOUND, erros=erros, exchanges=exchanges)
    return Outcome(Result.UNKNOWN, erros=erros, exchanges=exchanges,
                   mensagem="A consulta do RPS não disse se a NFS-e existe")
