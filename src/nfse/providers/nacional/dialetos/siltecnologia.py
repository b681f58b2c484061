"""SilTecnologia's dialect (``<cidade>/services/NotaFiscalNacional``: Franca, Vila Velha, Mogi
das Cruzes, Bauru, Cariacica...): a SOAP 1.1 web service (namespace
``http://webservices.sil.com/``) that takes not the DPS but the NFS-e the emitter builds and
signs around it (``nfse.providers.nacional.nfse_emitente``), as XML text in a CDATA section:
``<nfse:NotaFiscalNacionalGerar><xml><![CDATA[<NFSe ...>]]></xml>``. The answer, in the
operation's ``return`` (the XML escaped as text), carries ``dhRecebimento``, ``protocolo``,
``Status``, the ``nNFSe`` and ``chaveAcesso`` the system assigned, or ``listaMensagens/
mensagem`` (``codigo``, ``mensagem``, ``correcao``; a code with ``L000`` is a notice) or
``MensagemErro``; not the document. The note, once issued, is the national environment's:
queried at the Sefin Nacional by the DPS's id, then by its key (``consulta_nacional``).
The cancellation is the national ``evento`` (``infEvento Id="EVT{chave}101101001"``, ``ambGer``
1, ``nSeqEvento`` 001, ``nDFSe`` 1) around the unsigned ``pedRegEvento``, signed by the
emitter, in ``NotaFiscalNacionalCancelar``; its event is then asked of the Sefin Nacional.

Facts from ACBr's ``Provedores/SilTecnologia.Provider.pas`` and ``SilTecnologia.GravarXml.pas``
(classes ``...SilTecnologiaAPIPropria``, edsontmarques/ACBr 7be4dac, 2026-06-28: ``GerarNFSe``,
``EnviarEvento``, ``PrepararEmitir``, ``TratarRetornoEmitir``, ``PrepararEnviarEvento``,
``AssinarEnviarEvento``, ``ProcessarMensagemErros``, ``VerificarAlerta``; ``ConfigMsgDados``:
``NFSe``/``infNFSe`` signed; ``evento``/``infEvento`` signed) and the ``[SilTecnologia]``
section of ``ACBrNFSeXServicos.ini`` (``ServicosPadraoNacional: ConsultarNFSeRps,
ConsultarNFSePorChave,ConsultarEvento...``). Not shown by ACBr, taken here: the SOAPAction
(empty, as ACBr's ``Executar('', ...)`` sends it), the code of a note sent twice (the Sefin's
E0014, as the other dialects), and the HTTP status of a refusal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from nfse.providers.base import Emissor, Erro, Exchange, Outcome, Result, Rps
from nfse.providers.nacional.dialetos.betha import Resposta as RespostaSoap
from nfse.providers.nacional.dialetos.comum import (
    aliquota_do_servico,
    apos_pedido_de_cancelamento,
    apos_recepcao,
    chamar,
    consulta_nacional,
    documento,
    na_sefin,
    sem_endereco,
)
from nfse.providers.nacional.dps import DpsInvalida
from nfse.providers.nacional.evento import pedido_cancelamento
from nfse.providers.nacional.nfse_emitente import (
    endereco_incompleto,
    evento_do_emitente,
    gerar_nfse,
)
from nfse.xml import seguro

if TYPE_CHECKING:
    from nfse.model.nota import Nota
    from nfse.providers.nacional.provider import NacionalProvider

NS_SIL = "http://webservices.sil.com/"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
EMISSAO = "NotaFiscalNacionalGerar"
CANCELAR = "NotaFiscalNacionalCancelar"
RECEBIDA = ("NFS-e recebida pelo sistema SilTecnologia (protocolo {protocolo}, chave {chave}); "
            "a nota é consultada no ambiente nacional")


def envelope(operacao: str, documento: etree._Element) -> bytes:
    """The SOAP 1.1 request: ``documento`` as XML text (no declaration, no line breaks) in
    a CDATA section of ``<nfse:operacao><xml>``."""
    env = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soapenv": SOAP, "nfse": NS_SIL})
    etree.SubElement(env, f"{{{SOAP}}}Header")
    corpo = etree.SubElement(etree.SubElement(env, f"{{{SOAP}}}Body"), f"{{{NS_SIL}}}{operacao}")
    texto = etree.tostring(documento, encoding="unicode").replace("\n", "")
    etree.SubElement(corpo, "xml").text = etree.CDATA(texto)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def _local(elemento: etree._Element) -> str:
    return etree.QName(elemento).localname if isinstance(elemento.tag, str) else ""


def conteudo(body: bytes) -> bytes:
    """The document of an answer: the operation's ``return`` (or ``Retorno``) read as XML
    when it carries it as text; the body itself otherwise (a Fault, inline children)."""
    try:
        raiz = seguro.ler(body)
    except etree.XMLSyntaxError:
        return body
    for elemento in raiz.iter():
        if _local(elemento) in ("return", "Retorno") and not len(elemento):
            return (elemento.text or "").strip().encode()
    return body


class Resposta(RespostaSoap):
    """What a SilTecnologia answer says: Betha's reading of the protocol, status, messages
    (notices left out) and SOAP Faults, plus the key and number the system assigned and its
    ``MensagemErro``; a ``return`` that is plain text (not XML) is an error message."""

    def __init__(self, body: bytes):
        interno = conteudo(body)
        super().__init__(interno)
        self.chave = self.numero = ""
        try:
            raiz = seguro.ler(interno)
        except etree.XMLSyntaxError:
            if interno.strip() and interno != body:
                self.erros.append(Erro("sem_codigo", interno.decode(errors="replace")))
            return
        textos = {_local(e): (e.text or "").strip() for e in raiz.iter() if not len(e)}
        self.chave, self.numero = textos.get("chaveAcesso", ""), textos.get("nNFSe", "")
        self.status = self.status or textos.get("Status", "")
        if textos.get("MensagemErro"):
            self.erros.append(Erro(textos.get("codigo") or "sem_codigo",
                                   textos["MensagemErro"], textos.get("correcao") or None))


def evento(pedido: bytes, chave: str, emissor: Emissor) -> etree._Element:
    """SilTecnologia's cancellation (ACBr ``PrepararEnviarEvento``): ``versao`` 1.01, ambGer
    1, nSeqEvento 001, nDFSe 1."""
    return evento_do_emitente(pedido, chave, emissor)


class SilTecnologia:
    def __init__(self, nacional: dict[str, tuple[str, str | None]]):
        self.nacional = nacional
        """The Sefin Nacional's address and trust store by environment
        (``NacionalProvider.address``): where the system's notes and events are asked."""

    def _enviar(self, provider: NacionalProvider, emissor: Emissor, operacao: str,
                documento: etree._Element, nome: str
                ) -> tuple[int, Resposta, tuple[Exchange, ...]] | Outcome:
        pedido = envelope(operacao, documento)
        sent = chamar(provider, "POST", emissor.base_url, emissor, nome, pedido,
                      content=pedido, headers={"Content-Type": "text/xml; charset=utf-8",
                                               "SOAPAction": '""', "Accept": "text/xml"})
        if isinstance(sent, Outcome):
            return sent
        answer, exchanges = sent
        return answer.status, Resposta(answer.body), exchanges

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
            _, nfse = gerar_nfse(xml, nota, emissor, aliquota_do_servico(provider, nota, emissor))
        except DpsInvalida as exc:
            return Outcome(Result.REJECTED, erros=(Erro("requisicao_invalida", str(exc)),),
                           mensagem=aviso)
        sent = self._enviar(provider, emissor, EMISSAO, seguro.ler(nfse), "emissao")
        if isinstance(sent, Outcome):
            return sent
        status, resposta, exchanges = sent
        return apos_recepcao(
            status, resposta, bool(resposta.chave or resposta.protocolo), exchanges, aviso,
            lambda: self.query(provider, nota, rps, emissor),
            RECEBIDA.format(protocolo=resposta.protocolo, chave=resposta.chave))

    def query(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
              ) -> Outcome:
        """At the Sefin Nacional, by the DPS's id (ACBr: ``ServicosPadraoNacional``); a DPS
        not (yet) known there keeps the note in processing (``consulta_nacional``)."""
        return consulta_nacional(provider, nota, rps, emissor, self.nacional)

    def cancel(self, provider: NacionalProvider, nota: Nota, chave: str, numero: str,
               justificativa: str, emissor: Emissor) -> Outcome:
        try:
            pedido = evento(pedido_cancelamento(nota, chave, justificativa, emissor), chave,
                            emissor)
        except DpsInvalida as exc:
            return Outcome(Result.REJECTED, erros=(Erro("requisicao_invalida", str(exc)),))
        sent = self._enviar(provider, emissor, CANCELAR, pedido, "cancelamento")
        return apos_pedido_de_cancelamento(provider, chave, numero,
                                           na_sefin(self.nacional, emissor), "SilTecnologia",
                                           sent)
