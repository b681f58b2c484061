"""Pronim's dialect (``cidade360.cloud/Nfse.Api/NotaNacional``): the signed DPS and the
signed cancellation request travel as the Sefin's do (gzip, then Base64), but in a lot,
``{"loteXmlGZipB64": [...]}``, both to ``POST {base}/EnviarSincrono``; the answer is
``{"dataHoraProcessamento", "lote": [{"id", "chaveAcesso", "xmlGZipB64", "erros"...}]}``, the
NFS-e (or the event) in ``xmlGZipB64``, errors in the Sefin's format. Queries are Pronim's own:
``GET {base}/ConsultarDPS/{CNPJ}/{série}/{número}`` (``{"notas": [{"chave",
"xmlGZipB64"}]}``), ``/ConsultarNFSe/{chave}`` (``{"total", "notas": [{"xmlGZipB64",
"situacao"}]}``) and ``/ConsultarEventos/{chave}`` (a list of ``{"tipo", "dataInclusao",
"xmlGZipB64"}``).

Facts from ACBr's ``Provedores/Pronim.Provider.pas``, class ``TACBrNFSeProviderPronimAPIPropria``
(edsontmarques/ACBr 7be4dac, 2026-06-28), and its ``[Pronim]`` section of
``ACBrNFSeXServicos.ini`` (``APIPropria``; only the distribution, the parameters and the DANFSE
stay at the Sefin's services). What ACBr does not show — the HTTP status of a refusal, the
answer to a query for an unknown DPS — is read as the Sefin's: a 404 or an empty ``notas`` is
"not found", a 5xx is not an answer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from nfse.providers.base import Emissor, Erro, Exchange, Outcome, Result, Rps
from nfse.providers.nacional import respostas
from nfse.providers.nacional.dialetos.comum import chamar, documento, json_de, sem_nota
from nfse.providers.nacional.dps import DpsInvalida
from nfse.providers.nacional.evento import pedido_cancelamento

if TYPE_CHECKING:
    from nfse.model.nota import Nota
    from nfse.providers.nacional.provider import NacionalProvider

EVENTO_BLOQUEADO = "E0840"
CANCELAMENTO = "101101"


def _item(parsed: dict[str, Any] | None) -> dict[str, Any] | None:
    """The first (only) item of a lot's answer."""
    lote = parsed.get("lote") if parsed else None
    if isinstance(lote, list) and lote and isinstance(lote[0], dict):
        return lote[0]
    return None


def _notas(parsed: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    notas = parsed.get("notas") if parsed else None
    if not isinstance(notas, list):
        return None
    return [n for n in notas if isinstance(n, dict)]


class Pronim:
    def _lote(self, provider: NacionalProvider, emissor: Emissor, xml: bytes, nome: str
              ) -> tuple[int, dict[str, Any] | None, tuple[Exchange, ...]] | Outcome:
        """POST one document in a lot: the status, the JSON answer and the exchange."""
        sent = chamar(provider, "POST", f"{emissor.base_url}/EnviarSincrono", emissor, nome,
                      xml, {"loteXmlGZipB64": [respostas.pack(xml)]})
        if isinstance(sent, Outcome):
            return sent
        answer, exchanges = sent
        return answer.status, respostas.json_of(answer.body), exchanges

    def emit(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
             ) -> Outcome:
        feito = documento(provider, nota, rps, emissor)
        if isinstance(feito, Outcome):
            return feito
        xml, aviso = feito
        sent = self._lote(provider, emissor, xml, "emissao")
        if isinstance(sent, Outcome):
            return sent
        status, parsed, exchanges = sent
        item = _item(parsed)
        if item and item.get("chaveacesso") and item.get("xmlgzipb64"):
            return provider._authorized(item["chaveacesso"], item["xmlgzipb64"], exchanges,
                                        aviso)
        erros = respostas.erros_of(item or parsed or {})
        return sem_nota(status, erros, exchanges, aviso)

    def query(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
              ) -> Outcome:
        inscricao = nota.prestador.cnpj or nota.prestador.cpf or ""
        caminho = f"ConsultarDPS/{inscricao}/{int(rps.serie)}/{rps.numero}"
        sent = chamar(provider, "GET", f"{emissor.base_url}/{caminho}", emissor,
                      "consulta_dps", caminho.encode())
        if isinstance(sent, Outcome):
            return replace(sent, result=Result.UNKNOWN)
        answer, exchanges = sent
        status, parsed = answer.status, respostas.json_of(answer.body)
        notas = _notas(parsed)
        if status == 404 or (status == 200 and notas == [] and not respostas.erros_of(parsed
                                                                                      or {})):
            return Outcome(Result.NOT_FOUND, exchanges=exchanges)
        nota_dps = next((n for n in notas or () if n.get("chave") and n.get("xmlgzipb64")),
                        None)
        if status != 200 or nota_dps is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Consulta da DPS sem resposta útil (HTTP {status})")
        return provider._authorized(nota_dps["chave"], nota_dps["xmlgzipb64"], exchanges)

    def cancel(self, provider: NacionalProvider, nota: Nota, chave: str, numero: str,
               justificativa: str, emissor: Emissor) -> Outcome:
        try:
            xml = pedido_cancelamento(nota, chave, justificativa, emissor)
        except DpsInvalida as exc:
            return Outcome(Result.REJECTED, erros=(Erro("requisicao_invalida", str(exc)),))
        sent = self._lote(provider, emissor, xml, "cancelamento")
        if isinstance(sent, Outcome):
            if sent.result == Result.UNKNOWN:  # the request may have arrived: ask
                return self._registrado(provider, chave, numero, emissor, sent)
            return sent
        status, parsed, exchanges = sent
        item = _item(parsed)
        if item and item.get("xmlgzipb64"):
            return Outcome(Result.AUTHORIZED, xml=respostas.unpack(item["xmlgzipb64"]),
                           chave_acesso=chave, numero=numero, exchanges=exchanges)
        erros = tuple(respostas.erros_of(item or parsed or {}))
        if status >= 500 or parsed is None or not erros:
            return self._registrado(provider, chave, numero, emissor, Outcome(
                Result.UNKNOWN, exchanges=exchanges,
                mensagem=f"Resposta inesperada da autoridade (HTTP {status})"))
        if any(e.codigo == EVENTO_BLOQUEADO for e in erros):  # an earlier attempt went through
            return self._registrado(provider, chave, numero, emissor, Outcome(
                Result.REJECTED, exchanges=exchanges, erros=erros))
        return Outcome(Result.REJECTED, exchanges=exchanges, erros=erros)

    def _registrado(self, provider: NacionalProvider, chave: str, numero: str,
                    emissor: Emissor, otherwise: Outcome) -> Outcome:
        """The cancellation event of the note, if Pronim lists it; else ``otherwise``."""
        caminho = f"ConsultarEventos/{chave}"
        sent = chamar(provider, "GET", f"{emissor.base_url}/{caminho}", emissor,
                      "consulta_evento", caminho.encode())
        if isinstance(sent, Outcome):
            return otherwise
        answer, exchanges = sent
        eventos = json_de(answer.body) if answer.status == 200 else None
        if not isinstance(eventos, list):
            return otherwise
        evento = next((e for e in eventos if isinstance(e, dict)
                       and str(e.get("tipo")) == CANCELAMENTO and e.get("xmlgzipb64")), None)
        if evento is None:
            return otherwise
        return Outcome(Result.AUTHORIZED, xml=respostas.unpack(evento["xmlgzipb64"]),
                       chave_acesso=chave, numero=numero,
                       exchanges=otherwise.exchanges + exchanges)
