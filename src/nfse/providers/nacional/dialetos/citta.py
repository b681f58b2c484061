"""Citta's dialect (``<cidade>.cittaweb.com.br/nfse/api/public/nacional``; homologação
``homologacao.cittaweb.com.br/nfse/api/public/nacional``): a JSON API that takes, like
SilTecnologia, the NFS-e the emitter builds and signs around the DPS
(``nfse.providers.nacional.nfse_emitente``), here with ``nNFSe`` the DPS's number (ACBr's
default: the official schema applies unchanged), gzip+Base64 in a lot:
``POST {base}`` with ``{"LoteXmlGZipB64": ["..."]}``. The answer is the lot's:
``{"DataHoraProcessamento", "Lote": [{"id", "ChaveAcesso", "xmlGZipB64", "Erros"}]}``, the
NFS-e as the system keeps it in ``xmlGZipB64``. The cancellation is the national ``evento``
(``versao`` 1.00, ``ambGer`` the environment's ``tpAmb``, ``nSeqEvento`` 1, ``nDFSe`` the
note's number taken from the key) around the unsigned request, ``infEvento`` signed by the
emitter, in the same kind of lot at ``POST {base}/eventos``; its answer carries only errors.
The queries by key and of events are the Sefin Nacional's.

Facts from ACBr's ``Provedores/Citta.Provider.pas`` and ``Citta.GravarXml.pas`` (classes
``...CittaAPIPropria``, edsontmarques/ACBr 7be4dac, 2026-06-28: ``PrepararEmitir``,
``PrepararArquivoEnvio``, ``TratarRetornoEmitir``, ``PrepararEnviarEvento``,
``TratarRetornoEnviarEvento``; ``ConfigAssinar``: ``RpsGerarNFSe``, ``EnviarEvento``) and the
``[Citta]`` section of ``ACBrNFSeXServicos.ini`` (``ServicosPadraoNacional:
ConsultarNFSePorChave,ConsultarEvento...``). ACBr's query by RPS (``GET {base}/{número}``)
answers only ``url`` and ``status``, not the note nor its key: a lost answer is looked for
at the Sefin Nacional by the DPS's id instead (``consulta_nacional``), taken here to know the
notes Citta shares. Not shown by ACBr, taken here: the code of a DPS sent twice (the Sefin's
E0014) and the HTTP status of a refusal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lxml import etree

from nfse.providers.base import Emissor, Erro, Exchange, Outcome, Result, Rps
from nfse.providers.nacional import respostas
from nfse.providers.nacional.dialetos.comum import (
    EVENTO_BLOQUEADO,
    aliquota_do_servico,
    chamar,
    consulta_nacional,
    documento,
    na_sefin,
    sem_endereco,
    sem_nota,
)
from nfse.providers.nacional.dialetos.pronim import _item
from nfse.providers.nacional.dps import DpsInvalida, tp_amb
from nfse.providers.nacional.evento import pedido_cancelamento
from nfse.providers.nacional.nfse_emitente import (
    endereco_incompleto,
    evento_do_emitente,
    gerar_nfse,
)

if TYPE_CHECKING:
    from nfse.model.nota import Nota
    from nfse.providers.nacional.provider import NacionalProvider

LOTE = "LoteXmlGZipB64"
EVENTOS = "eventos"


def evento(pedido: bytes, chave: str, emissor: Emissor) -> bytes:
    """Citta's cancellation (ACBr ``PrepararEnviarEvento``): ``versao`` 1.00, ambGer =
    tpAmb, nSeqEvento 1, nDFSe = the note's number (the key's positions 24 to 36)."""
    raiz = evento_do_emitente(pedido, chave, emissor, versao="1.00",
                              ambiente_gerador=tp_amb(emissor.ambiente), sequencia="1",
                              n_dfse=str(int(chave[23:36])))
    return etree.tostring(raiz, xml_declaration=True, encoding="UTF-8")


class Citta:
    def __init__(self, nacional: dict[str, tuple[str, str | None]]):
        self.nacional = nacional
        """The Sefin Nacional's address and trust store by environment
        (``NacionalProvider.address``): where the notes' queries and events are asked."""

    @staticmethod
    def _lote(provider: NacionalProvider, emissor: Emissor, url: str, xml: bytes, nome: str
              ) -> tuple[int, dict[str, Any] | None, tuple[Exchange, ...]] | Outcome:
        """POST one document in a lot: the status, the JSON answer and the exchange."""
        sent = chamar(provider, "POST", url, emissor, nome, xml,
                      {LOTE: [respostas.pack(xml)]})
        if isinstance(sent, Outcome):
            return sent
        answer, exchanges = sent
        return answer.status, respostas.json_of(answer.body), exchanges

    def emit(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
             ) -> Outcome:
        faltam = endereco_incompleto(emissor.endereco)
        if faltam:
            return sem_endereco(faltam)
        feito = documento(provider, nota, rps, emissor)
        if isinstance(feito, Outcome):
            return feito
        xml, aviso = feito
        try:
            _, nfse = gerar_nfse(xml, nota, emissor, aliquota_do_servico(provider, nota, emissor),
                                 numero_do_emitente=True)
        except DpsInvalida as exc:
            return Outcome(Result.REJECTED, erros=(Erro("requisicao_invalida", str(exc)),),
                           mensagem=aviso)
        sent = self._lote(provider, emissor, emissor.base_url, nfse, "emissao")
        if isinstance(sent, Outcome):
            return sent
        status, parsed, exchanges = sent
        item = _item(parsed)
        if item and item.get("chaveacesso") and item.get("xmlgzipb64"):
            return provider._authorized(item["chaveacesso"], item["xmlgzipb64"], exchanges,
                                        aviso)
        return sem_nota(status, respostas.erros_of(item or parsed or {}), exchanges, aviso)

    def query(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
              ) -> Outcome:
        """At the Sefin Nacional, by the DPS's id, then by the key (``consulta_nacional``):
        Citta's own query answers no note."""
        return consulta_nacional(provider, nota, rps, emissor, self.nacional)

    def cancel(self, provider: NacionalProvider, nota: Nota, chave: str, numero: str,
               justificativa: str, emissor: Emissor) -> Outcome:
        try:
            pedido = evento(pedido_cancelamento(nota, chave, justificativa, emissor), chave,
                            emissor)
        except DpsInvalida as exc:
            return Outcome(Result.REJECTED, erros=(Erro("requisicao_invalida", str(exc)),))
        sent = self._lote(provider, emissor, f"{emissor.base_url}/{EVENTOS}", pedido,
                          "cancelamento")
        nacional = na_sefin(self.nacional, emissor)
        if isinstance(sent, Outcome):
            if sent.result == Result.UNKNOWN:
                return provider._cancelamento_registrado(chave, numero, nacional, sent)
            return sent
        status, parsed, exchanges = sent
        erros = tuple(respostas.erros_of(_item(parsed) or parsed or {}))
        if erros and status < 500:
            recusa = Outcome(Result.REJECTED, exchanges=exchanges, erros=erros)
            if any(e.codigo == EVENTO_BLOQUEADO for e in erros):
                return provider._cancelamento_registrado(chave, numero, nacional, recusa)
            return recusa
        return provider._cancelamento_registrado(chave, numero, nacional, Outcome(
            Result.UNKNOWN, exchanges=exchanges, mensagem=(
                "Pedido de cancelamento recebido pelo sistema Citta; o evento é consultado "
                "no ambiente nacional" if status < 300 else
                f"Resposta inesperada da autoridade (HTTP {status})")))
