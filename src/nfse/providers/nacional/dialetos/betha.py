"""Betha's dialect (``nota-eletronica.betha.cloud/dps/ws``, one address for every city): a
SOAP 1.1 web service that takes the national DPS in Betha's own namespace
(``http://www.betha.com.br/e-nota-dps``), its ``infDPS`` identified by ``id`` (lower case)
and signed there (RSA-SHA256); asynchronous: the answer carries a ``protocolo``, and the note,
once issued, is the national environment's, answered by the Sefin Nacional's queries
(``GET /dps/{id}``, ``/nfse/{chave}``, ``/nfse/{chave}/eventos/...``). The cancellation is
Betha's ``evento`` (``infEvento``, signed by the emitter) around the national
``pedRegEvento``, in Betha's namespace, sent by ``RecepcionarEventoCancelamentoEnvio``.

Facts from ACBr's ``Provedores/Betha.Provider.pas`` and ``Betha.GravarXml.pas`` (classes
``...BethaAPIPropria``, edsontmarques/ACBr 7be4dac, 2026-06-28: the SOAPActions
``http://www.betha.com.br/e-nota-dps-service/<Operação>``, the envelope
``RecepcionarDpsEnvio/DPS``, the answer's ``listaMensagens/mensagem`` with ``codigo``,
``mensagem``, ``correcao`` — a code with ``L000`` is a notice, not an error —, ``protocolo``,
``status``, ``emissao/chaveAcesso``; the event's layout; ``ServicosPadraoNacional`` in the
``[Betha]`` section of ``ACBrNFSeXServicos.ini``: queries by DPS, by key and of events at the
Sefin Nacional), and from Betha's public help page "DPS por Web Service - Nota Nacional"
(iss.ajuda.betha.cloud) and public integrations that report the namespace, the lower-case
``id`` and SHA-256 as what Betha's schema takes. ACBr writes ``versao="1.0"`` on the DPS in
Betha's namespace; public integrations write 1.01, which the DPS keeps here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from nfse.providers.base import Emissor, Erro, Exchange, Outcome, Result, Rps
from nfse.providers.nacional.dialetos.comum import (
    apos_pedido_de_cancelamento,
    apos_recepcao,
    chamar,
    consulta_nacional,
    documento,
    na_sefin,
)
from nfse.providers.nacional.dps import NS as NS_NACIONAL
from nfse.providers.nacional.dps import DpsInvalida
from nfse.providers.nacional.evento import pedido_cancelamento
from nfse.xml import seguro
from nfse.xml.sign import c14n, signature

if TYPE_CHECKING:
    from nfse.model.nota import Nota
    from nfse.providers.nacional.provider import NacionalProvider

NS = "http://www.betha.com.br/e-nota-dps"
ACAO = "http://www.betha.com.br/e-nota-dps-service/"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
ASSINATURA = "sha256"
AVISO = "L000"
"""A message whose code contains it is a notice (ACBr: ``VerificarAlerta``)."""
RECEBIDA = ("DPS recebida pelo sistema Betha (protocolo {protocolo}); a NFS-e é consultada "
            "no ambiente nacional")


def em_betha(raiz: etree._Element) -> etree._Element:
    """A national document (without its Signature) in Betha's namespace: every element of
    the national namespace renamed, ``Id`` written ``id``."""
    def copiar(origem: etree._Element, destino: etree._Element | None) -> etree._Element:
        nome = etree.QName(origem)
        tag = f"{{{NS}}}{nome.localname}" if nome.namespace == NS_NACIONAL else origem.tag
        novo = (etree.Element(tag, nsmap={None: NS}) if destino is None
                else etree.SubElement(destino, tag))
        for chave, valor in origem.attrib.items():
            novo.set("id" if chave == "Id" else chave, valor)
        novo.text = origem.text
        for filho in origem:
            if isinstance(filho.tag, str) and filho.tag != f"{{{DSIG}}}Signature":
                copiar(filho, novo).tail = filho.tail
        return novo
    return copiar(raiz, None)


def assinar(raiz: etree._Element, alvo: etree._Element, emissor: Emissor) -> None:
    """Sign ``alvo`` (identified by ``id``) with the A1; the Signature is ``raiz``'s last
    child."""
    raiz.append(etree.fromstring(signature(c14n(alvo), alvo.get("id") or "", emissor.a1,
                                           ASSINATURA)))


def dps_betha(xml: bytes, emissor: Emissor) -> etree._Element:
    """The signed national DPS as Betha takes it: the same content in Betha's namespace,
    signed again there."""
    raiz = em_betha(seguro.ler(xml))
    assinar(raiz, raiz[0], emissor)
    return raiz


def evento_betha(pedido: bytes, emissor: Emissor) -> etree._Element:
    """Betha's cancellation: its ``evento`` (``infEvento`` signed by the emitter) around the
    national request's fields, in the order of Betha's layout: chNFSe, the author, dhEvento,
    tpAmb, verAplic, the event group."""
    pedido_betha = em_betha(seguro.ler(pedido))
    nacional = pedido_betha[0]
    campos = {etree.QName(filho).localname: filho for filho in nacional}
    grupo = next(filho for nome, filho in campos.items() if nome.startswith("e1"))
    inf = etree.Element(f"{{{NS}}}infPedReg", id=nacional.get("id") or "")
    autor = "CNPJAutor" if "CNPJAutor" in campos else "CPFAutor"
    for nome in ("chNFSe", autor, "dhEvento", "tpAmb", "verAplic"):
        inf.append(campos[nome])
    inf.append(grupo)
    pedido_betha.replace(nacional, inf)
    chave = campos["chNFSe"].text or ""
    evento = etree.Element(f"{{{NS}}}evento", nsmap={None: NS}, versao="1.01")
    info = etree.SubElement(evento, f"{{{NS}}}infEvento",
                            id=f"EVT{chave}{etree.QName(grupo).localname[1:]}")
    for tag, valor in (("verAplic", campos["verAplic"].text), ("ambGer", "1"),
                       ("nSeqEvento", "001"), ("dhProc", campos["dhEvento"].text),
                       ("nDFe", "0")):
        etree.SubElement(info, f"{{{NS}}}{tag}").text = valor
    info.append(pedido_betha)
    assinar(evento, info, emissor)
    return evento


def envelope(operacao: str, documento: etree._Element) -> bytes:
    """The SOAP 1.1 request: ``documento`` inside ``<operacao>`` in Betha's namespace."""
    env = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soapenv": SOAP})
    etree.SubElement(env, f"{{{SOAP}}}Header")
    corpo = etree.SubElement(etree.SubElement(env, f"{{{SOAP}}}Body"),
                             f"{{{NS}}}{operacao}", nsmap={None: NS})
    corpo.append(documento)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def _local(elemento: etree._Element) -> str:
    return etree.QName(elemento).localname if isinstance(elemento.tag, str) else ""


