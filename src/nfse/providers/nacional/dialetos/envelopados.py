"""The dialects that take the national DPS, built and signed as the Sefin takes it, inside a
SOAP envelope of their own at the municipal system's address, answer the emission in a
document of their own, and leave the note to the national environment: the query by DPS
(and the cancellation, for ISSDigital) goes to the Sefin Nacional (``ServicosPadraoNacional``
of the system's section of ACBr's ``ACBrNFSeXServicos.ini``).

- ISSDigital 1.01 (``Provedores/ISSDigital.Provider.pas``, ``...ISSDigitalAPIPropria``):
  ``<ws:RecepcionarDps>`` in ``http://ws.supernova.com.br/`` with the DPS as CDATA of
  ``<xml>``, empty SOAPAction; the answer as the text of ``<return>``: ``protocolo``,
  ``status``, messages with ``codigo``/``descricao``/``correcao``, ``emissao/chaveAcesso``.
- Fiorilli 1.00 (``Provedores/Fiorilli.Provider.pas``, ``...FiorilliAPIPropria``): the DPS
  as the element inside ``<fio:RecepcionarDpsEnvio>`` (``http://www.fiorilli.com.br/
  nfse-nacional``), SOAPAction ``recepcionarDPS``; the answer inline: ``Protocolo``,
  ``Status``, messages with ``Codigo``/``Mensagem``/``Correcao``, the ``NFSe``; the
  cancellation is the Sefin's event (``{"pedidoRegistroEventoXmlGZipB64"}``) at
  ``<address>/nfse/{chave}/eventos`` of the system.

A message whose code holds ``L000`` is a notice, as with Betha (ACBr ``VerificarAlerta``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from nfse.providers.base import Emissor, Outcome, Rps
from nfse.providers.nacional.dialetos import betha
from nfse.providers.nacional.dialetos.comum import (
    apos_recepcao,
    chamar,
    consulta_nacional,
    documento,
    na_sefin,
)
from nfse.xml import seguro

if TYPE_CHECKING:
    from nfse.model.nota import Nota
    from nfse.providers.nacional.provider import NacionalProvider

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
RECEBIDA = ("DPS recebida pelo sistema {sistema} (protocolo {protocolo}); a NFS-e é "
            "consultada no ambiente nacional")


@dataclass(frozen=True)
class Envelope:
    sistema: str
    namespace: str
    operacao: str
    """The body's element (``ws:RecepcionarDps``, ``fio:RecepcionarDpsEnvio``)."""
    acao: str
    parametro_xml: bool
    """The DPS as CDATA text of ``<xml>`` (ISSDigital), else as the operation's child."""
    cancelamento_proprio: bool
    """The Sefin's event at the system's address (Fiorilli), else at the Sefin itself."""

    def pedido(self, dps: bytes) -> bytes:
        texto = dps.decode("utf-8")
        if texto.startswith("<?xml"):
            texto = texto[texto.index("?>") + 2:].lstrip()
        conteudo = f"<xml><![CDATA[{texto}]]></xml>" if self.parametro_xml else texto
        return (f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP}">'
                f'<soapenv:Header/><soapenv:Body><ns:{self.operacao} xmlns:ns="{self.namespace}">'
                f"{conteudo}</ns:{self.operacao}></soapenv:Body></soapenv:Envelope>"
                ).encode()


ISSDIGITAL = Envelope("ISSDigital", "http://ws.supernova.com.br/", "RecepcionarDps", "",
                      parametro_xml=True, cancelamento_proprio=False)
FIORILLI = Envelope("Fiorilli", "http://www.fiorilli.com.br/nfse-nacional",
                    "RecepcionarDpsEnvio", "recepcionarDPS", parametro_xml=False,
                    cancelamento_proprio=True)


def _desembrulhada(raiz: etree._Element) -> etree._Element:
    """The answer's document: the text of a ``<return>`` when it holds one (ISSDigital)."""
    for elemento in raiz.iter():
        texto = (elemento.text or "").strip()
        if isinstance(elemento.tag, str) and etree.QName(elemento).localname == "return" \
                and texto.startswith("<"):
            try:
                return seguro.ler(texto.encode("utf-8"))
            except etree.XMLSyntaxError:
                break
    return raiz


def _minusculo(origem: etree._Element) -> etree._Element:
    """A copy without namespaces, every name in lower case (``Protocolo`` or
    ``protocolo``)."""
    copia = etree.Element(etree.QName(origem).localname.lower())
    copia.text = origem.text
    for filho in origem:
        if isinstance(filho.tag, str):
            copia.append(_minusculo(filho))
    return copia


class Resposta(betha.Resposta):
    """Betha's reading of an answer, on the answer in lower case; a message's text is
    ``mensagem`` or ``descricao`` (ISSDigital). ``recebida``: a protocol or a key came."""

    def __init__(self, body: bytes):
        try:
            raiz = _minusculo(_desembrulhada(seguro.ler(body)))
        except etree.XMLSyntaxError:
            raiz = None
        falha = raiz is not None and raiz.find("body/fault") is not None
        super().__init__(body if raiz is None or falha else etree.tostring(raiz))
        self.recebida = bool(self.protocolo) or (
            raiz is not None and (raiz.find(".//chaveacesso") is not None
                                  or raiz.find(".//infnfse") is not None))

    def _mensagem(self, elemento: etree._Element) -> None:
        descricao = elemento.find("descricao")
        if descricao is not None and elemento.find("mensagem") is None:
            descricao.tag = "mensagem"
        super()._mensagem(elemento)


class Envelopado:
    def __init__(self, nacional: dict[str, tuple[str, str | None]], envelope: Envelope):
        self.nacional = nacional
        """The Sefin Nacional's address and trust store by environment."""
        self.envelope = envelope

    def emit(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
             ) -> Outcome:
        feito = documento(provider, nota, rps, emissor)
        if isinstance(feito, Outcome):
            return feito
        xml, aviso = feito
        pedido = self.envelope.pedido(xml)
        sent = chamar(provider, "POST", emissor.base_url, emissor, "emissao", pedido,
                      content=pedido, headers={"Content-Type": "text/xml; charset=utf-8",
                                               "SOAPAction": f'"{self.envelope.acao}"',
                                               "Accept": "text/xml"})
        if isinstance(sent, Outcome):
            return sent
        answer, exchanges = sent
        resposta = Resposta(answer.body)
        return apos_recepcao(answer.status, resposta, resposta.recebida, exchanges, aviso,
                             lambda: self.query(provider, nota, rps, emissor),
                             RECEBIDA.format(sistema=self.envelope.sistema,
                                             protocolo=resposta.protocolo or "-"))

    def query(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
              ) -> Outcome:
        return consulta_nacional(provider, nota, rps, emissor, self.nacional)

    def cancel(self, provider: NacionalProvider, nota: Nota, chave: str, numero: str,
               justificativa: str, emissor: Emissor) -> Outcome:
        sefin = na_sefin(self.nacional, emissor)
        if self.envelope.cancelamento_proprio:
            return provider.cancelar_em(f"{emissor.base_url.rstrip('/')}/nfse/{chave}/eventos",
                                        nota, chave, numero, justificativa, emissor, sefin)
        return provider.cancel(nota, chave, numero, justificativa, sefin)

