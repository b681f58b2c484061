"""Betha's dialect of the national DPS, as the Nacional sandbox plays it: a SOAP 1.1 service
under its base path (``/dps/ws``) that takes the DPS in Betha's namespace
(``http://www.betha.com.br/e-nota-dps``, ``infDPS`` identified by ``id``, signed there), checks
its signature and, moved back to the national namespace, the official XSD and the Sefin's
rules, and issues the note as the Sefin does; the notes are then the national environment's:
the Sefin's routes answer for them under ``/SefinNacional`` on the same port. The
cancellation is Betha's ``evento`` (``infEvento`` signed by the emitter) around the request.
Facts from ACBr's ``Provedores/Betha.Provider.pas`` (``...BethaAPIPropria``, 2026-06-28) and
Betha's public help page "DPS por Web Service - Nota Nacional"; the client is
``nfse.providers.nacional.dialetos.betha``. The answer's root element names
(``RecepcionarDpsResposta``...) are the sandbox's own: ACBr reads the children only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from nfse.certs.a1 import document_of
from nfse.regras.catalogo import mensagem
from nfse.sandbox.nacional.leitura import campos
from nfse.sandbox.nacional.recepcao import Mensagens, Recusa, assinante, emitir
from nfse.sandbox.nacional.sefin import agora
from nfse.xml import seguro

if TYPE_CHECKING:
    from nfse.sandbox.nacional.server import NacionalSandbox

NS = "http://www.betha.com.br/e-nota-dps"
NACIONAL = "http://www.sped.fazenda.gov.br/nfse"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
SEFIN_NACIONAL = True
"""Betha's notes are queried at the national environment (ACBr: ``ServicosPadraoNacional``)."""
SUCESSO, ERRO = "Processado com sucesso", "Processado com erro"


def _nacional(raiz: etree._Element) -> etree._Element:
    """A document of Betha's namespace moved to the national one (``id`` → ``Id``), the
    Signature kept: what the official XSD checks."""
    def copiar(origem: etree._Element, destino: etree._Element | None) -> etree._Element:
        nome = etree.QName(origem)
        tag = f"{{{NACIONAL}}}{nome.localname}" if nome.namespace == NS else origem.tag
        novo = (etree.Element(tag, nsmap={None: NACIONAL}) if destino is None
                else etree.SubElement(destino, tag))
        for chave, valor in origem.attrib.items():
            novo.set("Id" if chave == "id" else chave, valor)
        novo.text = origem.text
        for filho in origem:
            if isinstance(filho.tag, str):
                copiar(filho, novo)
        return novo
    return copiar(raiz, None)


def _resposta(operacao: str, status: str, mensagens: Mensagens | None = None,
              **campos: str) -> bytes:
    """Betha's answer: receipt time, protocol, status, messages and the issued note."""
    env = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    raiz = etree.SubElement(etree.SubElement(env, f"{{{SOAP}}}Body"), f"{{{NS}}}{operacao}",
                            nsmap={"ns2": NS})

    def add(pai: etree._Element, tag: str, texto: str) -> None:
        etree.SubElement(pai, f"{{{NS}}}{tag}").text = texto

    add(raiz, "dhRecebimento", agora().replace(microsecond=0).isoformat())
    if "protocolo" in campos:
        add(raiz, "protocolo", campos.pop("protocolo"))
    add(raiz, "status", status)
    if mensagens:
        lista = etree.SubElement(raiz, f"{{{NS}}}listaMensagens")
        for codigo, texto, correcao in mensagens:
            item = etree.SubElement(lista, f"{{{NS}}}mensagem")
            add(item, "codigo", codigo)
            add(item, "mensagem", texto)
            add(item, "correcao", correcao)
    if campos:
        emissao = etree.SubElement(raiz, f"{{{NS}}}emissao")
        for tag, texto in campos.items():
            add(emissao, tag, texto)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def receber_dps(sandbox: NacionalSandbox, dps: etree._Element, chamador: str | None) -> bytes:
    """RecepcionarDps: the DPS checked and issued as the Sefin does."""
    try:
        if etree.QName(dps).namespace != NS or len(dps) == 0:
            raise Recusa([("E1235", mensagem("E1235"),
                           f"A DPS deve estar no namespace {NS}")])
        cert = assinante(dps, dps[0])
        chave, numero, c = emitir(sandbox, _nacional(dps), cert, chamador)
    except Recusa as recusa:
        return _resposta("RecepcionarDpsResposta", ERRO, recusa.mensagens)
    protocolo = str(sandbox.estado.proximo("protocolo_betha"))
    return _resposta("RecepcionarDpsResposta", SUCESSO, protocolo=protocolo,
                     idDps=dps[0].get("id") or "", chaveAcesso=chave, numeroDps=c["nDPS"],
                     serieDps=c["serie"], numeroNotaFiscal=str(numero))


