"""ModernizacaoPublica's dialect (``<cidade>/nfe/ReceberDPS.rule?sys=NFE``: Belford Roxo,
Magé...): the signed DPS, as plain XML (not the Sefin's JSON), by ``POST`` to the city's
address with ``Authorization: Basic <usuário:senha>`` — the company's user at the city's
system (``login_responsavel``/``senha_responsavel``), "needed in produção". The answer is
JSON: ``chave_acesso`` (or ``chaveAcesso``), the NFS-e as XML text in ``xml``, errors in the
Sefin's format (``erros``/``erro``), or ``{"sucesso": "false", "mensagem"}``. The signed
cancellation request (``pedRegEvento``) goes to the same address the same way and is answered
as the Sefin answers it (``eventoXmlGZipB64``). Queries — by DPS, by key, of events — are the
Sefin Nacional's: the city shares its notes with the national environment.

Facts from ACBr's ``Provedores/ModernizacaoPublica.Provider.pas``, class
``TACBrNFSeProviderModernizacaoPublicaAPIPropria`` (edsontmarques/ACBr 7be4dac, 2026-06-28:
``PrepararArquivoEnvio``, ``TratarRetornoEmitir``, ``SetHeaders``, ``TratarXmlRetornado``), the
``[ModernizacaoPublica]`` section of ``ACBrNFSeXServicos.ini`` (``ServicosPadraoNacional:
ConsultarNFSeRps,ConsultarNFSePorChave,ConsultarEvento...``; a city gives only
``ProRecepcionar``/``HomRecepcionar``, which ACBr uses for every other operation too,
``ACBrNFSeXParametros.pas``). ACBr sends the XML labelled ``application/json`` (its REST
default), kept here.
"""

from __future__ import annotations

import base64
import html
from typing import TYPE_CHECKING, Any

from nfse.providers.base import Emissor, Erro, Exchange, Outcome, Result, Rps
from nfse.providers.nacional import respostas
from nfse.providers.nacional.dialetos.comum import (
    chamar,
    consulta_nacional,
    documento,
    json_de,
    na_sefin,
    sem_credenciais,
    sem_nota,
)
from nfse.providers.nacional.dps import DpsInvalida
from nfse.providers.nacional.evento import pedido_cancelamento

if TYPE_CHECKING:
    from nfse.model.nota import Nota
    from nfse.providers.nacional.provider import NacionalProvider

EVENTO_BLOQUEADO = "E0840"
CREDENCIAIS = "login_responsavel e senha_responsavel (o usuário e a senha da empresa no " \
              "sistema de NFS-e da prefeitura)"


def _erros(parsed: dict[str, Any]) -> list[Erro]:
    """The Sefin's errors of the answer, or its ``mensagem`` when it says ``sucesso``
    false."""
    erros = respostas.erros_of(parsed)
    if not erros and str(parsed.get("sucesso")).lower() == "false" and parsed.get("mensagem"):
        erros = [Erro("sem_codigo", str(parsed["mensagem"]).strip())]
    return erros


def _nfse(texto: str) -> bytes:
    """The NFS-e of the answer's ``xml``, its markup unescaped when it came escaped (ACBr:
    ``TrocaEscapeporConchete``)."""
    texto = texto.strip()
    return (html.unescape(texto) if texto.startswith("&lt;") else texto).encode()


class Modernizacao:
    def __init__(self, nacional: dict[str, tuple[str, str | None]]):
        self.nacional = nacional
        """The Sefin Nacional's address and trust store by environment
        (``NacionalProvider.address``)."""

    def _post(self, provider: NacionalProvider, emissor: Emissor, xml: bytes, nome: str
              ) -> tuple[int, dict[str, Any] | None, tuple[Exchange, ...]] | Outcome:
        credencial = base64.b64encode(f"{emissor.login}:{emissor.senha}".encode()).decode()
        sent = chamar(provider, "POST", emissor.base_url, emissor, nome, xml, content=xml,
                      headers={"Content-Type": "application/json",
                               "Authorization": f"Basic {credencial}"})
        if isinstance(sent, Outcome):
            return sent
        answer, exchanges = sent
        parsed = json_de(answer.body)
        return answer.status, parsed if isinstance(parsed, dict) else None, exchanges

    def emit(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
             ) -> Outcome:
        if not emissor.login or not emissor.senha:
            return sem_credenciais(CREDENCIAIS)
        feito = documento(provider, nota, rps, emissor)
        if isinstance(feito, Outcome):
            return feito
        xml, aviso = feito
        sent = self._post(provider, emissor, xml, "emissao")
        if isinstance(sent, Outcome):
            return sent
        status, parsed, exchanges = sent
        chave = (parsed or {}).get("chave_acesso") or (parsed or {}).get("chaveacesso")
        if parsed and chave and parsed.get("xml"):
            return provider._authorized_xml(chave, _nfse(str(parsed["xml"])), exchanges, aviso)
        erros = _erros(parsed or {})
        return sem_nota(status, erros, exchanges, aviso)

    def query(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
              ) -> Outcome:
        return consulta_nacional(provider, nota, rps, emissor, self.nacional)

    def cancel(self, provider: NacionalProvider, nota: Nota, chave: str, numero: str,
               justificativa: str, emissor: Emissor) -> Outcome:
        if not emissor.login or not emissor.senha:
            return sem_credenciais(CREDENCIAIS)
        try:
            xml = pedido_cancelamento(nota, chave, justificativa, emissor)
        except DpsInvalida as exc:
            return Outcome(Result.REJECTED, erros=(Erro("requisicao_invalida", str(exc)),))
        nacional = na_sefin(self.nacional, emissor)
        sent = self._post(provider, emissor, xml, "cancelamento")
        if isinstance(sent, Outcome):
            if sent.result == Result.UNKNOWN:  # the request may have arrived: ask
                return provider._cancelamento_registrado(chave, numero, nacional, sent)
            return sent
        status, parsed, exchanges = sent
        if parsed and parsed.get("eventoxmlgzipb64"):
            return Outcome(Result.AUTHORIZED, xml=respostas.unpack(parsed["eventoxmlgzipb64"]),
                           chave_acesso=chave, numero=numero, exchanges=exchanges)
        erros = tuple(_erros(parsed or {}))
        if status >= 500 or not erros:
            return provider._cancelamento_registrado(chave, numero, nacional, Outcome(
                Result.UNKNOWN, exchanges=exchanges,
                mensagem=f"Resposta inesperada da autoridade (HTTP {status})"))
        if any(e.codigo == EVENTO_BLOQUEADO for e in erros):  # an earlier attempt went through
            return provider._cancelamento_registrado(chave, numero, nacional, Outcome(
                Result.REJECTED, exchanges=exchanges, erros=erros))
        return Outcome(Result.REJECTED, exchanges=exchanges, erros=erros)
