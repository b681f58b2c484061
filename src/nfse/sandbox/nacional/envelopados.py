"""ISSDigital 1.01 and Fiorilli 1.00 as the Nacional sandbox plays them: a SOAP 1.1 service at
the base path that takes the national DPS inside the system's own envelope (ISSDigital: the
text of ``<xml>`` in ``ws:RecepcionarDps``; Fiorilli: the element inside
``fio:RecepcionarDpsEnvio``), checks its signature, the official XSD and the Sefin's rules,
issues the note as the Sefin does and answers in the system's own document (ISSDigital: as the
text of ``<return>``; Fiorilli: inline, with the NFS-e). The notes are the national
environment's: the Sefin's routes answer for them under ``/SefinNacional`` on the same port;
Fiorilli also takes the Sefin's cancellation event at ``<base>/nfse/{chave}/eventos``.
Facts from ACBr's ``ISSDigital.Provider.pas`` and ``Fiorilli.Provider.pas`` (classes
``...APIPropria``, 2026-06); the client is ``nfse.providers.nacional.dialetos.envelopados``.
The answers' root names are the sandbox's own: ACBr reads their children only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from nfse.sandbox.nacional.betha import _avulso, _falha
from nfse.sandbox.nacional.recepcao import Mensagens, Recusa, assinante, emitir
from nfse.sandbox.nacional.sefin import agora
from nfse.xml import seguro

if TYPE_CHECKING:
    from nfse.sandbox.nacional.server import NacionalSandbox

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NACIONAL = "http://www.sped.fazenda.gov.br/nfse"
SUCESSO, ERRO = "Processado com sucesso", "Processado com erro"


@dataclass(frozen=True)
class Envelopado:
    sistema: str
    namespace: str
    operacao: str
    parametro_xml: bool
    """The DPS as the text of ``<xml>`` (ISSDigital), else as the operation's child."""
    eventos: bool
    """Whether the system takes the Sefin's event at ``/nfse/{chave}/eventos``."""
    SEFIN_NACIONAL = True

    def _dps(self, operacao: etree._Element) -> etree._Element:
        if not self.parametro_xml:
            if len(operacao) != 1:
                raise Recusa([("E1235", f"{self.operacao} deve conter só a DPS", "")])
            return _avulso(operacao[0])
        xml = operacao.find("xml")
        try:
            return seguro.ler(((xml.text if xml is not None else "") or "").strip().encode())
        except etree.XMLSyntaxError as exc:
            raise Recusa([("E1235", f"Parâmetro xml sem uma DPS legível: {exc}", "")]) from exc

    def _resposta(self, status: str, mensagens: Mensagens | None = None,
                  **campos: str) -> bytes:
        raiz = etree.Element("retornoNFSe")
        nfse = campos.pop("nfse", "")
        for tag, texto in (("dhRecebimento", agora().replace(microsecond=0).isoformat()),
                           ("protocolo", campos.pop("protocolo", "")), ("status", status)):
            if texto:
                etree.SubElement(raiz, tag if self.parametro_xml else tag.capitalize()
                                 ).text = texto
        if mensagens:
            lista = etree.SubElement(raiz, "ListaMensagens")
            texto_tag = "descricao" if self.parametro_xml else "Mensagem"
            for codigo, texto, correcao in mensagens:
                item = etree.SubElement(lista, "mensagem")
                for tag, valor in (("codigo", codigo), (texto_tag, texto),
                                   ("correcao", correcao)):
                    etree.SubElement(item, tag if self.parametro_xml or tag == texto_tag
                                     else tag.capitalize()).text = valor
        if campos:
            emissao = etree.SubElement(raiz, "emissao")
            for tag, valor in campos.items():
                etree.SubElement(emissao, tag).text = valor
        if nfse:
            raiz.append(seguro.ler(nfse.encode()))
        env = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
        resposta = etree.SubElement(etree.SubElement(env, f"{{{SOAP}}}Body"),
                                    f"{{{self.namespace}}}{self.operacao}Response",
                                    nsmap={"ns": self.namespace})
        if self.parametro_xml:  # ISSDigital: the document as text
            etree.SubElement(resposta, "return").text = etree.tostring(raiz, encoding="unicode")
        else:
            resposta.append(raiz)
        return etree.tostring(env, xml_declaration=True, encoding="UTF-8")

    def receber_dps(self, sandbox: NacionalSandbox, operacao: etree._Element,
                    chamador: str | None) -> bytes:
        try:
            dps = self._dps(operacao)
            if etree.QName(dps).namespace != NACIONAL or len(dps) == 0:
                raise Recusa([("E1235", f"A DPS deve estar no namespace {NACIONAL}", "")])
            chave, numero, c = emitir(sandbox, dps, assinante(dps, dps[0]), chamador)
        except Recusa as recusa:
            return self._resposta(ERRO, recusa.mensagens)
        nota = sandbox.estado.por_chave(chave)
        protocolo = str(sandbox.estado.proximo(f"protocolo_{self.sistema.lower()}"))
        return self._resposta(SUCESSO, protocolo=protocolo, chaveAcesso=chave,
                              numeroDps=c["nDPS"], serieDps=c["serie"],
                              numeroNotaFiscal=str(numero),
                              nfse="" if self.parametro_xml or nota is None else nota["xml"])

    def responder(self, sandbox: NacionalSandbox, metodo: str, rota: list[str], corpo: bytes,
                  chamador: str | None) -> tuple[int, bytes, str] | None:
        """The SOAP request at the base path (and Fiorilli's events); None otherwise."""
        if metodo != "POST":
            return None
        if self.eventos and len(rota) == 3 and rota[0] == "nfse" and rota[2] == "eventos":
            try:
                body = json.loads(corpo or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError):
                body = {}
            status, answer = sandbox.sefin.registrar_evento(
                rota[1], body if isinstance(body, dict) else {}, chamador)
            return (status, json.dumps(answer or {}, ensure_ascii=False).encode(),
                    "application/json; charset=utf-8")
        if rota not in ([], [""]):
            return None
        try:
            envelope = seguro.ler(corpo)
        except etree.XMLSyntaxError as exc:
            return _falha(f"XML ilegível: {exc}")
        operacao = envelope.find(f"{{{SOAP}}}Body/*")
        if operacao is None or etree.QName(operacao).text != f"{{{self.namespace}}}" \
                f"{self.operacao}":
            return _falha(f"Operação desconhecida; o {self.sistema} recebe "
                          f"{{{self.namespace}}}{self.operacao}")
        return 200, self.receber_dps(sandbox, operacao, chamador), "text/xml; charset=utf-8"


ISSDIGITAL = Envelopado("ISSDigital", "http://ws.supernova.com.br/", "RecepcionarDps",
                        parametro_xml=True, eventos=False)
FIORILLI = Envelopado("Fiorilli", "http://www.fiorilli.com.br/nfse-nacional",
                      "RecepcionarDpsEnvio", parametro_xml=False, eventos=True)