def receber_evento(sandbox: NacionalSandbox, evento: etree._Element,
                   chamador: str | None) -> bytes:
    """RecepcionarEventoCancelamento: Betha's ``evento`` checked, the note cancelled."""
    operacao = "RecepcionarEventoCancelamentoResposta"
    try:
        if etree.QName(evento).namespace != NS or len(evento) == 0:
            raise Recusa([("E1235", mensagem("E1235"), f"O evento deve estar no namespace {NS}")])
        cert = assinante(evento, evento[0])
        nacional = _nacional(evento)
        pedido = nacional.find(f"{{{NACIONAL}}}infEvento/{{{NACIONAL}}}pedRegEvento")
        inf = pedido.find(f"{{{NACIONAL}}}infPedReg") if pedido is not None else None
        if inf is None or inf.find(f"{{{NACIONAL}}}e101101") is None:
            raise Recusa([("E1818", "Evento não suportado: só o cancelamento (e101101)", "")])
        c = campos(inf)
        chave, autor = c["chNFSe"], c["CNPJAutor"] or c["CPFAutor"]
        if (document_of(cert) or "")[:8] != autor[:8] or (chamador or "")[:8] != autor[:8]:
            raise Recusa([("E0812", mensagem("E0812"), "")])
        with sandbox.estado.lock:
            nota = sandbox.estado.por_chave(chave)
            if nota is None:
                raise Recusa([("E1831", mensagem("E1831"), "")])
            if nota["inscricao"][:8] != autor[:8]:
                raise Recusa([("E1991", mensagem("E1991"), "O autor não é o emitente")])
            if nota["cancelada"]:
                raise Recusa([("E0840", mensagem("E0840"), "")])
            sandbox.estado.cancelar(chave, sandbox.sefin._gerar_evento(pedido, chave))
    except Recusa as recusa:
        return _resposta(operacao, ERRO, recusa.mensagens)
    return _resposta(operacao, SUCESSO, protocolo=str(sandbox.estado.proximo("protocolo_betha")))


def _falha(texto: str) -> tuple[int, bytes, str]:
    env = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    falha = etree.SubElement(etree.SubElement(env, f"{{{SOAP}}}Body"), f"{{{SOAP}}}Fault")
    etree.SubElement(falha, "faultcode").text = "soap:Client"
    etree.SubElement(falha, "faultstring").text = texto
    return 500, etree.tostring(env, xml_declaration=True, encoding="UTF-8"), "text/xml"


def _avulso(documento: etree._Element) -> etree._Element:
    """The document inline in the SOAP body taken as a document of its own, as it was signed
    (the envelope's namespace declarations are not part of it)."""
    avulso = seguro.ler(etree.tostring(documento))
    etree.cleanup_namespaces(avulso)
    return avulso


def responder(sandbox: NacionalSandbox, metodo: str, rota: list[str], corpo: bytes,
              chamador: str | None) -> tuple[int, bytes, str] | None:
    """A SOAP request at the base path; None for any other path or method."""
    if metodo != "POST" or rota not in ([], [""]):
        return None
    try:
        envelope = seguro.ler(corpo)
    except etree.XMLSyntaxError as exc:
        return _falha(f"XML ilegível: {exc}")
    operacao = envelope.find(f"{{{SOAP}}}Body/*")
    if operacao is None or len(operacao) == 0:
        return _falha("Corpo SOAP sem operação")
    nome, documento = etree.QName(operacao).localname, _avulso(operacao[0])
    if nome == "RecepcionarDpsEnvio":
        return 200, receber_dps(sandbox, documento, chamador), "text/xml; charset=utf-8"
    if nome == "RecepcionarEventoCancelamentoEnvio":
        return 200, receber_evento(sandbox, documento, chamador), "text/xml; charset=utf-8"
    return _falha(f"Operação desconhecida: {nome}")
