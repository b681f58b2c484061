"""What every dialect shares with the Sefin's API: the same signed DPS, the same transport
and failure handling (``NacionalProvider``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from nfse.providers.base import (
    RECUSA_DE_CREDENCIAIS,
    Emissor,
    Erro,
    Exchange,
    Outcome,
    Party,
    Result,
    Rps,
    credenciais_ausentes,
    credenciais_recusadas,
    falha_de_envio,
)
from nfse.providers.nacional.dps import DpsInvalida, build_dps, dps_id
from nfse.providers.nacional.parametros import Servico, servico_municipal
from nfse.providers.transport import Answer, NotSent, Refused, Unknown

if TYPE_CHECKING:
    from nfse.model.nota import Nota
    from nfse.providers.nacional.provider import NacionalProvider


def documento(provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
              ) -> tuple[bytes, str | None] | Outcome:
    """The signed DPS the Sefin would receive and the notice of what it assumed (as
    ``NacionalProvider.emit`` builds it), or the refusal of a DPS that cannot be built."""
    lugar = provider.municipio(nota, emissor)
    try:
        xml = build_dps(nota, rps, emissor, municipio_ativo=lugar.ativo,
                        aliquota_municipal=lugar.aliquota)
    except DpsInvalida as exc:
        erros = tuple(Erro(p.codigo, p.mensagem, p.correcao) for p in exc.problemas) or (
            Erro("requisicao_invalida", str(exc)),)
        return Outcome(Result.REJECTED, erros=erros, mensagem=lugar.aviso)
    return xml, lugar.aviso


def chamar(provider: NacionalProvider, method: str, url: str, emissor: Emissor, nome: str,
           pedido: bytes, corpo: dict[str, Any] | None = None, *, content: bytes | None = None,
           headers: dict[str, str] | None = None
           ) -> tuple[Answer, tuple[Exchange, ...]] | Outcome:
    """One request (JSON ``corpo`` or raw ``content``): the answer and its exchange (the
    document ``pedido`` as the request sent, for the record); or the Outcome of a transport
    failure (RETRY or UNKNOWN, as the Sefin's)."""
    try:
        answer = provider.transport.request(method, url, emissor.a1, emissor.ca_file,
                                            emissor.timeout, corpo, content=content,
                                            headers=headers, proxy=emissor.proxy)
    except Refused as exc:
        if exc.answer is None or not headers or "Authorization" not in headers:
            return falha_de_envio(exc, nome, pedido, "", "")
        answer = exc.answer  # an HTTP 403 to a request that carries the company's credential
    except (NotSent, Unknown) as exc:
        return falha_de_envio(exc, nome, pedido, "Autoridade inacessível",
                              "Sem resposta da autoridade")
    exchanges = (Exchange(name=nome, request=pedido, response=answer.body),)
    if headers and "Authorization" in headers and answer.status in RECUSA_DE_CREDENCIAIS:
        return Outcome(Result.RETRY, failure_of=Party.COMPANY, exchanges=exchanges,
                       mensagem=credenciais_recusadas(
                           f"O sistema da prefeitura recusou as credenciais da empresa (HTTP "
                           f"{answer.status})", "das credenciais da empresa",
                           "login_responsavel e senha_responsavel"))
    return answer, exchanges


def sem_credenciais(o_que: str) -> Outcome:
    """The refusal of a note whose company lacks the credential the system asks
    (``o_que``: which fields of the company hold it)."""
    return Outcome(Result.REJECTED, erros=(credenciais_ausentes(
        "O sistema da prefeitura autentica a empresa por credenciais próprias (além do "
        "certificado), e a empresa não as tem cadastradas", o_que),))


def _lower(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k).lower(): _lower(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_lower(v) for v in obj]
    return obj


def json_de(body: bytes) -> Any:
    """A JSON answer (object or list) with lower-case keys; None when it is not JSON."""
    try:
        return _lower(json.loads(body))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def na_sefin(nacional: dict[str, tuple[str, str | None]], emissor: Emissor) -> Emissor:
    """``emissor`` towards the Sefin Nacional (``nacional``: its address and trust store by
    environment), for a system whose notes the national environment answers for."""
    url, ca_file = nacional[emissor.ambiente]
    return replace(emissor, base_url=url, ca_file=ca_file, opcoes={})


def consulta_nacional(provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor,
                      nacional: dict[str, tuple[str, str | None]]) -> Outcome:
    """The note at the Sefin Nacional, by the DPS's id, for a system that shares its notes
    with the national environment. A DPS not (yet) known there is not "not found": the
    system may have it still unshared, and sending it again could issue it twice; the note
    stays in processing until the national environment answers or the processing deadline
    ends it."""
    consulta = provider.query(nota, rps, na_sefin(nacional, emissor))
    if consulta.result == Result.NOT_FOUND:
        return replace(consulta, result=Result.UNKNOWN, mensagem=(
            f"A DPS {dps_id(nota, rps)} ainda não consta no ambiente nacional"))
    return consulta


DUPLICADA = "E0014"
"""The Sefin's code for a DPS whose id was already received, which the dialects answer too:
an earlier attempt issued the note."""
JA_EMITIDA = "A DPS já gerou uma NFS-e numa tentativa anterior; consultando a nota"


def sem_nota(status: int, erros: list[Erro], exchanges: tuple[Exchange, ...],
             aviso: str | None) -> Outcome:
    """An emission's answer without the note: UNKNOWN when the server failed or said
    nothing, or when the DPS was already received (the query finds the note); its messages
    refuse the note otherwise."""
    if status >= 500 or status in (408, 429) or not erros:
        return Outcome(Result.UNKNOWN, exchanges=exchanges,
                       mensagem=f"Resposta inesperada da autoridade (HTTP {status})")
    if any(e.codigo == DUPLICADA for e in erros):
        return Outcome(Result.UNKNOWN, exchanges=exchanges, erros=tuple(erros),
                       mensagem=JA_EMITIDA)
    return Outcome(Result.REJECTED, exchanges=exchanges, erros=tuple(erros), mensagem=aviso)


def recebida(consulta: Outcome, exchanges: tuple[Exchange, ...], erros: list[Erro],
             aviso: str | None, mensagem: str) -> Outcome:
    """A DPS the system received (or had received): the note ``consulta`` (the query that
    followed) found, with the exchanges of both; UNKNOWN with ``mensagem`` otherwise."""
    if consulta.result == Result.AUTHORIZED:
        return replace(consulta, exchanges=exchanges + consulta.exchanges,
                       mensagem=consulta.mensagem or aviso)
    return Outcome(Result.UNKNOWN, exchanges=exchanges + consulta.exchanges,
                   erros=tuple(erros), mensagem=mensagem)


ENDERECO_AUSENTE = "endereco_empresa_ausente"


def sem_endereco(faltam: list[str]) -> Outcome:
    """The refusal of a note whose company lacks the address the ``emit`` group of the NFS-e
    the emitter builds needs (``nfse_emitente``: SilTecnologia, Citta)."""
    return Outcome(Result.REJECTED, erros=(Erro(
        ENDERECO_AUSENTE,
        "O sistema da prefeitura recebe a NFS-e montada pelo emitente, que leva o endereço "
        "cadastrado do prestador, e a empresa não o tem completo (falta: "
        + ", ".join(faltam) + ")",
        "Informe logradouro, numero, bairro e cep da empresa em PUT /v2/empresas/ID"),),)


def aliquota_do_servico(provider: NacionalProvider, nota: Nota, emissor: Emissor
                        ) -> Decimal | None:
    """The rate of the NFS-e the emitter builds when its DPS has no pAliq: the note's, else
    the municipality's for the service in the ADN parameters (when they are consulted)."""
    if nota.servico.aliquota or not emissor.parametros_url:
        return nota.servico.aliquota
    achado = provider.parametros.servico(nota.prestador.codigo_municipio,
                                         servico_municipal(nota),
                                         nota.data_competencia.isoformat(), emissor)
    return achado.aliquota if isinstance(achado, Servico) else None


class Recibo(Protocol):
    """What a system's answer to a document says (``betha.Resposta`` and its kin): its
    protocol, its errors (notices left out) and whether it is a SOAP Fault of the client."""

    protocolo: str
    erros: list[Erro]
    falha_do_cliente: bool


def _recusado(status: int, resposta: Recibo) -> bool:
    return bool(resposta.erros) and (resposta.falha_do_cliente or status < 500)


def apos_recepcao(status: int, resposta: Recibo, recebido: bool,
                  exchanges: tuple[Exchange, ...], aviso: str | None,
                  consultar: Callable[[], Outcome], mensagem: str) -> Outcome:
    """The outcome of a system's answer to an emission whose note the national environment
    serves (Betha, SilTecnologia): its errors refuse the note (a server's leave it in
    processing); a DPS already received (E0014) or a receipt (``recebido``) is followed by
    the query ``consultar``, answered with ``mensagem`` while the note is not found."""
    duplicada = any(e.codigo == DUPLICADA for e in resposta.erros)
    if _recusado(status, resposta) and not duplicada:
        return Outcome(Result.REJECTED, exchanges=exchanges, erros=tuple(resposta.erros),
                       mensagem=aviso)
    if not recebido and not duplicada:
        return Outcome(Result.UNKNOWN, exchanges=exchanges,
                       mensagem=f"Resposta inesperada da autoridade (HTTP {status})")
    return recebida(consultar(), exchanges, resposta.erros, aviso,
                    JA_EMITIDA if duplicada else mensagem)


EVENTO_BLOQUEADO = "E0840"
"""The Sefin's code for a note that already has a cancellation event."""


def apos_pedido_de_cancelamento(provider: NacionalProvider, chave: str, numero: str,
                                nacional: Emissor, sistema: str,
                                sent: tuple[int, Recibo, tuple[Exchange, ...]] | Outcome
                                ) -> Outcome:
    """The outcome of a cancellation sent to a system whose events the national environment
    serves (``nacional``): the event read there after a receipt, a lost answer or an E0840;
    the system's errors otherwise."""
    if isinstance(sent, Outcome):
        if sent.result == Result.UNKNOWN:  # the request may have arrived: ask
            return provider._cancelamento_registrado(chave, numero, nacional, sent)
        return sent
    status, resposta, exchanges = sent
    if _recusado(status, resposta):
        recusa = Outcome(Result.REJECTED, exchanges=exchanges, erros=tuple(resposta.erros))
        if any(e.codigo == EVENTO_BLOQUEADO for e in resposta.erros):
            return provider._cancelamento_registrado(chave, numero, nacional, recusa)
        return recusa
    mensagem = (f"Pedido de cancelamento recebido pelo sistema {sistema} (protocolo "
                f"{resposta.protocolo}); o evento é consultado no ambiente nacional"
                if resposta.protocolo else f"Resposta inesperada da autoridade (HTTP {status})")
    return provider._cancelamento_registrado(chave, numero, nacional, Outcome(
        Result.UNKNOWN, exchanges=exchanges, mensagem=mensagem))