class Resposta:
    """What a Betha answer says: its protocol, status and errors (notices left out), and
    whether it is a SOAP Fault of the client. The note itself is the national
    environment's to answer."""

    def __init__(self, body: bytes):
        self.protocolo = self.status = ""
        self.erros: list[Erro] = []
        self.falha_do_cliente = False
        try:
            raiz = seguro.ler(body)
        except etree.XMLSyntaxError:
            return
        for elemento in raiz.iter():
            nome = _local(elemento)
            if nome in ("protocolo", "status") and not getattr(self, nome):
                setattr(self, nome, (elemento.text or "").strip())
            elif nome == "mensagem" and len(elemento):
                self._mensagem(elemento)
            elif nome == "Fault":
                codigo = elemento.findtext("faultcode") or ""
                self.falha_do_cliente = any(p in codigo for p in ("Client", "Sender"))
                self.erros.append(Erro(codigo or "SOAP-Fault",
                                       (elemento.findtext("faultstring") or "").strip()))

    def _mensagem(self, elemento: etree._Element) -> None:
        texto = {_local(filho): (filho.text or "").strip() for filho in elemento}
        codigo = texto.get("codigo", "")
        if AVISO in codigo or not (texto.get("mensagem") or texto.get("correcao")):
            return
        self.erros.append(Erro(codigo or "sem_codigo", texto.get("mensagem", ""),
                               texto.get("correcao") or None))


class Betha:
    def __init__(self, nacional: dict[str, tuple[str, str | None]]):
        self.nacional = nacional
        """The Sefin Nacional's address and trust store by environment, as the provider
        last resolved them (``NacionalProvider.address``)."""

    def _enviar(self, provider: NacionalProvider, emissor: Emissor, operacao: str,
                acao: str, documento: etree._Element, nome: str
                ) -> tuple[int, Resposta, tuple[Exchange, ...]] | Outcome:
        pedido = envelope(operacao, documento)
        sent = chamar(provider, "POST", emissor.base_url, emissor, nome, pedido,
                      content=pedido, headers={"Content-Type": "text/xml; charset=utf-8",
                                               "SOAPAction": ACAO + acao,
                                               "Accept": "text/xml"})
        if isinstance(sent, Outcome):
            return sent
        answer, exchanges = sent
        return answer.status, Resposta(answer.body), exchanges

    def emit(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
             ) -> Outcome:
        feito = documento(provider, nota, rps, emissor)
        if isinstance(feito, Outcome):
            return feito
        xml, aviso = feito
        sent = self._enviar(provider, emissor, "RecepcionarDpsEnvio", "RecepcionarDps",
                            dps_betha(xml, emissor), "emissao")
        if isinstance(sent, Outcome):
            return sent
        status, resposta, exchanges = sent
        return apos_recepcao(status, resposta, bool(resposta.protocolo), exchanges, aviso,
                             lambda: self.query(provider, nota, rps, emissor),
                             RECEBIDA.format(protocolo=resposta.protocolo))

    def query(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
              ) -> Outcome:
        """At the Sefin Nacional, by the DPS's id (Betha processes asynchronously, and
        refuses a DPS id it has received: ``consulta_nacional``)."""
        return consulta_nacional(provider, nota, rps, emissor, self.nacional)

    def cancel(self, provider: NacionalProvider, nota: Nota, chave: str, numero: str,
               justificativa: str, emissor: Emissor) -> Outcome:
        try:
            pedido = pedido_cancelamento(nota, chave, justificativa, emissor)
        except DpsInvalida as exc:
            return Outcome(Result.REJECTED, erros=(Erro("requisicao_invalida", str(exc)),))
        sent = self._enviar(provider, emissor, "RecepcionarEventoCancelamentoEnvio",
                            "RecepcionarEventoCancelamentoEnvio",
                            evento_betha(pedido, emissor), "cancelamento")
        return apos_pedido_de_cancelamento(provider, chave, numero,
                                           na_sefin(self.nacional, emissor), "Betha", sent)
