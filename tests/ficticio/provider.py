"""The provider of the Sistema Fictício: an RPS is POSTed as JSON to ``/rps``, found again
by ``GET /rps/{prestador}/{serie}/{numero}``, and its NFS-e is cancelled by ``POST
/nfse/{numero}/cancelamento``. It implements the ``Provider`` protocol and nothing more: no
substitution, no events, no received notes."""

from __future__ import annotations

import json
from typing import Any

from nfse.config import Settings
from nfse.model.errors import Problema
from nfse.model.nota import Nota
from nfse.municipios.provedores import Rota
from nfse.providers.base import (
    Address,
    Capability,
    DryRun,
    Emissor,
    Erro,
    Exchange,
    Outcome,
    Result,
    Rps,
    address_from_route,
    falha_de_envio,
)
from nfse.providers.transport import Answer, NotSent, Transport, Unknown

NOME = "ficticio"
DISCRIMINACAO_MAXIMA = 200
"""The longest discriminação the Sistema Fictício stores (its one layout rule)."""


class FicticioProvider:
    name = NOME
    capabilities = frozenset({Capability.EMIT, Capability.QUERY, Capability.CANCEL,
                              Capability.DRY_RUN})
    document_field = "rps_xml"

    def __init__(self) -> None:
        self.transport = Transport()

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        return address_from_route(self.name, rota, ambiente, settings)

    def validate(self, nota: Nota) -> list[Problema]:
        if len(nota.servico.discriminacao) > DISCRIMINACAO_MAXIMA:
            return [Problema("servico.discriminacao", "O Sistema Fictício aceita até "
                             f"{DISCRIMINACAO_MAXIMA} caracteres na discriminação")]
        return []

    @staticmethod
    def _rps(nota: Nota, rps: Rps) -> dict[str, Any]:
        return {"prestador": nota.prestador.documento, "serie": rps.serie,
                "numero": rps.numero, "valor": str(nota.servico.valor_servicos),
                "discriminacao": nota.servico.discriminacao}

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        return DryRun(json.dumps(self._rps(nota, rps), ensure_ascii=False).encode())

    def _call(self, method: str, url: str, body: dict | None, emissor: Emissor,
              name: str) -> tuple[Answer, Exchange] | Outcome:
        pedido = json.dumps(body).encode() if body is not None else url.encode()
        try:
            answer = self.transport.request(method, url, emissor.a1, emissor.ca_file,
                                            emissor.timeout, body, proxy=emissor.proxy)
        except (NotSent, Unknown) as exc:
            return falha_de_envio(exc, name, pedido, "Sistema Fictício inacessível",
                                  "Sem resposta do Sistema Fictício")
        return answer, Exchange(name, pedido, answer.body)

    @staticmethod
    def _emitida(answer: Answer, exchanges: tuple[Exchange, ...]) -> Outcome:
        nota = json.loads(answer.body)
        return Outcome(Result.AUTHORIZED, numero=str(nota["numero"]),
                       codigo_verificacao=nota["codigo_verificacao"],
                       xml=nota["xml"].encode(), exchanges=exchanges)

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        sent = self._call("POST", f"{emissor.base_url}/rps", self._rps(nota, rps), emissor,
                          "emissao")
        if isinstance(sent, Outcome):
            return sent
        answer, exchange = sent
        if answer.status == 201:
            return self._emitida(answer, (exchange,))
        if answer.status == 409:  # this RPS is already a note: find it
            return Outcome(Result.UNKNOWN, exchanges=(exchange,),
                           mensagem="O Sistema Fictício já recebeu este RPS")
        if answer.status == 400:
            erro = json.loads(answer.body)
            return Outcome(Result.REJECTED, erros=(Erro(erro["codigo"], erro["mensagem"]),),
                           exchanges=(exchange,))
        return Outcome(Result.UNKNOWN, exchanges=(exchange,),
                       mensagem=f"Resposta inesperada do Sistema Fictício (HTTP {answer.status})")

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        url = f"{emissor.base_url}/rps/{nota.prestador.documento}/{rps.serie}/{rps.numero}"
        sent = self._call("GET", url, None, emissor, "consulta_rps")
        if isinstance(sent, Outcome):
            return sent
        answer, exchange = sent
        if answer.status == 200:
            return self._emitida(answer, (exchange,))
        if answer.status == 404:
            return Outcome(Result.NOT_FOUND, exchanges=(exchange,))
        return Outcome(Result.UNKNOWN, exchanges=(exchange,),
                       mensagem=f"Resposta inesperada do Sistema Fictício (HTTP {answer.status})")

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome:
        sent = self._call("POST", f"{emissor.base_url}/nfse/{numero}/cancelamento",
                          {"justificativa": justificativa}, emissor, "cancelamento")
        if isinstance(sent, Outcome):
            return sent
        answer, exchange = sent
        if answer.status == 200:
            return Outcome(Result.AUTHORIZED, numero=numero,
                           xml=json.loads(answer.body)["xml"].encode(), exchanges=(exchange,))
        return Outcome(Result.REJECTED, exchanges=(exchange,), erros=(Erro(
            "cancelamento_recusado", answer.body.decode("utf-8", "replace")),))
