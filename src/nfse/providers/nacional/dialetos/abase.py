"""ABase's dialect (``iss.abase.com.br/api-nacional``, one address for every city; homologação
``demoiss.abase.com.br/api-nacional``): the signed DPS as plain XML in
``POST {base}/recepcionardps`` (``application/xml``), every call with ``Authorization: Bearer
<chave de acesso do contribuinte>`` — the company's key at ABase, kept in
``senha_responsavel``. Asynchronous: the answer is XML with ``Protocolo`` and
``DataHoraRecebimento``, or ``Erros/Erro`` (``Codigo``, ``Descricao``, ``Correcao``; a code
with ``L000`` is a notice); the NFS-e is then asked of ABase by the DPS's number,
``GET {base}/consultarnfsedps/{número}`` (XML: ``StatusProcessamento``, ``ChaveAcesso``, the
``NFSe``). The signed cancellation request (``pedRegEvento``) goes in
``POST {base}/CancelarNfse``, answered ``CancelarNfseResponse`` (``DataHoraRecebimento``,
``Erros``) without the event, which — like the query by key — is the Sefin Nacional's.

Facts from ACBr's ``Provedores/ABase.Provider.pas``, class ``TACBrNFSeProviderABaseAPIPropria``
(edsontmarques/ACBr 7be4dac, 2026-06-28: ``CriarServiceClient``, ``PrepararArquivoEnvio``,
``TratarRetornoEmitir``, ``PrepararConsultaNFSeporRps``, ``TratarRetornoConsultaNFSeporRps``,
``TratarRetornoEnviarEvento``, ``SetHeaders``: ``WSChaveAcesso``, ``VerificarAlerta``), and the
``[ABase]`` section of ``ACBrNFSeXServicos.ini`` (``ServicosPadraoNacional:
ConsultarNFSePorChave,ConsultarEvento...``). Not shown by ACBr, taken here: the answer to a
query for a DPS ABase does not have (a 404 is "not found"; any other answer without the NFS-e
keeps the note in processing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from nfse.providers.base import Emissor, Erro, Exchange, Outcome, Result, Rps
from nfse.providers.nacional import respostas
from nfse.providers.nacional.dialetos.comum import (
    JA_EMITIDA,
    chamar,
    documento,
    json_de,
    na_sefin,
    recebida,
    sem_credenciais,
)
from nfse.providers.nacional.dps import NS, DpsInvalida
from nfse.providers.nacional.evento import pedido_cancelamento
from nfse.xml import seguro

if TYPE_CHECKING:
    from nfse.model.nota import Nota
    from nfse.providers.nacional.provider import NacionalProvider

DUPLICADA = "E0014"
EVENTO_BLOQUEADO = "E0840"
AVISO = "L000"
"""A message whose code contains it is a notice (ACBr: ``VerificarAlerta``)."""
CREDENCIAIS = ("senha_responsavel (a credencial de acesso da empresa ao sistema ABase, que o "
               "ABase chama de chave de acesso do contribuinte)")


def _local(elemento: etree._Element) -> str:
    return etree.QName(elemento).localname if isinstance(elemento.tag, str) else ""


class Resposta:
    """What an ABase XML answer says: its protocol, its errors (notices left out) and the
    NFS-e it carries, if any."""

    def __init__(self, body: bytes):
        self.legivel = False
        self.protocolo = self.chave = ""
        self.erros: list[Erro] = []
        self.nfse: bytes | None = None
        try:
            raiz = seguro.ler(body)
        except etree.XMLSyntaxError:
            return
        self.legivel = True
        for elemento in raiz.iter():
            nome = _local(elemento)
            if nome == "Protocolo" and not self.protocolo:
                self.protocolo = (elemento.text or "").strip()
            elif nome == "ChaveAcesso" and not self.chave:
                self.chave = (elemento.text or "").strip()
            elif nome == "Erro" and len(elemento):
                self._erro(elemento)
            elif elemento.tag == f"{{{NS}}}NFSe" and self.nfse is None:
                self.nfse = etree.tostring(elemento, encoding="UTF-8")

    def _erro(self, elemento: etree._Element) -> None:
        texto = {_local(filho): (filho.text or "").strip() for filho in elemento}
        codigo = texto.get("Codigo", "")
        if AVISO in codigo or not (texto.get("Descricao") or texto.get("Correcao")):
            return
        self.erros.append(Erro(codigo or "sem_codigo", texto.get("Descricao", ""),
                               texto.get("Correcao") or None))


def _chave_da_nfse(xml: bytes) -> str:
    """The access key of an NFS-e: its ``infNFSe`` Id without the ``NFS`` prefix."""
    inf = seguro.ler(xml).find(f"{{{NS}}}infNFSe")
    ident = inf.get("Id", "") if inf is not None else ""
    return ident[3:] if ident.startswith("NFS") else ident


class ABase:
    def __init__(self, nacional: dict[str, tuple[str, str | None]]):
        self.nacional = nacional
        """The Sefin Nacional's address and trust store by environment
        (``NacionalProvider.address``): where cancellation events are asked."""

    def _chamar(self, provider: NacionalProvider, emissor: Emissor, metodo: str,
                caminho: str, nome: str, xml: bytes | None = None
                ) -> tuple[int, Resposta, bytes, tuple[Exchange, ...]] | Outcome:
        headers = {"Authorization": f"Bearer {emissor.senha}"}
        if xml is not None:
            headers["Content-Type"] = "application/xml; charset=utf-8"
        sent = chamar(provider, metodo, f"{emissor.base_url}/{caminho}", emissor, nome,
                      xml if xml is not None else caminho.encode(), content=xml,
                      headers=headers)
        if isinstance(sent, Outcome):
            return sent
        answer, exchanges = sent
        return answer.status, Resposta(answer.body), answer.body, exchanges

    def emit(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
             ) -> Outcome:
        if not emissor.senha:
            return sem_credenciais(CREDENCIAIS)
        feito = documento(provider, nota, rps, emissor)
        if isinstance(feito, Outcome):
            return feito
        xml, aviso = feito
        sent = self._chamar(provider, emissor, "POST", "recepcionardps", "emissao", xml)
        if isinstance(sent, Outcome):
            return sent
        status, resposta, _, exchanges = sent
        duplicada = any(e.codigo == DUPLICADA for e in resposta.erros)
        if resposta.erros and not duplicada and status < 500:
            return Outcome(Result.REJECTED, exchanges=exchanges, erros=tuple(resposta.erros),
                           mensagem=aviso)
        if not resposta.protocolo and not duplicada:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Resposta inesperada da autoridade (HTTP {status})")
        consulta = self.query(provider, nota, rps, emissor)
        return recebida(consulta, exchanges, resposta.erros, aviso, (
            f"DPS recebida pelo sistema ABase (protocolo {resposta.protocolo}); a NFS-e é "
            "consultada em seguida") if not duplicada else JA_EMITIDA)

    def query(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
              ) -> Outcome:
        if not emissor.senha:  # removed since the emission: the note waits for them
            return Outcome(Result.UNKNOWN, erros=sem_credenciais(CREDENCIAIS).erros)
        sent = self._chamar(provider, emissor, "GET", f"consultarnfsedps/{rps.numero}",
                            "consulta_dps")
        if isinstance(sent, Outcome):
            return Outcome(Result.UNKNOWN, mensagem=sent.mensagem, failure_of=sent.failure_of,
                           exchanges=sent.exchanges)
        status, resposta, _, exchanges = sent
        if status == 404:
            return Outcome(Result.NOT_FOUND, exchanges=exchanges)
        if status != 200 or resposta.nfse is None:
            return Outcome(Result.UNKNOWN, exchanges=exchanges, erros=tuple(resposta.erros),
                           mensagem=f"Consulta da DPS sem a NFS-e (HTTP {status})")
        chave = resposta.chave or _chave_da_nfse(resposta.nfse)
        return provider._authorized_xml(chave, resposta.nfse, exchanges)

    def cancel(self, provider: NacionalProvider, nota: Nota, chave: str, numero: str,
               justificativa: str, emissor: Emissor) -> Outcome:
        if not emissor.senha:
            return sem_credenciais(CREDENCIAIS)
        try:
            xml = pedido_cancelamento(nota, chave, justificativa, emissor)
        except DpsInvalida as exc:
            return Outcome(Result.REJECTED, erros=(Erro("requisicao_invalida", str(exc)),))
        nacional = na_sefin(self.nacional, emissor)
        sent = self._chamar(provider, emissor, "POST", "CancelarNfse", "cancelamento", xml)
        if isinstance(sent, Outcome):
            if sent.result == Result.UNKNOWN:  # the request may have arrived: ask
                return provider._cancelamento_registrado(chave, numero, nacional, sent)
            return sent
        status, resposta, corpo, exchanges = sent
        parsed = json_de(corpo) if not resposta.legivel else None
        if isinstance(parsed, dict) and parsed.get("eventoxmlgzipb64"):  # the Sefin's answer
            return Outcome(Result.AUTHORIZED, xml=respostas.unpack(parsed["eventoxmlgzipb64"]),
                           chave_acesso=chave, numero=numero, exchanges=exchanges)
        erros = tuple(resposta.erros)
        if erros and status < 500 and not any(e.codigo == EVENTO_BLOQUEADO for e in erros):
            return Outcome(Result.REJECTED, exchanges=exchanges, erros=erros)
        recebido = resposta.legivel and not erros and status < 300
        return provider._cancelamento_registrado(chave, numero, nacional, Outcome(
            Result.REJECTED if erros else Result.UNKNOWN, exchanges=exchanges, erros=erros,
            mensagem=("Pedido de cancelamento recebido pelo sistema ABase; o evento é "
                      "consultado no ambiente nacional") if recebido
            else None if erros else f"Resposta inesperada da autoridade (HTTP {status})"))
